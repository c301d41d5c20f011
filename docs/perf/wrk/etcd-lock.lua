-- wrk script: etcd's lock API through its v3 JSON gateway, shaped like lock.lua (lock a name
-- unique to the connection and iteration, then unlock with the key it returned). One connection
-- per thread: wrk -t50 -c50 -d20s -s etcd-lock.lua http://127.0.0.1:12379
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) n = 0; key = nil end
local json = { ["Content-Type"] = "application/json" }
local b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function b64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end
function request()
  if key == nil then
    n = n + 1
    return wrk.format("POST", "/v3/lock/lock", json, '{"name":"' .. b64("wrk-" .. id .. "-" .. n) .. '"}')
  end
  return wrk.format("POST", "/v3/lock/unlock", json, '{"key":"' .. key .. '"}')
end
function response(status, headers, body)
  if key == nil then key = body:match('"key":"([^"]+)"') else key = nil end
end
