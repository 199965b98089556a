-- wrk script of the HTTP benchmark (benchmarks/http/load.py).
-- Argument: a file of targets, one per line, "PATH<TAB>COOKIE" (the cookie may be empty).
-- Requests rotate over the targets (one per tenant measured); done() prints one line,
-- "BENCH_RESULT {json}", with the latency percentiles in microseconds.

local targets = {}
local index = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      targets[#targets + 1] = wrk.format("GET", path, headers)
    end
  end
  file:close()
  assert(#targets > 0, "no targets in " .. args[1])
end

function request()
  index = index % #targets + 1
  return targets[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "mean_us": %.1f, "max_us": %d, "errors": {"connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status,
    e.timeout))
end
