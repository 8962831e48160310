-- Shared by the wrk scripts: counts the answers by status per thread and
-- prints the totals and latency percentiles at the end.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("status %d: %d\n", status, count))
  end
  io.write(string.format("p50 %.1f ms, p99 %.1f ms\n",
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
