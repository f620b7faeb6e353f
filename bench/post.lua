-- POST the JSON in $BODY to $API_PATH with an optional bearer token in $ACCESS_TOKEN.
wrk.method = "POST"
wrk.path = os.getenv("API_PATH")
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local access = os.getenv("ACCESS_TOKEN")
if access and access ~= "" then wrk.headers["Authorization"] = "Bearer " .. access end
