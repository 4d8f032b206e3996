#!/bin/bash
# loalang's one-command demo (docs/demo.md): installs what is missing, builds, creates a demo
# data dir, loads a sample district with Vietnamese speech pieces made by espeak-ng, fills and
# publishes a schedule whose first slot starts within a minute, runs loalangd and three
# loalang-player boxes, and follows the airings as the boxes play and report them. Only the real
# CLI and HTTP API are used. Ctrl-C stops the players, then the daemon, and keeps the data dir.
set -euo pipefail
export LC_ALL=C.UTF-8 # printf %f and sort read numbers the C way whatever the desktop locale

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ZONE=Asia/Ho_Chi_Minh
LEAD=50 # seconds from the plan being written to the first slot

usage() {
    cat <<'EOF'
Cách dùng: daemon/demo/demo.sh [TUỲ CHỌN]

Chạy thử toàn bộ hệ thống loalang trên máy này: máy chủ loalangd và ba cụm loa.

  --dir THƯ_MỤC        thư mục dữ liệu của bản trình diễn (phải chưa có hoặc trống;
                       mặc định: một thư mục mới trong /tmp)
  --build-dir THƯ_MỤC  dùng bản đã biên dịch ở đây, bỏ qua bước cài gói và biên dịch
  --port CỔNG          cổng HTTP trên 127.0.0.1 (mặc định 8080; bận thì lấy cổng trống)
  --output auto|wav    auto: phát ra loa của máy; wav: ghi tệp WAV vào thư mục dữ liệu
                       (mặc định: auto nếu máy có card âm thanh, không thì wav)
  --for GIÂY           không tương tác: dừng sau từng ấy giây; mã thoát 0 chỉ khi mỗi cụm
                       loa đã báo cáo ít nhất một lượt phát trọn vẹn
  -h, --help           in hướng dẫn này
EOF
}

say() { printf '%s\n' "$*"; }
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

dir="" build="" port=8080 output="" seconds=0
while [ $# -gt 0 ]; do
    case "$1" in
    --dir) dir=${2:?}; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --output) output=${2:?}; shift 2 ;;
    --for) seconds=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "tuỳ chọn không hợp lệ: $1" ;;
    esac
done
case "$port" in '' | *[!0-9]*) die "cổng không hợp lệ: $port" ;; esac
case "$seconds" in '' | *[!0-9]*) die "số giây không hợp lệ: $seconds" ;; esac
case "$output" in '' | auto | wav) ;; *) die "đầu ra không hợp lệ: $output (auto hoặc wav)" ;; esac

# ---- build ----
if [ -z "$build" ]; then
    say "== Cài các gói còn thiếu và biên dịch loalang =="
    "$root/.ci/install-deps"
    build="$root/build"
    cmake -S "$root" -B "$build" -G Ninja >/dev/null
    cmake --build "$build" --target loalangd loalang-player
fi
build=$(cd "$build" && pwd) || die "không có thư mục biên dịch $build"
for b in loalangd loalang-player; do
    [ -x "$build/$b" ] || die "không thấy $build/$b: hãy biên dịch trước"
done
for c in espeak-ng soxi python3; do
    command -v "$c" >/dev/null || die "thiếu chương trình $c (chạy .ci/install-deps)"
done

# ---- the demo dir ----
if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/loalang-demo.XXXXXX")
elif [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    die "thư mục $dir đã có dữ liệu: chọn thư mục khác hoặc xoá nó đi"
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
mkdir -p "$dir/logs" "$dir/audio"
if [ -z "$output" ]; then
    # /proc/asound/cards lists one line " N [id ]: …" per card, or "--- no soundcards ---".
    if grep -qE '^ *[0-9]+ \[' /proc/asound/cards 2>/dev/null; then output=auto; else output=wav; fi
fi

ld() { "$build/loalangd" -d "$data" "$@"; }

# Every child runs in its own session (setsid), so a Ctrl-C in the terminal reaches only this
# script, which stops the players before the daemon and waits for each.
watch_pid="" daemon_pid="" player_pids=()
stopping=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local rc=$? p i st
    [ "$stopping" = 1 ] && return
    stopping=1
    trap "" INT TERM # a second Ctrl-C must not leave the players running
    if [ -n "$watch_pid" ]; then
        kill -TERM "$watch_pid" 2>/dev/null || true
        wait "$watch_pid" 2>/dev/null || true
    fi
    if [ ${#player_pids[@]} -gt 0 ] || [ -n "$daemon_pid" ]; then
        say ""
        say "== Đang dừng các cụm loa và máy chủ… =="
    fi
    # Each must stop by itself on SIGTERM, with status 0; anything else is reported and fails
    # the run.
    for p in "${player_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for i in "${!player_pids[@]}"; do
        st=0
        wait "${player_pids[$i]}" || st=$?
        [ "$st" = 0 ] || { say "Cảnh báo: cụm loa $((i + 1)) dừng với mã $st (xem $dir/logs/box-$((i + 1)).log)."; [ "$rc" != 0 ] || rc=1; }
    done
    if [ -n "$daemon_pid" ]; then
        kill -TERM "$daemon_pid" 2>/dev/null || true
        st=0
        wait "$daemon_pid" || st=$?
        [ "$st" = 0 ] || { say "Cảnh báo: loalangd dừng với mã $st (xem $dir/logs/loalangd.log)."; [ "$rc" != 0 ] || rc=1; }
    fi
    say "Dữ liệu của bản trình diễn vẫn được giữ ở $dir (nhật ký trong $dir/logs)."
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "== Tạo dữ liệu mẫu trong $dir =="
ld init >/dev/null

# Communes and boxes, from the plan template (one source for names).
template="$here/district.plan.in"
communes=$(sed -n 's/^communes = //p' "$template")
IFS=, read -r -a commune_list <<<"$communes"
for c in "${commune_list[@]}"; do ld commune add "${c# }" >/dev/null; done
box_names=() box_communes=()
while IFS=$'\t' read -r name commune; do
    box_names+=("$name") box_communes+=("$commune")
done < <(awk -F' = ' '/^\[box /{b=1; next} /^\[/{b=0} b && $1=="name"{n=$2} b && $1=="commune"{print n "\t" $2}' "$template")
for i in "${!box_names[@]}"; do
    mkdir -p "$dir/box-$((i + 1))"
    ld box add "${box_names[$i]}" --commune "${box_communes[$i]}" | tail -n 1 >"$dir/box-$((i + 1))/token"
    chmod 600 "$dir/box-$((i + 1))/token"
done
say "Huyện Chợ Đồn: ${#commune_list[@]} xã ($communes), ${#box_names[@]} cụm loa."

# People, one per role, with fresh passwords (also kept in logins.tsv for the watcher).
password() { printf 'demo-%s' "$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"; }
operator_commune="${box_communes[0]}"
: >"$dir/logins.tsv"
chmod 600 "$dir/logins.tsv"
add_user() { # role user [commune]
    local pw
    pw=$(password)
    if [ -n "${3:-}" ]; then
        printf '%s\n' "$pw" | ld user add "$2" --role "$1" --commune "$3" >/dev/null
    else
        printf '%s\n' "$pw" | ld user add "$2" --role "$1" >/dev/null
    fi
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$pw" "${3:-}" >>"$dir/logins.tsv"
}
add_user admin quantri
add_user technician kythuat
add_user approver noivu
add_user operator vanhanh.banglang "$operator_commune"

# A contract for the year, one line per genre.
year=$(TZ=$ZONE date +%Y)
contract=$(ld contract add "Hợp đồng đặt hàng tuyên truyền năm $year (mẫu)" \
    --from "$year-01-01" --until "$year-12-31" | tail -n 1)
ld contract line "$contract" --genre news --pieces-per-month 4 --airings-per-piece 3 \
    --min-minutes 0.1 --max-minutes 3 >/dev/null
ld contract line "$contract" --genre article --pieces-per-month 3 --airings-per-piece 3 \
    --min-minutes 0.1 --max-minutes 5 >/dev/null
ld contract line "$contract" --genre report --pieces-per-month 3 --airings-per-piece 3 \
    --min-minutes 0.1 --max-minutes 10 >/dev/null
ld contract line "$contract" --genre interview --pieces-per-month 2 --airings-per-piece 3 \
    --min-minutes 0.1 --max-minutes 10 >/dev/null
say "Hợp đồng phát sóng năm $year: 4 thể loại (tin, bài, phóng sự, phỏng vấn)."

# Pieces: espeak-ng speech from the texts in pieces/, imported and approved.
say "== Tạo tin bài tiếng Việt bằng espeak-ng (giọng vi) =="
field() { sed -n "1,/^\$/s/^$1: //p" "$2"; }
pieces_plan="$dir/pieces.plan"
: >"$pieces_plan"
n=0
for f in "$here"/pieces/*.txt; do
    n=$((n + 1))
    title=$(field title "$f") genre=$(field genre "$f") prog=$(field program "$f")
    wav="$dir/audio/$(basename "$f" .txt).wav"
    espeak-ng -v vi -s 150 -w "$wav" "$title. $(sed '1,/^$/d' "$f")"
    args=(--title "$title" --genre "$genre")
    for k in theme exemplar commune; do
        v=$(field "$k" "$f")
        [ -z "$v" ] || args+=("--$k" "$v")
    done
    id=$(ld piece import "$wav" "${args[@]}" | tail -n 1)
    ld piece approve "$id" >/dev/null
    secs=$(soxi -D "$wav")
    printf '  %2d. %-9s %3.0f giây  %s\n' "$n" "$genre" "$secs" "$title"
    {
        printf '\n[piece %s]\ntitle = %s\ngenre = %s\nduration = %.0f\nairings = 3\n' \
            "$id" "$title" "$genre" "$secs"
        printf 'pin = @DAY_%s@ %s\n' "$prog" "$prog"
        v=$(field communes "$f")
        [ -z "$v" ] || printf 'communes = %s\n' "$v"
    } >>"$pieces_plan"
done
say "Đã nhập và duyệt $n tin bài."

# ---- the month's schedule ----
# The two programmes run daily from a start computed now, so their first slots begin within
# minutes; every piece is pinned to the first slot of its programme, which may fall after
# midnight. Only the month must not change before the second slot ends: on the last evening of
# a month, wait for the new month.
at() { TZ=$ZONE date -d "@$1" "+$2"; }
while [ "$(at $(($(date +%s) + LEAD + 420)) %Y-%m)" != "$(at $(($(date +%s) + LEAD)) %Y-%m)" ]; do
    say "Sắp sang tháng mới (giờ Việt Nam): chờ qua nửa đêm để xếp lịch…"
    sleep 20
done
t0=$(($(date +%s) + LEAD))
t1=$((t0 + 240))
month=$(at "$t0" %Y-%m)
plan="$dir/ke-hoach-$month.plan"
sed -e "s/@MONTH@/$month/" -e "s/@START_THOI_SU@/$(at "$t0" %H:%M:%S)/" \
    -e "s/@START_NTVT@/$(at "$t1" %H:%M:%S)/" "$template" >"$plan"
sed -e "s/@DAY_thoi-su@/$(at "$t0" %Y-%m-%d)/" -e "s/@DAY_ntvt@/$(at "$t1" %Y-%m-%d)/" \
    "$pieces_plan" >>"$plan"
rm -f "$pieces_plan"
say "== Lịch tháng $(at "$t0" %m/%Y) =="
ld plan import "$plan" >"$dir/logs/plan-import.txt"
ld schedule fill "$month" >"$dir/logs/schedule-fill.txt"
ld schedule publish "$month" >"$dir/logs/schedule-publish.txt"
say "Kế hoạch $plan đã nhập, xếp lịch và công bố (lịch chi tiết: $dir/logs/schedule-fill.txt)."
sed -n 's/^TỔNG KẾT: /Tổng kết: /p' "$dir/logs/schedule-fill.txt"
# shellcheck disable=SC1111 # Vietnamese quotation marks, on purpose
say "Bản tin thời sự bắt đầu lúc $(at "$t0" %H:%M:%S), chuyên mục “Người tốt, việc tốt” lúc $(at "$t1" %H:%M:%S) (giờ Việt Nam)."

# ---- the daemon ----
# The daemon prints one line with its address once it listens; a busy port makes it exit,
# and then any free port will do.
start_daemon() { # port
    : >"$dir/logs/loalangd.out"
    setsid "$build/loalangd" -d "$data" serve --listen "127.0.0.1:$1" \
        >"$dir/logs/loalangd.out" 2>"$dir/logs/loalangd.log" &
    daemon_pid=$!
    for _ in $(seq 100); do
        url=$(sed -n 's/^loalangd: đang phục vụ tại //p' "$dir/logs/loalangd.out")
        [ -n "$url" ] && return 0
        if ! kill -0 "$daemon_pid" 2>/dev/null; then
            wait "$daemon_pid" || true
            daemon_pid=""
            return 1
        fi
        sleep 0.1
    done
    die "loalangd không khởi động được (xem $dir/logs/loalangd.log)"
}
url=""
if ! start_daemon "$port"; then
    say "Cổng $port đang bận: dùng một cổng trống khác."
    start_daemon 0 || die "loalangd không khởi động được (xem $dir/logs/loalangd.log)"
fi

# ---- the boxes ----
for i in "${!box_names[@]}"; do
    b="$dir/box-$((i + 1))"
    mkdir -p "$b/cache" "$b/state"
    if [ "$output" = wav ]; then
        mkdir -p "$dir/wav"
        out="file:$dir/wav/box-$((i + 1)).wav"
    else
        out=auto
    fi
    setsid "$build/loalang-player" --server "$url" --token-file "$b/token" \
        --cache-dir "$b/cache" --state-dir "$b/state" --output "$out" \
        >"$dir/logs/box-$((i + 1)).log" 2>&1 &
    player_pids+=($!)
done

say ""
say "== loalang đang chạy =="
say "Giao diện web: $url"
say "Tài khoản dùng thử (mật khẩu tạo riêng cho lần chạy này):"
while IFS=$'\t' read -r role user pw commune; do
    case "$role" in
    admin) what="quản trị hệ thống" ;;
    technician) what="kỹ thuật viên Trung tâm Văn hoá – Truyền thông" ;;
    approver) what="Phòng Nội vụ (duyệt tin bài, hợp đồng, báo cáo)" ;;
    operator) what="người vận hành xã $commune" ;;
    esac
    printf '  %-18s mật khẩu %-16s %s\n' "$user" "$pw" "$what"
done <"$dir/logins.tsv"
if [ "$output" = wav ]; then
    say "Máy không có card âm thanh: mỗi lượt phát được ghi thành tệp WAV trong $dir/wav."
else
    say "Các cụm loa phát ra card âm thanh của máy."
fi
say "Ba cụm loa: $(printf '%s, ' "${box_names[@]}" | sed 's/, $//')."
say ""

watch_args=(--url "$url" --logins "$dir/logins.tsv")
[ "$seconds" = 0 ] || watch_args+=(--for "$seconds")
setsid python3 "$here/watch.py" "${watch_args[@]}" &
watch_pid=$!
set +e
wait "$watch_pid"
rc=$?
set -e
watch_pid=""
exit "$rc"
