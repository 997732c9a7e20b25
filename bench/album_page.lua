-- wrk script: POST the album page query (album, its tracks, artist, product
-- and price) for the album id in the ALBUM_ID environment variable.
local album = os.getenv("ALBUM_ID")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- With TOKEN set, requests are signed in. The page reads only public
-- fields, so a signed-in request gets the answer everyone gets, from the
-- shared response cache. With OWNED=1 as well, the page also asks whether
-- the viewer owns the album and each track (`ownedByViewer`): an answer
-- for the viewer alone, so every request runs the resolvers and SQL.
local token = os.getenv("TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local owned = os.getenv("OWNED") == "1" and " ownedByViewer" or ""
wrk.body = '{"operationName":"AlbumPage","query":"query AlbumPage($id: ID!) { album(id: $id) { id title releaseYear genre coverUrl durationMs artist { id name } product { sku price { amountMinor currency formatted }' .. owned .. ' } tracks { id title trackNumber durationMs product { sku price { amountMinor currency formatted }' .. owned .. ' } } } }","variables":{"id":"' .. album .. '"}}'

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
