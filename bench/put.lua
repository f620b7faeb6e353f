-- PUT a title and $TEXT with a last line that changes every request, so every save
-- replaces the text, to the notes in $NOTE_IDS in turn (each thread from its own place
-- in the list, so concurrent saves are to different notes, as different people's are):
-- what a save with history costs. Bearer token in $ACCESS_TOKEN.
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ACCESS_TOKEN")
local text = os.getenv("TEXT")
local ids = {}
for id in string.gmatch(os.getenv("NOTE_IDS"), "%d+") do ids[#ids + 1] = id end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", (threads - 1) * 997)
end

local sent = 0
function request()
  sent = sent + 1
  local note = ids[(offset + sent) % #ids + 1]
  local body = '{"title":"Bench","content":"' .. text .. 'edit ' .. sent .. '"}'
  return wrk.format(nil, "/api/notes/" .. note .. "/", nil, body)
end
