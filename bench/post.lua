-- POST the JSON in $BODY to $API_PATH with an optional bearer token in $ACCESS_TOKEN;
-- with KEYED=1, each request under an Idempotency-Key of its own (as the SPA sends).
wrk.method = "POST"
wrk.path = os.getenv("API_PATH")
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local access = os.getenv("ACCESS_TOKEN")
if access and access ~= "" then wrk.headers["Authorization"] = "Bearer " .. access end
local keyed = os.getenv("KEYED") == "1"

-- Each thread's keys start with its number, so no two requests share one.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

-- wrk.format takes headers whole (not merged with wrk.headers): these are wrk's plus the key.
local headers = {}
for name, value in pairs(wrk.headers) do headers[name] = value end
local sent = 0
-- Built per request either way, so that keyed and plain runs cost wrk the same.
function request()
  if not keyed then return wrk.format() end
  sent = sent + 1
  headers["Idempotency-Key"] = thread_number .. "-" .. sent
  return wrk.format(nil, nil, headers)
end
