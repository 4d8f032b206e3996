-- wrk hook for bench_http.sh: one machine-readable line at the end of a run.
-- "requests bytes duration_us status_errors socket_errors"
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("WRK %d %d %d %d %d\n", summary.requests, summary.bytes,
        summary.duration, e.status, e.connect + e.read + e.write + e.timeout))
end
