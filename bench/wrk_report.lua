-- wrk script for bench/run.py: the latency quantiles (microseconds) and the errors of a run, as one JSON line.
-- With BENCH_MIX_PATHS set (paths separated by spaces) each request takes the next path in turn.

local mix = {}
for path in string.gmatch(os.getenv("BENCH_MIX_PATHS") or "", "%S+") do
  mix[#mix + 1] = path
end

if #mix > 0 then
  local turn = 0
  request = function()
    turn = turn % #mix + 1
    return wrk.format(nil, mix[turn])
  end
end

-- The latency distribution as quantiles: every half per cent, every tenth above 99, then the tail.
local points = {}
for tenth = 5, 990, 5 do points[#points + 1] = tenth / 10 end
for tenth = 991, 999 do points[#points + 1] = tenth / 10 end
points[#points + 1] = 99.95
points[#points + 1] = 99.99

done = function(summary, latency, requests)
  local quantiles = {}
  if summary.requests > 0 then
    for _, p in ipairs(points) do
      quantiles[#quantiles + 1] = string.format("[%g,%d]", p, latency:percentile(p))
    end
    quantiles[#quantiles + 1] = string.format("[100,%d]", latency.max)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"mean_us":%f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"quantiles_us":[%s]}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests > 0 and latency.mean or 0,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(quantiles, ",")))
end
