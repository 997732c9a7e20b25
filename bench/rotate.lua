-- wrk script: POST the GraphQL query in QUERY_FILE, signed in as each of
-- the listeners in TOKENS (separated by spaces) in turn, so that no cache
-- of one listener's answer carries the figure. Prints requests/s and
-- latency like page.lua.
local file = assert(io.open(os.getenv("QUERY_FILE"), "r"))
local query = file:read("*a"):gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ")
file:close()
local tokens = {}
for token in string.gmatch(os.getenv("TOKENS") or "", "%S+") do
  table.insert(tokens, token)
end
local body = '{"query":"' .. query .. '"}'
local turn = 0

request = function()
  turn = turn + 1
  local headers = { ["Content-Type"] = "application/json" }
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[(turn % #tokens) + 1]
  end
  return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
