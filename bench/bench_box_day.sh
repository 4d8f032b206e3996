#!/bin/sh
# bench_box_day: what one loudspeaker box costs on its link, and what it costs at rest, with a
# real loalang-player talking to a real loalangd through traffic_proxy (a counting relay that
# also cuts every CUT_EVERY-th media download short, like a dropping 3G link).
#   1. Media: the box fetches every piece of a typical month (the pieces and durations of the
#      sample plan schedules/examples/cho-don-2026-12.plan, as real Opus from the real ingest),
#      resuming the cut downloads. Reference: the bytes of the media it needed (the files).
#   2. Control traffic at rest for WINDOW seconds (manifest polls, event long-polls, status,
#      play reports for the airings in the window), extrapolated to a day; with the media a
#      day of that month needs, the overhead ratio per day.
#   3. Wake-ups per second of the player at rest while connected (context switches of all its
#      threads over a quiet stretch with a long-poll held).
# Usage: bench/bench_box_day.sh [BUILD_DIR]   (default build-bench; run.sh calls it)
# Env: WINDOW (seconds at rest, 600: half without airings, half with three), CUT_EVERY (3; 0 = no cuts).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build-bench}" && pwd)
D="$build/loalangd"
P="$build/loalang-player"
X="$build/bench/traffic_proxy"
WINDOW=${WINDOW:-600}
CUT_EVERY=${CUT_EVERY:-3}
PLAN="$root/schedules/examples/cho-don-2026-12.plan"
for tool in sox curl; do
    command -v $tool >/dev/null 2>&1 || { echo "bench_box_day: $tool not installed, skipped"; exit 0; }
done

tmp=$(mktemp -d /tmp/loalang-bench-day-XXXXXX)
data="$tmp/data"
dpid="" ppid="" xpid=""
cleanup() {
    for p in $ppid $xpid $dpid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
later() { date -d "+$1 seconds" --iso-8601=seconds; }

# ---- a typical month's pieces through the real ingest, each aired once in the horizon
"$D" -d "$data" init >/dev/null
"$D" -d "$data" commune add "Bằng Lãng" >/dev/null
"$D" -d "$data" box add "Cụm loa thôn Nà Pài" --commune "Bằng Lãng" | tail -n 1 >"$tmp/token"
n=0
for d in $(sed -n 's/^duration *= *//p' "$PLAN"); do
    case $d in *:*) s=$((${d%%:*} * 60 + ${d#*:})) ;; *) s=$d ;; esac
    n=$((n + 1))
    sox -n -r 48000 -c 1 "$tmp/p$n.wav" synth "$s" pinknoise vol 0.3 \
        tremolo 3 90 # syllable-rate envelope: noise that codes like speech, not a hiss
    id=$("$D" -d "$data" piece import "$tmp/p$n.wav" --title "Tin $n" --genre news --approve \
        2>/dev/null | tail -n 1)
    rm -f "$tmp/p$n.wav"
    # Spread over the next days, so all are in the manifest's horizon but none plays now.
    "$D" -d "$data" airing add --piece "$id" --at "$(later $((86400 + n * 3600)))" >/dev/null 2>&1
done
needed=$(find "$data/media" -name '*.opus' -printf '%s\n' | awk '{ s += $1 } END { print s }')
files=$(find "$data/media" -name '*.opus' | wc -l)
# Three plays in the second half of the window, of the shortest piece (the plan's last): the
# first half measures what time alone costs, the second what a play adds.
half=$((WINDOW / 2))
for k in 1 2 3; do
    "$D" -d "$data" airing add --piece "$id" --at "$(later $((90 + half + k * half / 4)))" >/dev/null 2>&1
done

dport=$(free_port)
"$D" -d "$data" serve --listen "127.0.0.1:$dport" >/dev/null 2>"$tmp/serve.err" &
dpid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$dport/api/v1/health" && break; sleep 0.1; done
xport=$(free_port)
"$X" "$xport" "$dport" "$CUT_EVERY" >"$tmp/proxy.out" &
xpid=$!
for _ in $(seq 50); do grep -q ready "$tmp/proxy.out" && break; sleep 0.1; done
mkdir -p "$tmp/state" "$tmp/cache"
LOALANG_LOG=error "$P" --server "http://127.0.0.1:$xport" --token-file "$tmp/token" \
    --state-dir "$tmp/state" --cache-dir "$tmp/cache" --output fake 2>"$tmp/player.err" &
ppid=$!

# counters: the proxy's latest line after a SIGUSR1
counters() {
    kill -USR1 "$xpid"
    sleep 0.3
    grep '^traffic' "$tmp/proxy.out" | tail -n 1
}
# field LINE KIND N: requests (1), bytes up (2) or down (3) of a kind
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | cut -d / -f "$3"; }
ctxt() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'; }

t0=$(date +%s.%N)
for _ in $(seq 600); do
    [ "$(find "$tmp/cache" -name '*.opus' | wc -l)" -ge "$files" ] && break
    sleep 0.5
done
t1=$(date +%s.%N)
c1=$(counters)
have=$(find "$tmp/cache" -name '*.opus' | wc -l)
mdown=$(field "$c1" media 3)
mup=$(field "$c1" media 2)
printf "media: %d of %d files in the cache after %.1f s; %d requests, %d cut short by the relay\n" \
    "$have" "$files" "$(echo "$t1 - $t0" | bc -l)" "$(field "$c1" media 1)" \
    "$(echo "$c1" | sed 's/.*cuts=//')"
printf "media bytes on the link %d (down %d + up %d)   media needed (reference) %d   ratio %.3f\n" \
    $((mdown + mup)) "$mdown" "$mup" "$needed" "$(echo "($mdown + $mup) / $needed" | bc -l)"

# ---- at rest, connected: the first half has no airing, the second three plays
sleep 20
w0=$(ctxt "$ppid")
sleep 30
w1=$(ctxt "$ppid")
sleep $((half - 50))
c2=$(counters)
sleep $((WINDOW - half))
c3=$(counters)
printf "player at rest, connected (a long-poll held): %.2f wake-ups/s (%d context switches in 30 s)\n" \
    "$(echo "($w1 - $w0) / 30" | bc -l)" $((w1 - w0))

# bytes KIND FROM TO: bytes up+down of a kind between two counter lines
bytes() { echo $(($(field "$3" $1 2) + $(field "$3" $1 3) - $(field "$2" $1 2) - $(field "$2" $1 3))); }
reqs() { echo $(($(field "$3" $1 1) - $(field "$2" $1 1))); }
# A month of this plan: its airings, plus the daily programme's jingles (intro/outro) each day.
month_days=31
airings=$(sed -n 's/^airings *= *//p' "$PLAN" | awk '{ s += $1 } END { print s }')
jingles=$(grep -c '^\(intro\|outro\) *=' "$PLAN")
plays_day=$(echo "($airings + $jingles * $month_days) / $month_days" | bc -l)
echo "time alone, ${half} s without airings (requests, bytes up+down → per day):"
per_day=0
for k in manifest events status other; do
    b=$(bytes $k "$c1" "$c2")
    d=$(echo "$b * 86400 / $half" | bc)
    per_day=$((per_day + d))
    printf "  %-9s %5d requests %8d bytes   %9d bytes/day\n" "$k" "$(reqs $k "$c1" "$c2")" "$b" "$d"
done
# What three plays added in the second half: their reports, and the status reports they caused
# beyond the periodic ones (time's share of the half is taken off).
pb=$(bytes plays "$c2" "$c3")
sb=$(($(bytes status "$c2" "$c3") - $(bytes status "$c1" "$c2") * (WINDOW - half) / half))
[ $sb -lt 0 ] && sb=0
per_play=$(((pb + sb) / 3))
pd=$(echo "$per_play * $plays_day" | bc | cut -d . -f 1)
per_day=$((per_day + pd))
printf "each play: %d bytes (report %d, status after it %d); %.1f plays a day in this month → %d bytes/day\n" \
    "$per_play" $((pb / 3)) $((sb / 3)) "$plays_day" "$pd"
media_day=$((needed / month_days))
printf "per day of this month: media %d bytes (%d over %d days) + control %d bytes = overhead ratio %.2f\n" \
    "$media_day" "$needed" "$month_days" "$per_day" "$(echo "($media_day + $per_day) / $media_day" | bc -l)"
kill "$ppid" && wait "$ppid" || true
ppid=""
