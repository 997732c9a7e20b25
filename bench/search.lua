-- wrk script: POST Query.search with the queries of one class from
-- QUERIES (a file of `class<TAB>query` lines) whose class is CLASS, in turn,
-- signed in with TOKEN, scope ALL, first 20, with facets and highlights.
local class, token = os.getenv("CLASS"), os.getenv("TOKEN")
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  local c, q = line:match("^([^\t]+)\t(.+)$")
  if c == class then queries[#queries + 1] = q end
end
local body = '{"query":"query($q: String!) { search(query: $q, scope: ALL, first: 20) { totalCount genreFacets { value count } edges { cursor node { score highlight item { __typename ... on Track { id title } ... on Album { id title } ... on Artist { id name } ... on LockerItem { id title } ... on Product { id sku } } } } } }","variables":{"q":"%s"}}'
local n = 0
request = function()
  n = n % #queries + 1
  local q = queries[n]:gsub('\\', '\\\\'):gsub('"', '\\"')
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, string.format(body, q))
end
done = function(summary, latency, requests)
  io.write(string.format("requests/s %7.0f  p50 %6.2f ms  p99 %6.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
