-- wrk script: the first system's queue scenario (publish to one topic, consume as one group,
-- ack what came back). One connection per thread: wrk -t50 -c50 -d20s -s queue.lua URL
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) n = 0; step = "publish"; msg = nil end
local json = { ["Content-Type"] = "application/json" }
function request()
  if step == "publish" then
    n = n + 1
    return wrk.format("POST", "/queue/publish", json,
      '{"topic":"wrk-topic","message":{"user":' .. id .. ',"n":' .. n .. '}}')
  elseif step == "consume" then
    return wrk.format("POST", "/queue/consume", json,
      '{"topic":"wrk-topic","consumer_group":"wrk-group","consumer_id":"c' .. id .. '"}')
  end
  return wrk.format("POST", "/queue/ack", json,
    '{"topic":"wrk-topic","consumer_group":"wrk-group","message_id":"' .. msg .. '"}')
end
function response(status, headers, body)
  if step == "publish" then
    step = "consume"
  elseif step == "consume" then
    msg = body:match('"id":"([^"]+)"')
    step = msg and "ack" or "publish"
  else
    step = "publish"
  end
end
