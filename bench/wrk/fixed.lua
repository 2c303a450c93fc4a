-- One fixed request, repeated: method, body and content type from the environment
-- (WRK_METHOD, WRK_BODY_FILE, WRK_CONTENT_TYPE, WRK_ACCEPT_ENCODING); the URL comes
-- from the command line.
-- No response() callback, so wrk stays as fast as it can be; wrk counts any answer
-- over 399 in errors.status. done() prints one JSON line for bench.py.

local method = os.getenv("WRK_METHOD") or "GET"
wrk.method = method
local accept_encoding = os.getenv("WRK_ACCEPT_ENCODING")
if accept_encoding and accept_encoding ~= "" then
  wrk.headers["Accept-Encoding"] = accept_encoding
end
local body_file = os.getenv("WRK_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
