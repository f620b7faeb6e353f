-- Counts the answers by status, over every thread, and wrk's socket errors: under
-- overload the only refusals wanted are 503s. With $BODY set, POSTs it as post.lua does.
if os.getenv("BODY") then
  dofile("bench/post.lua")
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- With $HONOUR_RETRY_AFTER set, clients wait as a 503's Retry-After says: each 503 this
-- thread receives delays one of its next requests by that many seconds (wrk asks for
-- a delay before each request, but not for which connection's answer it follows).
local honour = os.getenv("HONOUR_RETRY_AFTER")
local owed = {}

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if honour and status == 503 then
    table.insert(owed, tonumber(headers["Retry-After"] or headers["retry-after"] or "1") * 1000)
  end
end

function delay()
  return table.remove(owed, 1) or 0
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d: %d\n", status, n))
  end
  local e = summary.errors
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
end
