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
      -- every group's name and last-delivered id
      local function groupsOf(key)
        local out = {}
        for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
          out[#out + 1] = {field(g, 'name'), field(g, 'last-delivered-id')}
        end
        return out
      end
      -- whether no group needs the entry any more: every group read past it, none holds it
      local function removable(key, groups, id)
        if #groups == 0 then return false end
        for _, g in ipairs(groups) do
          if idcmp(g[2], id) < 0 then return false end
          if #redis.call('XPENDING', key, g[1], id, id, 1) > 0 then return false end
        end
        return true
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
   * consumers, pending, lastDeliveredId, oldestPendingId|nil, lag, idle}...}} with lag -1 when
   * Redis cannot tell and the stream is too long to count, and idle the least idle time of the
   * group's consumers (-2 when it has none).
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
        -- the group's idle time: its least idle consumer's (-2: no consumer)
        local idle = -2
        for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', key, name)) do
          local i = field(c, 'idle')
          if idle == -2 or i < idle then idle = i end
        end
        groups[#groups + 1] = {name, field(g, 'consumers'), field(g, 'pending'), delivered,
            oldest, lag, idle}
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

  /**
   * KEYS[1] stream; ARGV group, then pairs of id and delivery count (0: any). Acknowledges each
   * id pending under a matching delivery (XACK), reports the ones pending under another, then
   * deletes (XDEL) every acknowledged entry no group needs any more: work-queue retention, in
   * one atomic step, so no group can read or claim an entry between the check and the delete.
   * Replies {{ackedId...}, {staleId...}, removed}; NOGROUP when the stream or group is missing.
   */
  static final RedisScript SETTLE = new RedisScript(HELPERS + """
      local key, group = KEYS[1], ARGV[1]
      if redis.call('EXISTS', key) == 0 then
        return redis.error_reply('NOGROUP No such key or consumer group')
      end
      local groups = groupsOf(key)
      local found = false
      for _, g in ipairs(groups) do if g[1] == group then found = true end end
      if not found then return redis.error_reply('NOGROUP No such key or consumer group') end
      local acked, stale = {}, {}
      for i = 2, #ARGV, 2 do
        local id, want = ARGV[i], tonumber(ARGV[i + 1])
        local p = redis.call('XPENDING', key, group, id, id, 1)
        if p[1] then
          if want == 0 or p[1][4] == want then
            redis.call('XACK', key, group, id)
            acked[#acked + 1] = id
          else
            stale[#stale + 1] = id
          end
        end
      end
      local removed = 0
      for _, id in ipairs(acked) do
        if removable(key, groups, id) then removed = removed + redis.call('XDEL', key, id) end
      end
      return {acked, stale, removed}
      """);

  /**
   * KEYS[1] stream; ARGV group, id, delivery count (0: any), holder ('': any), idle. Sets the
   * idle time of one pending entry only when it is pending under that delivery and holder, in one
   * atomic step (a nack or extend can no longer race a claim). Replies {CHANGED | STALE |
   * NOT_PENDING}.
   */
  static final RedisScript RENEW = new RedisScript("""
      local key, group, id = KEYS[1], ARGV[1], ARGV[2]
      local want, holder, idle = tonumber(ARGV[3]), ARGV[4], ARGV[5]
      local p = redis.call('XPENDING', key, group, id, id, 1)
      if not p[1] then return {'NOT_PENDING'} end
      if (want ~= 0 and p[1][4] ~= want) or (holder ~= '' and p[1][2] ~= holder) then
        return {'STALE'}
      end
      local c = redis.call('XCLAIM', key, group, p[1][2], 0, id, 'IDLE', idle,
          'RETRYCOUNT', p[1][4], 'JUSTID')
      if #c == 0 then return {'NOT_PENDING'} end
      return {'CHANGED'}
      """);

  /**
   * KEYS[1] stream; ARGV minId. Age limit: XTRIM MINID, but never at or past the first entry a
   * group has pending. Replies {removed}.
   */
  static final RedisScript EXPIRE = new RedisScript(HELPERS + """
      local key = KEYS[1]
      if redis.call('EXISTS', key) == 0 then return {0} end
      local stop = ARGV[1]
      for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
        local p = redis.call('XPENDING', key, field(g, 'name'))
        if p[1] > 0 and idcmp(p[2], stop) < 0 then stop = p[2] end
      end
      return {redis.call('XTRIM', key, 'MINID', stop)}
      """);

  /** KEYS[1] stream; ARGV group. XGROUP DESTROY. Replies {1 | 0}. */
  static final RedisScript DELETE_GROUP = new RedisScript("""
      local key = KEYS[1]
      if redis.call('EXISTS', key) == 0 then return {0} end
      return {redis.call('XGROUP', 'DESTROY', key, ARGV[1])}
      """);

  /**
   * KEYS[1] stream; ARGV group, consumer. Deletes the consumer only when it holds no pending
   * entry. Replies {-1} (no such consumer), {0} (deleted) or {pending} (kept).
   */
  static final RedisScript DELETE_CONSUMER = new RedisScript(HELPERS + """
      local key, group, consumer = KEYS[1], ARGV[1], ARGV[2]
      if redis.call('EXISTS', key) == 0 then
        return redis.error_reply('NOGROUP No such key or consumer group')
      end
      for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', key, group)) do
        if field(c, 'name') == consumer then
          local pending = field(c, 'pending')
          if pending > 0 then return {pending} end
          redis.call('XGROUP', 'DELCONSUMER', key, group, consumer)
          return {0}
        end
      end
      return {-1}
      """);

  /**
   * KEYS[1] stream; ARGV cursor, count. Scans {@code count} entries from the cursor and deletes
   * those no group needs any more. Replies {next ('0-0': done), removed}.
   */
  static final RedisScript SWEEP = new RedisScript(HELPERS + """
      local key, cursor, count = KEYS[1], ARGV[1], tonumber(ARGV[2])
      if redis.call('EXISTS', key) == 0 then return {'0-0', 0} end
      local groups = groupsOf(key)
      if #groups == 0 then return {'0-0', 0} end
      local entries = redis.call('XRANGE', key, cursor, '+', 'COUNT', count + 1)
      local nextId, removed = '0-0', 0
      for i, e in ipairs(entries) do
        if i > count then nextId = e[1]; break end
        if removable(key, groups, e[1]) then removed = removed + redis.call('XDEL', key, e[1]) end
      end
      return {nextId, removed}
      """);

  /**
   * KEYS[1] stream; ARGV group, maxGroups. XGROUP CREATE ... 0-0 MKSTREAM unless the stream
   * already has maxGroups groups; an existing group is left alone. Replies {1} (exists) or {0}
   * (refused by the bound).
   */
  static final RedisScript CREATE_GROUP = new RedisScript(HELPERS + """
      local key, group, max = KEYS[1], ARGV[1], tonumber(ARGV[2])
      if redis.call('EXISTS', key) == 1 then
        local gs = redis.call('XINFO', 'GROUPS', key)
        for _, g in ipairs(gs) do if field(g, 'name') == group then return {1} end end
        if #gs >= max then return {0} end
      end
      redis.call('XGROUP', 'CREATE', key, group, '0-0', 'MKSTREAM')
      return {1}
      """);

  /**
   * KEYS[1] stream; ARGV group, consumer, maxConsumers. XGROUP CREATECONSUMER unless the group
   * has maxConsumers consumers. Replies {1} (registered) or {0} (refused).
   */
  static final RedisScript REGISTER_CONSUMER = new RedisScript(HELPERS + """
      local key, group, consumer, max = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
      if redis.call('EXISTS', key) == 0 then
        return redis.error_reply('NOGROUP No such key or consumer group')
      end
      local cs = redis.call('XINFO', 'CONSUMERS', key, group)
      for _, c in ipairs(cs) do if field(c, 'name') == consumer then return {1} end end
      if #cs >= max then return {0} end
      redis.call('XGROUP', 'CREATECONSUMER', key, group, consumer)
      return {1}
      """);

  /**
   * KEYS[1] stream; ARGV group, consumer, count, maxPending. XREADGROUP ... COUNT min(count,
   * maxPending - pending) STREAMS stream &gt;, with the pending count read in the same atomic step.
   * Replies {pending, {{id, {field, value...}}...}}, or {pending, false} when the group is at
   * the bound (nothing read).
   */
  static final RedisScript READ_NEW = new RedisScript("""
      local key, group, consumer = KEYS[1], ARGV[1], ARGV[2]
      local count, max = tonumber(ARGV[3]), tonumber(ARGV[4])
      local pending = redis.call('XPENDING', key, group)[1]
      if pending >= max then return {pending, false} end
      local n = math.min(count, max - pending)
      local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', n, 'STREAMS', key,
          '>')
      if not r then return {pending, {}} end
      return {pending, r[1][2]}
      """);
}
