-- wrk script: the first system's lock scenario (acquire an exclusive lock on a resource unique
-- to the connection and iteration, then release it). Run with one connection per thread
-- (-t N -c N) so each thread's requests alternate strictly: wrk -t50 -c50 -d20s -s lock.lua URL
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) n = 0; acquiring = true; failures = 0 end
local json = { ["Content-Type"] = "application/json" }
function request()
  if acquiring then
    n = n + 1
    res = "wrk-" .. id .. "-" .. n
    return wrk.format("POST", "/lock/acquire", json,
      '{"resource_id":"' .. res .. '","mode":"exclusive","requester_id":"u' .. id .. '"}')
  end
  return wrk.format("POST", "/lock/release", json,
    '{"resource_id":"' .. res .. '","owner_id":"u' .. id .. '"}')
end
function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
  acquiring = not acquiring
end
