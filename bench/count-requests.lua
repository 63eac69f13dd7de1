-- Stops each wrk thread after WRK_REQUESTS_PER_THREAD answers, so a run is a fixed number of requests.
local limit = tonumber(os.getenv("WRK_REQUESTS_PER_THREAD") or "50000")
local count = 0
function response(status, headers, body)
  count = count + 1
  if count >= limit then
    wrk.thread:stop()
  end
end
