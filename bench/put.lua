-- PUT to each of the notes in $NOTE_IDS (one per wrk thread) a title and $TEXT with a
-- last line that changes every request, so every save replaces the text: what a save
-- with history costs. Bearer token in $ACCESS_TOKEN.
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ACCESS_TOKEN")
local text = os.getenv("TEXT")
local ids = {}
for id in string.gmatch(os.getenv("NOTE_IDS"), "%d+") do ids[#ids + 1] = id end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("note", ids[(threads - 1) % #ids + 1])
end

local sent = 0
function request()
  sent = sent + 1
  local body = '{"title":"Bench","content":"' .. text .. 'edit ' .. sent .. '"}'
  return wrk.format(nil, "/api/notes/" .. note .. "/", nil, body)
end
