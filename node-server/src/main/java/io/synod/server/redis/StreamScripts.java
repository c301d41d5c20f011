package io.synod.server.redis;

/**
 * The Lua scripts of {@link RedisStreamStore}. Each touches one stream key, so it runs in one
 * slot in cluster mode, and runs atomically, so no other client sees a half-done claim or trim.
 * Stream ids are compared as decimal strings (never as Lua doubles, which lose precision).
 */
final class StreamScripts {
  private StreamScripts() {}

  /** Id comparison, successor, and the "first id some group still needs" bound. */
  private static final String HELPERS = """
      local function ncmp(x, y)
        if #x ~= #y then if #x < #y then return -1 else return 1 end end
        if x == y then return 0 end
        if x < y then return -1 else return 1 end
      end
      local function idcmp(a, b)
        local am, as = string.match(a, '^(%d+)-(%d+)$')
        local bm, bs = string.match(b, '^(%d+)-(%d+)$')
        local c = ncmp(am, bm)
        if c ~= 0 then return c end
        return ncmp(as, bs)
      end
      local function incr(d)
        local b = {string.byte(d, 1, -1)}
        local i = #b
        while i >= 1 do
          if b[i] == 57 then b[i] = 48; i = i - 1
          else b[i] = b[i] + 1; return string.char(unpack(b)) end
        end
        return '1' .. string.char(unpack(b))
      end
      local function succ(id)
        local m, s = string.match(id, '^(%d+)-(%d+)$')
        return m .. '-' .. incr(s)
      end
      local function field(arr, name)
        for i = 1, #arr, 2 do if arr[i] == name then return arr[i + 1] end end
        return nil
      end
      -- the smallest id some group still needs (pending, or not delivered yet); nil: no group
      local function safeBound(key)
        local s = nil
        for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
          local name = field(g, 'name')
          local b = succ(field(g, 'last-delivered-id'))
          local p = redis.call('XPENDING', key, name)
          if p[1] > 0 and idcmp(p[2], b) < 0 then b = p[2] end
          if s == nil or idcmp(b, s) < 0 then s = b end
        end
        return s
      end
      """;

  /**
   * KEYS[1] stream; ARGV group, consumer, minIdle, cursor, count, rounds. Loops XAUTOCLAIM on its
   * cursor (each call scans at most 10 x COUNT pending entries) until {@code count} entries are
   * claimed, the scan wraps ({@code 0-0}) or {@code rounds} calls were made; reads each claimed
   * entry's new delivery count with XPENDING in the same atomic step. Replies {cursor, {{id,
   * {field, value...}, deliveries}...}, {deletedId...}}. Redis 7 removes ids of deleted entries
   * from the pending list itself and returns them as the reply's third element.
   */
  static final RedisScript CLAIM = new RedisScript(HELPERS + """
      local key = KEYS[1]
      local group, consumer, minIdle = ARGV[1], ARGV[2], ARGV[3]
      local cursor, count, rounds = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
      local claimed, deleted = {}, {}
      for r = 1, rounds do
        local res = redis.call('XAUTOCLAIM', key, group, consumer, minIdle, cursor,
            'COUNT', count - #claimed)
        cursor = res[1]
        for _, m in ipairs(res[2]) do
          if m and m[2] then
            local p = redis.call('XPENDING', key, group, m[1], m[1], 1)
            local deliveries = 1
            if p[1] then deliveries = p[1][4] end
            claimed[#claimed + 1] = {m[1], m[2], deliveries}
          end
        end
        if res[3] then
          for _, d in ipairs(res[3]) do deleted[#deleted + 1] = d end
        end
        if cursor == '0-0' or #claimed >= count then break end
      end
      return {cursor, claimed, deleted}
      """);

  /**
   * KEYS[1] stream; ARGV maxLength (-1: none), minId (0-0: none). Trims by MINID and then by
   * MAXLEN, exactly (no {@code ~}), but never at or past the first id some group still needs.
   * Replies {removed}.
   */
  static final RedisScript TRIM = new RedisScript(HELPERS + """
      local key = KEYS[1]
      if redis.call('EXISTS', key) == 0 then return {0} end
      local s = safeBound(key)
      local removed = 0
      local minId = ARGV[2]
      if minId ~= '0-0' then
        local m = minId
        if s ~= nil and idcmp(s, m) < 0 then m = s end
        removed = removed + redis.call('XTRIM', key, 'MINID', m)
      end
      local maxLen = tonumber(ARGV[1])
      if maxLen >= 0 then
        local k = redis.call('XLEN', key) - maxLen
        if k > 0 then
          local exact = (s == nil)
          if not exact then
            if k <= maxLen then
              local head = redis.call('XRANGE', key, '-', '+', 'COUNT', k)
              exact = idcmp(head[#head][1], s) < 0
            else
              local tail = redis.call('XRANGE', key, s, '+', 'COUNT', maxLen + 1)
              exact = #tail <= maxLen
            end
          end
          if exact then
            removed = removed + redis.call('XTRIM', key, 'MAXLEN', maxLen)
          else
            removed = removed + redis.call('XTRIM', key, 'MINID', s)
          end
        end
      end
      return {removed}
      """);

  /**
   * KEYS[1] stream; ARGV lagScanLimit. Replies {length, firstId|nil, lastGeneratedId, {{name,
   * consumers, pending, lastDeliveredId, oldestPendingId|nil, lag}...}} with lag -1 when Redis
   * cannot tell and the stream is too long to count.
   */
  static final RedisScript INFO = new RedisScript(HELPERS + """
      local key = KEYS[1]
      if redis.call('EXISTS', key) == 0 then return {0, false, false, {}} end
      local info = redis.call('XINFO', 'STREAM', key)
      local len = field(info, 'length')
      local first = field(info, 'first-entry')
      local firstId = false
      if first then firstId = first[1] end
      local last = field(info, 'last-generated-id')
      local limit = tonumber(ARGV[1])
      local groups = {}
      for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
        local name = field(g, 'name')
        local delivered = field(g, 'last-delivered-id')
        local p = redis.call('XPENDING', key, name)
        local oldest = false
        if p[1] > 0 then oldest = p[2] end
        local lag = field(g, 'lag')
        if not lag then
          local after = redis.call('XRANGE', key, '(' .. delivered, '+', 'COUNT', limit + 1)
          if #after > limit then lag = -1 else lag = #after end
        end
        groups[#groups + 1] = {name, field(g, 'consumers'), field(g, 'pending'), delivered,
            oldest, lag}
      end
      return {len, firstId, last, groups}
      """);

  /**
   * KEYS[1] stream; ARGV group, consumer, heir. Hands every pending entry of {@code consumer} to
   * {@code heir} keeping idle time and delivery count (XCLAIM ... IDLE RETRYCOUNT JUSTID), then
   * XGROUP DELCONSUMER, which would otherwise drop those entries from the pending list. Replies
   * {moved, deletedConsumers}.
   */
  static final RedisScript REMOVE_CONSUMER = new RedisScript("""
      local key, group, consumer, heir = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
      local moved = 0
      while true do
        local p = redis.call('XPENDING', key, group, '-', '+', 100, consumer)
        if #p == 0 then break end
        for _, e in ipairs(p) do
          redis.call('XCLAIM', key, group, heir, 0, e[1], 'IDLE', e[3], 'RETRYCOUNT', e[4],
              'JUSTID')
          moved = moved + 1
        end
      end
      local n = redis.call('XGROUP', 'DELCONSUMER', key, group, consumer)
      return {moved, n}
      """);
}
