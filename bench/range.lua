-- wrk script: GETs of the path in STREAM_PATH with a 256 KiB Range at a
-- random offset inside the first SIZE bytes, as players seeking would.
local path = os.getenv("STREAM_PATH")
local size = tonumber(os.getenv("SIZE"))
local chunk = 256 * 1024
request = function()
  local start = math.random(0, size - chunk - 1)
  return wrk.format("GET", path, { Range = string.format("bytes=%d-%d", start, start + chunk - 1) })
end
done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f  MB/s %.0f  p99 %.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6),
    summary.bytes / (summary.duration / 1e6) / 1e6,
    latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
