-- wrk script: the first system's cache scenario, 95% reads and 5% writes over 50 keys.
-- wrk -t2 -c100 -d20s -s cache.lua URL
local json = { ["Content-Type"] = "application/json" }
local n = 0
function request()
  n = n + 1
  local key = "bench-key-" .. math.random(0, 49)
  if math.random() < 0.05 then
    return wrk.format("POST", "/cache/write", json,
      '{"address":"' .. key .. '","value":"v' .. n .. '"}')
  end
  return wrk.format("GET", "/cache/read?address=" .. key)
end
