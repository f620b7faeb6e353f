-- Each wrk thread drives one connection and signs in as a user of its own (bench1,
-- bench2, …): many people signing in at once, not one person 32 times at once, which
-- the sign-in throttle would rightly refuse.
local next_thread = 1

function setup(thread)
  thread:set("username", "bench" .. next_thread)
  next_thread = next_thread + 1
end

function request()
  return wrk.format("POST", "/api/token/", {["Content-Type"] = "application/json"},
    '{"username":"' .. username .. '","password":"correct horse battery"}')
end
