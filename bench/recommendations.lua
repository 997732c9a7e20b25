-- viewer.recommendations(first: 10) with reasons and `because`, signed in
-- as a listener with 20 plays of a planted taste (bench/recommendations.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"query":"{ viewer { recommendations(first: 10) { product { id sku title price { formatted } } score reason because { __typename ... on Track { id title } } } } }"}'

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, %d requests, %d errors\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
