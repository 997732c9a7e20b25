-- wrk script: a mixed workload, as a storefront and players make it.
--   35 % anonymous browsing (best-sellers, albums by genre)
--   20 % signed-in album pages (ALBUMS: comma-separated ids)
--   15 % signed-in search (one word, two words, a typo)
--   20 % stream range requests on STREAM_PATH (a signed URL of SIZE bytes)
--    7 % playlist edits (move an entry of PLAYLIST; ENTRIES: its entry ids)
--    3 % uploads of a small WAV with fresh bytes
-- A response counts as an error unless it is a 200 or a 206, and a 200
-- whose JSON has `errors` in it counts too.
local token = os.getenv("TOKEN")
local albums, entries = {}, {}
for id in string.gmatch(os.getenv("ALBUMS"), "[^,]+") do albums[#albums + 1] = id end
for id in string.gmatch(os.getenv("ENTRIES"), "[^,]+") do entries[#entries + 1] = id end
local playlist = os.getenv("PLAYLIST")
local stream_path = os.getenv("STREAM_PATH")
local size = tonumber(os.getenv("SIZE"))
local words = { "love", "night", "blue dream", "heart fire", "midnigth", "beyonce", "sigur", "electric soul" }

local json = { ["Content-Type"] = "application/json" }
local signed = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }

local album_page = '{"query":"query($id: ID!) { album(id: $id) { id title artist { name } product { price { formatted } } tracks { id title durationMs product { price { formatted } } } } }","variables":{"id":"%s"}}'
local browse = {
  '{"query":"{ products(first: 20, sort: BEST_SELLING) { totalCount nodes { sku title price { formatted } } } }"}',
  '{"query":"{ albums(first: 20, genre: \\"Jazz\\") { nodes { title artist { name } } } }"}',
  '{"query":"{ genres { name albumCount } popularProducts(first: 10) { title } }"}',
}
local search = '{"query":"query($q: String!) { search(query: $q, first: 20) { totalCount genreFacets { value count } edges { node { score highlight } } } }","variables":{"q":"%s"}}'
local move = '{"query":"mutation($p: ID!, $e: ID!, $to: Int!) { movePlaylistEntry(playlistId: $p, entryId: $e, toPosition: $to) { itemCount } }","variables":{"p":"%s","e":"%s","to":%d}}'

local function le(n, bytes)
  local out = {}
  for i = 1, bytes do
    out[i] = string.char(n % 256)
    n = math.floor(n / 256)
  end
  return table.concat(out)
end

local function wav()
  local samples = {}
  for i = 1, 4000 do samples[i] = string.char(math.random(0, 255)) end
  local data = table.concat(samples)
  local fmt = le(1, 2) .. le(1, 2) .. le(8000, 4) .. le(16000, 4) .. le(2, 2) .. le(16, 2)
  local body = "WAVE" .. "fmt " .. le(#fmt, 4) .. fmt .. "data" .. le(#data, 4) .. data
  return "RIFF" .. le(#body, 4) .. body
end

local boundary = "cadenza-soak-boundary"
local function upload()
  local parts = {
    "--" .. boundary, 'Content-Disposition: form-data; name="operations"', "",
    '{"query":"mutation($f: Upload!) { uploadTrack(file: $f) { id } }","variables":{"f":null}}',
    "--" .. boundary, 'Content-Disposition: form-data; name="map"', "",
    '{"0":["variables.f"]}',
    "--" .. boundary, 'Content-Disposition: form-data; name="0"; filename="soak.wav"',
    "Content-Type: audio/wav", "", wav(),
    "--" .. boundary .. "--", "",
  }
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Authorization"] = "Bearer " .. token,
  }, table.concat(parts, "\r\n"))
end

request = function()
  local roll = math.random(1, 100)
  if roll <= 35 then
    return wrk.format("POST", "/graphql", json, browse[math.random(1, #browse)])
  elseif roll <= 55 then
    return wrk.format("POST", "/graphql", signed, string.format(album_page, albums[math.random(1, #albums)]))
  elseif roll <= 70 then
    return wrk.format("POST", "/graphql", signed, string.format(search, words[math.random(1, #words)]))
  elseif roll <= 90 then
    local start = math.random(0, size - 65537)
    return wrk.format("GET", stream_path, { Range = string.format("bytes=%d-%d", start, start + 65535) })
  elseif roll <= 97 then
    return wrk.format("POST", "/graphql", signed,
      string.format(move, playlist, entries[math.random(1, #entries)], math.random(0, #entries - 1)))
  else
    return upload()
  end
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
errors_seen = 0
first_error = nil
response = function(status, headers, body)
  local bad = status ~= 200 and status ~= 206
  if not bad and status == 200 and body:sub(1, 1) == "{" and body:find('"errors":', 1, true) then
    bad = true
  end
  if bad then
    errors_seen = errors_seen + 1
    if not first_error then first_error = status .. " " .. body:sub(1, 300) end
  end
end

done = function(summary, latency, requests)
  -- Statuses are counted in `response` (wrk's own count of them would
  -- count them twice).
  local errors = summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  local first
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("errors_seen")
    first = first or thread:get("first_error")
  end
  io.write(string.format("requests %d  requests/s %.0f  p50 %.2f ms  p99 %.2f ms  errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
  if errors > 0 then
    io.write(string.format("errors by kind: %d answers, %d timeouts (no answer within wrk's --timeout), %d connect, %d read, %d write\n",
      errors - summary.errors.connect - summary.errors.read - summary.errors.write - summary.errors.timeout,
      summary.errors.timeout, summary.errors.connect, summary.errors.read, summary.errors.write))
  end
  if first then io.write("first error: " .. first .. "\n") end
end
