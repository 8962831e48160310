-- wrk script: uploads one photo for recognition, again and again.
-- Environment: FACETAG_KEY (ingest key), FACETAG_PHOTO (a JPEG file),
-- FACETAG_LOAD_DIR (this folder).
local key = os.getenv("FACETAG_KEY")
local file = assert(io.open(os.getenv("FACETAG_PHOTO"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "image/jpeg"
wrk.headers["Authorization"] = "Bearer " .. key
dofile(os.getenv("FACETAG_LOAD_DIR") .. "/report.lua")
