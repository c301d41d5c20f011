-- wrk script: etcd puts through its v3 JSON gateway (100 keys).
-- wrk -t2 -c100 -d20s -s etcd-put.lua http://127.0.0.1:12379
local json = { ["Content-Type"] = "application/json" }
local keys = {}
for i = 0, 99 do keys[i] = string.format('{"key":"%s","value":"dg=="}', ({ "a2V5MA==", "a2V5MQ==", "a2V5Mg==", "a2V5Mw==" })[i % 4 + 1]) end
function request() return wrk.format("POST", "/v3/kv/put", json, keys[math.random(0, 99)]) end
