#!/bin/bash
# demo/run: README's first command end to end against the build tree. daemon/demo/demo.sh runs
# non-interactively (--for) with WAV output; then, independently of the demo's own watcher,
# the daemon's report CLI must show a `completed` play record from each of the three boxes,
# each box must have written a non-silent WAV, and nothing the demo started may still run.
# Usage: tests/demo/run.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
dir="$build/demo-test"
rm -rf "$dir"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The first slot starts within a minute of the watcher starting and a piece lasts ~20 s.
out="$build/demo-test.out"
rc=0
"$src/daemon/demo/demo.sh" --build-dir "$build" --dir "$dir" --port 0 --output wav --for 110 \
    >"$out" 2>&1 || rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "demo.sh exited with $rc"

# README's first command is the one tested here.
grep -qx './daemon/demo/demo.sh' "$src/README.md" || fail "README does not give ./daemon/demo/demo.sh"
grep -q '^Giao diện web: http://127\.0\.0\.1:[0-9]\+$' "$out" || fail "no web address printed"
for user in quantri kythuat noivu vanhanh.banglang; do
    grep -q "^  $user .*mật khẩu demo-" "$out" || fail "login $user not printed"
done

# Nothing the demo started outlives it (its cleanup waits for every child).
for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    case "$cmd" in *"$dir/"*) fail "process ${p#/proc/} still runs: $cmd" ;; esac
done

# Each box's `completed` play records, from the evidence export of the month the demo planned.
plan=$(ls "$dir"/ke-hoach-*.plan)
month=$(basename "$plan" .plan)
month=${month#ke-hoach-}
"$build/loalangd" -d "$dir/data" report "$month" --evidence-csv >"$dir/evidence.csv"
python3 - "$dir/evidence.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
head, rows = rows[0], rows[1:]
box, outcome = head.index("Cụm loa"), head.index("Báo cáo của cụm loa")
done = {}
for r in rows:
    if r[outcome] == "completed":
        done[r[box]] = done.get(r[box], 0) + 1
print("completed plays per box:", done)
if len(done) != 3:
    sys.exit(f"FAIL: {len(done)} boxes reported a completed play, expected 3")
EOF

# Each box wrote at least one WAV of speech: longer than 5 s, RMS above -40 dBFS.
for i in 1 2 3; do
    ok=0
    for w in "$dir/wav/box-$i-"*.wav; do
        [ -f "$w" ] || continue
        stat=$(sox "$w" -n stat 2>&1) || continue
        len=$(printf '%s\n' "$stat" | awk '/^Length \(seconds\)/ {print $3}')
        rms=$(printf '%s\n' "$stat" | awk '/^RMS +amplitude/ {print $3}')
        if awk -v l="$len" -v r="$rms" 'BEGIN { exit !(l > 5 && r > 0.01) }'; then
            echo "box-$i: $(basename "$w"): ${len} s, RMS $rms"
            ok=1
            break
        fi
    done
    [ "$ok" = 1 ] || fail "box-$i wrote no non-silent WAV in $dir/wav"
done
echo "demo/run: ok"
