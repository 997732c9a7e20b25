-- wrk script: POST the GraphQL query in the file QUERY_FILE, signed in
-- with TOKEN when it is set, and print requests/s and latency.
local file = assert(io.open(os.getenv("QUERY_FILE"), "r"))
local query = file:read("*a"):gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ")
file:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.body = '{"query":"' .. query .. '"}'

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
