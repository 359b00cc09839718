-- wrk script for the validated POST /json scenario: every request sends the same 1 KB JSON body.
-- The body comes from WRK_BODY_FILE (default bench/payload-1k.txt, relative to wrk's cwd).
local path = os.getenv("WRK_BODY_FILE") or "bench/payload-1k.txt"
local file = assert(io.open(path, "rb"), "cannot open " .. path)
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
-- (.txt, not .json, so that formatters keep the body compact: exactly 1024 bytes)
