-- wrk script: POST one JSON GraphQL body on every request, and print exact figures when done.
--
--   wrk -t1 -c32 -d10s --latency -s bench/graphql_post.lua http://127.0.0.1:PORT/graphql -- BODY.json
--
-- BODY.json holds the request body ({"query": "..."}); it is read once per wrk thread. An optional
-- second argument names a file whose first line is a bearer token (sent as Authorization).
-- done() prints one line starting with "BENCH_RESULT " followed by JSON (latencies in
-- microseconds), which bench/graphql_load.py parses.

function init(args)
   local path = args[1]
   if path == nil then
      error("usage: wrk ... -s graphql_post.lua URL -- BODY.json")
   end
   local file = assert(io.open(path, "rb"))
   wrk.body = file:read("*a")
   file:close()
   if args[2] ~= nil then  -- optional: a file holding a bearer token
      local tokens = assert(io.open(args[2], "rb"))
      wrk.headers["Authorization"] = "Bearer " .. tokens:read("*l")
      tokens:close()
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Accept"] = "application/json"
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, " ..
      "\"errors\": {\"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"timeout\": %d}, " ..
      "\"latency_us\": {\"min\": %d, \"mean\": %.1f, \"max\": %d, \"p50\": %d, \"p90\": %d, " ..
      "\"p99\": %d, \"p999\": %d}}\n",
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
