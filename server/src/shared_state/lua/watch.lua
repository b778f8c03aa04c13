-- watch: the abuse detector's watch list, shared by every instance (what the
-- dashboard shows). One slot: hits are rare next to joins.
--   KEYS[1]  {serendip}:watch    HASH  member -> "count|hits|first|last|captcha|difficulty"
--   KEYS[2]  {serendip}:watch:t  ZSET  member -> last hit (unix ms)
--   member = "<kind>|<rule>|<subject>"
--   ARGV[1] op, ARGV[2] now (unix ms), ARGV[3] ttl_ms (an entry with no hit
--   for this long goes), ARGV[4] cap (entries kept; the least recent go), then:
--   hit      member count captcha(0|1) difficulty(0: none pending) -> {1}
--   list     -> {member, value, ...} in no particular order (the caller sorts
--               by the value's `last`): one HGETALL, no per-entry work here
--   solved   subject -> entries of the device: no CAPTCHA pending -> {changed}
--   dismiss  subject -> every entry about the subject removed -> {removed}
local h, z = KEYS[1], KEYS[2]
local op, now, ttl, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local kinds = {'device', 'ip'}
local rules = {'rapid_join', 'rapid_next', 'devices_per_ip', 'ips_per_device', 'distinct_reporters', 'rate_limited'}

-- Removes up to 100 entries with no hit for the TTL; returns how many.
local function expire()
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now - ttl, 'LIMIT', 0, 100)
  for _, m in ipairs(old) do redis.call('HDEL', h, m); redis.call('ZREM', z, m) end
  return #old
end

-- The entries about `subject`, as {member, ...}.
local function about(subject)
  local out = {}
  for _, k in ipairs(kinds) do
    for _, r in ipairs(rules) do out[#out + 1] = k .. '|' .. r .. '|' .. subject end
  end
  return out
end

local function parse(v)
  local c, hits, first, last, captcha, d = string.match(v, '^(%d+)|(%d+)|(%d+)|(%d+)|(%d)|(%d+)$')
  return tonumber(c), tonumber(hits), first, last, captcha, d
end

if op == 'list' then
  -- Every expired entry goes first (the list never shows one); bounded by the cap.
  while expire() == 100 do end
  return redis.call('HGETALL', h)
end
expire()
if op == 'hit' then
  local m, count, captcha, d = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
  local hits, first = 1, now
  local old = redis.call('HGET', h, m)
  if old then
    local _, oh, of, _, oc = parse(old)
    if oh then
      hits = oh + 1; first = of
      if oc == '1' then captcha = '1' end
    end
  end
  redis.call('HSET', h, m, table.concat({count, hits, first, now, captcha, d}, '|'))
  redis.call('ZADD', z, now, m)
  local extra = redis.call('ZCARD', z) - cap
  if extra > 0 then
    for _, o in ipairs(redis.call('ZRANGE', z, 0, extra - 1)) do redis.call('HDEL', h, o); redis.call('ZREM', z, o) end
  end
  redis.call('PEXPIRE', h, ttl); redis.call('PEXPIRE', z, ttl)
  return {1}
elseif op == 'solved' then
  local changed = 0
  for _, m in ipairs(about(ARGV[5])) do
    local v = redis.call('HGET', h, m)
    if v then
      local c, hits, first, last, captcha, d = parse(v)
      if c and d ~= '0' then
        redis.call('HSET', h, m, table.concat({c, hits, first, last, captcha, 0}, '|'))
        changed = changed + 1
      end
    end
  end
  return {changed}
elseif op == 'dismiss' then
  local removed = 0
  for _, m in ipairs(about(ARGV[5])) do
    removed = removed + redis.call('HDEL', h, m)
    redis.call('ZREM', z, m)
  end
  return {removed}
end
return redis.error_reply('ERR unknown watch op')
