-- wrk script: customer searches by person, spread over the listed persons.
-- Environment: FACETAG_KEY (customer key), FACETAG_PERSONS (comma-separated ids).
local key = os.getenv("FACETAG_KEY")
local persons = {}
for id in string.gmatch(os.getenv("FACETAG_PERSONS") or "1", "[^,]+") do
  persons[#persons + 1] = id
end
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

request = function()
  local id = persons[math.random(#persons)]
  return wrk.format("GET", "/api/v1/search?limit=50&person=" .. id,
                    { ["Authorization"] = "Bearer " .. key })
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
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
