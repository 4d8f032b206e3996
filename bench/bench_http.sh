#!/bin/sh
# bench_http: the daemon's HTTP figures against references measured in the same run (issue 3):
#   manifest requests/s, 200 and 304 (If-None-Match), and media downloads (a file of about
#   80 KB and one of about 600 KB, each at 8 and 32 connections; requests/s and MB/s), each
#   against nginx serving a static copy of the same bytes (one worker, like our one loop;
#   etag on);
#   play reports/s stored durably over HTTP (bench_http_plays) against bench_plays' plain
#   INSERT reference; N held long-polls (bench_longpoll): RSS against the idle daemon, and the
#   time until an emergency reached all of them.
# Data is set up through the real CLI and API: init, a commune, boxes (tokens), a technician,
# two pieces (22.6 s and 173 s of pink noise: about 80 KB and 600 KB of Opus) imported and
# approved, an airing of the longer one published in an hour.
# wrk and nginx alternate, ROUNDS rounds each, and the median is printed (the machine is
# shared), with the server's CPU time per request from /proc (less sensitive to that).
# Usage: bench/bench_http.sh [BUILD_DIR]   (default build-bench; run.sh calls it)
# Env: SECS (per wrk run, 4), ROUNDS (3), POLLS (50000; 0 skips), PLAY_CONNS (32),
#      PLAY_BATCHES (3000; 0 skips the plays), BENCH_PLAYS_OUT (a file holding bench_plays'
#      output, to take its reference from), PERF_OUT (a path prefix: the daemon is sampled
#      with perf record -g during each of its wrk runs, one file per case, for profiling).
#      WRK=0 skips the wrk cases. The load average is printed beside every figure.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build-bench}" && pwd)
D="$build/loalangd"
SECS=${SECS:-4}
ROUNDS=${ROUNDS:-3}
POLLS=${POLLS:-50000}
PLAY_CONNS=${PLAY_CONNS:-32}
PLAY_BATCHES=${PLAY_BATCHES:-3000}
BOXES=8
PASSWORD="mật khẩu bench 2026"
for tool in wrk nginx curl sox; do
    command -v $tool >/dev/null 2>&1 || { echo "bench_http: $tool not installed, skipped"; exit 0; }
done
# 50,000 held polls need as many descriptors in the daemon and in bench_longpoll: raise the
# hard limit when we may (root), else take what there is; the daemon raises its soft limit
# to the hard one it inherits (serve.c) and sizes its connection limit from it (http.c).
ulimit -H -n $((POLLS + 4096)) 2>/dev/null || true
ulimit -n "$(ulimit -H -n)"
# Without CAP_SYS_RESOURCE (a container) the hard limit stays: hold as many as it allows.
if [ "$(ulimit -n)" != unlimited ] && [ "$POLLS" -gt $(($(ulimit -n) - 512)) ]; then
    echo "bench_http: RLIMIT_NOFILE is $(ulimit -n) and cannot be raised here:" \
        "$(($(ulimit -n) - 512)) long-polls instead of $POLLS"
    POLLS=$(($(ulimit -n) - 512))
fi

tmp=$(mktemp -d /tmp/loalang-bench-http-XXXXXX)
data="$tmp/data"
dpid=""
npid=""
cleanup() {
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
    [ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# ---- data through the CLI
"$D" -d "$data" init >/dev/null
"$D" -d "$data" commune add "Bằng Khánh" >/dev/null
i=1
while [ $i -le $BOXES ]; do
    "$D" -d "$data" box add "Loa $i" --commune "Bằng Khánh" | tail -n 1 >>"$tmp/tokens"
    i=$((i + 1))
done
token=$(head -n 1 "$tmp/tokens")
echo "$PASSWORD" | "$D" -d "$data" user add ktv --role technician >/dev/null
# pink noise at 32 kbit/s is about 3.3 KiB of Opus a second: 22.6 s ~ 80 KB, 173 s ~ 600 KB
sox -n -r 48000 -c 1 "$tmp/small.wav" synth 22.6 pinknoise vol 0.3
"$D" -d "$data" piece import "$tmp/small.wav" --title "Tin ngắn" --genre news --approve \
    >/dev/null 2>&1
sox -n -r 48000 -c 1 "$tmp/in.wav" synth 173 pinknoise vol 0.3
piece=$("$D" -d "$data" piece import "$tmp/in.wav" --title "Bản tin" --genre news --approve \
    2>/dev/null | tail -n 1)
airing=$("$D" -d "$data" airing add --piece "$piece" --at "$(date -d '+1 hour' --iso-8601=seconds)" \
    2>/dev/null | tail -n 1)

start_daemon() {
    "$D" -d "$data" serve --listen 127.0.0.1:0 >"$tmp/serve.out" 2>>"$tmp/serve.err" &
    dpid=$!
    url=""
    for _ in $(seq 100); do
        url=$(sed -n 's|.*\(http://127.0.0.1:[0-9]*\).*|\1|p' "$tmp/serve.out")
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "bench_http: loalangd did not start"; cat "$tmp/serve.err"; exit 1; }
}
stop_daemon() {
    kill "$dpid" && wait "$dpid" || true
    dpid=""
}
start_daemon

curl -sf -D "$tmp/m.h" -H "Authorization: Bearer $token" "$url/api/v1/box/manifest" -o "$tmp/manifest.json"
etag=$(sed -n 's/^ETag: //p' "$tmp/m.h" | tr -d '\r')
sha=$(sed -n 's/.*"media":"\([0-9a-f]\{64\}\)".*/\1/p' "$tmp/manifest.json" | head -n 1)
media=$(find "$data/media" -name "$sha.opus")
mbytes=$(stat -c %s "$media")
small=$(find "$data/media" -name '*.opus' ! -name "$sha.opus" | head -n 1)
ssha=$(basename "$small" .opus)
sbytes=$(stat -c %s "$small")

# ---- nginx with the same bytes
mkdir -p "$tmp/www/media" "$tmp/nginx"
cp "$tmp/manifest.json" "$tmp/www/manifest.json"
cp "$media" "$tmp/www/media/$sha.opus"
cp "$small" "$tmp/www/media/$ssha.opus"
chmod 755 "$tmp" && chmod -R a+rX "$tmp/www" # nginx's worker drops to nobody when run as root
nport=$((20000 + $$ % 20000))
cat >"$tmp/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $tmp/nginx/error.log warn;
pid $tmp/nginx/nginx.pid;
events { worker_connections 20000; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    etag on;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    types { application/json json; audio/ogg opus; }
    server {
        listen 127.0.0.1:$nport;
        root $tmp/www;
        location / { add_header Cache-Control no-cache; }
    }
}
NGINX
nginx -c "$tmp/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/start.err" &
npid=$!
nurl="http://127.0.0.1:$nport"
for _ in $(seq 50); do curl -sf -o /dev/null "$nurl/manifest.json" && break; sleep 0.1; done
netag=$(curl -sf -D - -o /dev/null "$nurl/manifest.json" | sed -n 's/^ETag: //p' | tr -d '\r')
nworker=$(pgrep -P "$npid" | head -n 1)

# cpu_ticks PID: user+system clock ticks of a process so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# run_wrk PID CONNS URL [HEADER…]: "requests/s MB/s cpu_µs_per_request" (one run)
run_wrk() {
    pid=$1 conns=$2 target=$3
    shift 3
    c0=$(cpu_ticks "$pid")
    perf_pid=""
    if [ -n "${PERF_OUT:-}" ] && [ "$pid" = "$dpid" ]; then
        perf record -q -e cpu-clock -g -p "$pid" -o "$PERF_OUT.$perf_case" -- sleep "$SECS" \
            >/dev/null 2>&1 &
        perf_pid=$!
    fi
    if [ $# -eq 2 ]; then
        out=$(wrk -t1 -c"$conns" -d"${SECS}s" -s "$root/bench/bench_http.lua" -H "$1" -H "$2" "$target")
    elif [ $# -eq 1 ]; then
        out=$(wrk -t1 -c"$conns" -d"${SECS}s" -s "$root/bench/bench_http.lua" -H "$1" "$target")
    else
        out=$(wrk -t1 -c"$conns" -d"${SECS}s" -s "$root/bench/bench_http.lua" "$target")
    fi
    c1=$(cpu_ticks "$pid")
    [ -z "$perf_pid" ] || wait "$perf_pid" || true
    tck=$(getconf CLK_TCK)
    echo "$out" | awk -v c="$((c1 - c0))" -v tck="$tck" '/^WRK/ {
        if ($5 + $6 > 0) printf "ERRORS(%d status, %d socket) ", $5, $6;
        printf "%.0f %.1f %.1f\n", $2 / ($4 / 1e6), $3 / ($4 / 1e6) / 1048576, c / tck * 1e6 / $2 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# compare NAME FIELD CONNS OURS_URL NGINX_URL OUR_HDR… -- NGINX_HDR…
# FIELD 1 = requests/s, 2 = MB/s
compare() {
    name=$1 field=$2 conns=$3
    perf_case=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')
    : >"$tmp/ours" && : >"$tmp/theirs"
    r=1
    while [ $r -le "$ROUNDS" ]; do
        eval "run_wrk $dpid $conns \"\$ours_url\" $ours_hdrs" >>"$tmp/ours"
        eval "run_wrk $nworker $conns \"\$theirs_url\" $theirs_hdrs" >>"$tmp/theirs"
        r=$((r + 1))
    done
    if grep -q ERRORS "$tmp/ours" "$tmp/theirs"; then
        echo "bench_http: $name: errors"; cat "$tmp/ours" "$tmp/theirs"; exit 1
    fi
    o=$(cut -d ' ' -f "$field" "$tmp/ours" | median)
    t=$(cut -d ' ' -f "$field" "$tmp/theirs" | median)
    oc=$(cut -d ' ' -f 3 "$tmp/ours" | median)
    tc=$(cut -d ' ' -f 3 "$tmp/theirs" | median)
    unit=$([ "$field" = 1 ] && echo "req/s" || echo "MB/s")
    printf "%-27s loalangd %8s %s (%5s µs CPU/req)   nginx %8s %s (%5s µs CPU/req)   ratio %.2f   load %s\n" \
        "$name" "$o" "$unit" "$oc" "$t" "$unit" "$tc" "$(echo "$o / $t" | bc -l)" \
        "$(cut -d ' ' -f 1 /proc/loadavg)"
}

if [ "${WRK:-1}" != 0 ]; then
echo "wrk, 1 thread, ${SECS} s per run, median of $ROUNDS alternating runs; $(wrk --version 2>&1 | head -n 1 | cut -d ' ' -f 1-2); $(nginx -v 2>&1 | cut -d ' ' -f 3)"
ours_url="$url/api/v1/box/manifest" theirs_url="$nurl/manifest.json"
ours_hdrs="\"Authorization: Bearer $token\"" theirs_hdrs=""
compare "manifest 200 (50 conns)" 1 50
ours_hdrs="\"Authorization: Bearer $token\" \"If-None-Match: $etag\""
theirs_hdrs="\"If-None-Match: $netag\""
compare "manifest 304 (50 conns)" 1 50
ours_hdrs="\"Authorization: Bearer $token\"" theirs_hdrs=""
for f in "$ssha $sbytes" "$sha $mbytes"; do
    set -- $f
    ours_url="$url/media/$1.opus" theirs_url="$nurl/media/$1.opus"
    for conns in 8 32; do
        compare "media $(($2 / 1000)) KB ($conns conns)" 1 $conns
    done
done
fi
kill "$npid" && wait "$npid" 2>/dev/null || true
npid=""

# ---- plays over HTTP
if [ "$PLAY_BATCHES" -gt 0 ]; then
ref=""
if [ -n "${BENCH_PLAYS_OUT:-}" ] && [ -f "$BENCH_PLAYS_OUT" ]; then
    ref=$(sed -n 's/^FULL .*reference *\([0-9]*\) plays\/s.*/\1/p' "$BENCH_PLAYS_OUT")
fi
if [ -z "$ref" ]; then
    "$build/bench/bench_plays" >"$tmp/bench_plays.out"
    ref=$(sed -n 's/^FULL .*reference *\([0-9]*\) plays\/s.*/\1/p' "$tmp/bench_plays.out")
fi
pout=$("$build/bench/bench_http_plays" "$url" "$tmp/tokens" "$airing" "$sha" "$PLAY_CONNS" "$PLAY_BATCHES")
echo "$pout"
pps=$(echo "$pout" | sed -n 's/.* s: \([0-9]*\) plays\/s.*/\1/p')
stop_daemon
commits=$(sed -n 's/.*plays: \([0-9]*\) batches in \([0-9]*\) commits.*/\1 batches in \2 commits/p' "$tmp/serve.err" | tail -n 1)
printf "plays durable over HTTP    %s plays/s (%s)   bench_plays plain-INSERT reference (FULL) %s plays/s   ratio %.2f\n" \
    "$pps" "$commits" "$ref" "$(echo "$pps / $ref" | bc -l)"
else
    stop_daemon
fi
[ "$POLLS" -gt 0 ] || exit 0

# ---- long-polls on a fresh daemon
start_daemon
curl -sf -c "$tmp/cookies" -H 'Content-Type: application/json' \
    -d "{\"user\":\"ktv\",\"password\":\"$PASSWORD\"}" "$url/api/v1/session" >"$tmp/login.json"
csrf=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$tmp/login.json")
trigger="curl -sf -o /dev/null -b $tmp/cookies -H 'X-CSRF-Token: $csrf' -H 'Content-Type: application/json' -d '{\"piece\":\"$piece\",\"targets\":{\"kind\":\"all\"}}' $url/api/v1/emergency"
port=${url##*:}
echo "long-polls: $POLLS boxes, load $(cut -d ' ' -f 1-3 /proc/loadavg)"
if [ -n "${PERF_OUT:-}" ]; then
    perf record -q -e cpu-clock -g -p "$dpid" -o "$PERF_OUT.longpoll" >/dev/null 2>&1 &
    perf_pid=$!
fi
"$build/bench/bench_longpoll" 127.0.0.1 "$port" "$token" "$POLLS" "$dpid" "$trigger"
[ -z "${perf_pid:-}" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
stop_daemon
