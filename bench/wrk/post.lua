-- Posts comments, each with its own body, author and email (so that no duplicate
-- check can refuse one), all to one page. WRK_ENGINE=causerie | isso picks the API:
--   causerie: POST /api/v1/comments  {"page","title","author","email","body"}
--   isso:     POST /new?uri=PAGE     {"text","author","email","website","title"}
-- WRK_PAGE is the page, WRK_NONCE makes bodies unique across runs. Every answer's
-- status is counted per thread; done() prints them in one JSON line for bench.py.

local engine = os.getenv("WRK_ENGINE") or "causerie"
local page = os.getenv("WRK_PAGE") or "/bench/posts"
local nonce = os.getenv("WRK_NONCE") or "0"

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local filler = "A comment sent by the benchmark, long enough to look like what readers " ..
  "write under an article: a remark, a question, a thanks. Nothing more here."

-- Globals, not locals: done() reads them from each thread with thread:get().
n = 0
statuses = {}

local function json_escape(s)
  return (s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end))
end

function init(args)
  -- tid is set by setup() before init() runs in the thread.
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local tag = string.format("%s-%d-%d", nonce, tid, n)
  local text = json_escape(string.format("Post %s. %s", tag, filler):sub(1, 150))
  local author = "Reader " .. tag
  local email = "reader-" .. tag .. "@example.org"
  if engine == "isso" then
    local body = string.format(
      '{"text":"%s","author":"%s","email":"%s","website":null,"title":"Posts"}',
      text, author, email)
    return wrk.format("POST", "/new?uri=" .. page, nil, body)
  else
    local body = string.format(
      '{"page":"%s","title":"Posts","author":"%s","email":"%s","body":"%s"}',
      page, author, email, text)
    return wrk.format("POST", "/api/v1/comments", nil, body)
  end
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  local sent = 0
  for _, t in ipairs(threads) do
    sent = sent + (t:get("n") or 0)
    local st = t:get("statuses")
    if st then
      for k, v in pairs(st) do total[k] = (total[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%s":%d', k, v)) end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"sent":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, sent,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, table.concat(parts, ",")))
end
