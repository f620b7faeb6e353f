-- Each wrk thread drives one connection with its own session and follows the rotation:
-- every answer's refresh token is the next request's, as a real client would do.
local tokens = {}
for line in io.lines(os.getenv("REFRESH_TOKENS_FILE")) do tokens[#tokens + 1] = line end
local next_thread = 1

function setup(thread)
  thread:set("token", tokens[next_thread])
  next_thread = next_thread + 1
end

function request()
  return wrk.format("POST", "/api/token/refresh/", {["Content-Type"] = "application/json"},
    '{"refresh":"' .. token .. '"}')
end

function response(status, headers, body)
  local rotated = body:match('"refresh":"([^"]+)"')
  if rotated then token = rotated end
end
