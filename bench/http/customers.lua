-- wrk script: GET /customers/{id} with ids drawn uniformly from a file of
-- real customer ids (one per line; path in $IDS_FILE). Prints p50/p99 in ms
-- and requests/s as one machine-readable line at the end.
local ids = {}
for line in io.lines(os.getenv("IDS_FILE") or "ids.txt") do
  if #line > 0 then ids[#ids + 1] = line end
end
local counter = 0

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

request = function()
  counter = counter + 1
  return wrk.format("GET", "/customers/" .. ids[math.random(#ids)])
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d errors=%d non2xx=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
