-- wrk's done() for scenario.lua and tiles.lua: one machine-readable RESULT line.
return function(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f ok_rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d non2xx=%d errors=%d bytes_per_req=%.0f\n",
    summary.requests / s, (summary.requests - e.status) / s, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.bytes / math.max(summary.requests, 1)))
end
