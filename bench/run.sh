#!/bin/sh
# Builds the benchmarks in Release (build-bench/) and runs every bench program in turn, then
# bench_http.sh (the daemon over HTTP, against nginx) and bench_box_day.sh (a box's link for a
# day), after saying which machine this is and how busy it was. Benchmarks report; they never
# gate CI.
# Usage: bench/run.sh   (from anywhere; at most 2 compile jobs: the machine is shared)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOALANG_TESTS=OFF >/dev/null
cmake --build "$build" -j 2 >/dev/null
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine: $(nproc) cores, $cpu"
echo "load average before: $(cut -d ' ' -f 1-3 /proc/loadavg) (other processes may be running)"
status=0
out="$build/bench-out"
mkdir -p "$out"
for prog in "$build"/bench/bench_*; do
    [ -x "$prog" ] || continue
    echo
    echo "== $(basename "$prog")"
    "$prog" >"$out/$(basename "$prog").txt" 2>&1 || status=1
    cat "$out/$(basename "$prog").txt"
done
# The HTTP figures need a running daemon and nginx; bench_plays' reference is reused.
echo
echo "== bench_http.sh"
BENCH_PLAYS_OUT="$out/bench_plays.txt" sh "$root/bench/bench_http.sh" "$build" || status=1
# A box's link for a day: a real player behind a counting relay (about 15 minutes).
echo
echo "== bench_box_day.sh"
sh "$root/bench/bench_box_day.sh" "$build" || status=1
echo
echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
exit $status
