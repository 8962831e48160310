-- wrk script: customer searches by person, spread over the listed persons.
-- Environment: FACETAG_KEY (customer key), FACETAG_PERSONS (comma-separated ids),
-- FACETAG_LOAD_DIR (this folder).
local key = os.getenv("FACETAG_KEY")
local persons = {}
for id in string.gmatch(os.getenv("FACETAG_PERSONS") or "1", "[^,]+") do
  persons[#persons + 1] = id
end
dofile(os.getenv("FACETAG_LOAD_DIR") .. "/report.lua")

request = function()
  local id = persons[math.random(#persons)]
  return wrk.format("GET", "/api/v1/search?limit=50&person=" .. id,
                    { ["Authorization"] = "Bearer " .. key })
end
