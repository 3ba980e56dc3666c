-- wrk script for the benchmark: optional JSON POST with a different citizen ID per
-- request (so per-citizen limits and duplicate checks see distinct people), and a
-- done() that writes the figures as JSON to $WRK_OUT.
local body_template = os.getenv("WRK_BODY")
local cookie = os.getenv("WRK_COOKIE")
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  counter = 0
end

function request()
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  if body_template and body_template ~= "" then
    counter = counter + 1
    headers["Content-Type"] = "application/json"
    -- 12-digit citizen ID: thread, counter and a random part
    local id = string.format("04%01d%09d", (tid or 1) % 10, (counter * 7919 + math.random(0, 999)) % 1000000000)
    local body = string.gsub(body_template, "__ID__", id)
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET", nil, headers, nil)
end

local statuses = {}
function response(status, headers, body)
  -- per-thread; only the total of non-2xx/3xx is reported (summary.errors.status)
end

function done(summary, latency, requests)
  local out = os.getenv("WRK_OUT")
  local f = io.open(out, "w")
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
  f:close()
end
