-- abuse: the rate-limit buckets and abuse-detector state of one subject (an
-- IP or a device key), shared by every instance. Both keys carry the
-- subject's hash tag, so one call touches one slot.
--   KEYS[1]  ratelimit:<ip|device>:{<subject>}  HASH  <limit> -> "<level>:<at ms>"
--   KEYS[2]  abuse:<ip|device>:{<subject>}      HASH  detector state:
--              pend   difficulty of the CAPTCHA the device owes (absent: none)
--              off    consecutive offences; offat: when the last one was (ms)
--              j, n   times of recent joins / nexts: "t,t,...", oldest first ("" once the rule fired)
--              ips    IPs of a device, devs: devices of an IP: "value@t,..."
--              sv     viewers whose safety shield hid a device's video: "viewer@t,..."
--   ARGV[1]  op, ARGV[2] now (unix ms), then the op's arguments:
--   take    limit tokens per_ms burst cost captcha
--           -> {1} | {0, retry_after_ms, difficulty (0: none)}
--   match   limit tokens per_ms burst cost captcha | rapid_field count window captcha
--           | ip count window captcha
--           -> {0, 0, rule, count, ...} go ahead (rules that fired without a CAPTCHA)
--           |  {1, retry_after_ms, difficulty} rate limited
--           |  {2, difficulty, rule, count, ...} a CAPTCHA first
--   connect ip count window captcha           (a device: its distinct IPs)
--           -> {difficulty (0: none), rule, count, ...}
--   shield  viewer count window captcha       (a device: viewers whose shield hid it)
--           -> {difficulty (0: none), rule, count, ...}
--   seen    device count window               (an IP: its distinct devices)
--           -> {count when the rule fired, else 0}
--   flag    -> {difficulty}   require a CAPTCHA (a rule on another subject fired)
--   owed    -> {difficulty (0: none)}
--   solved  -> {1 | 0}  lift the CAPTCHA and start the counts over
--   dismiss -> {1 | 0}  lift any CAPTCHA (a moderator dismissed the subject)
-- Every op ends with the CAPTCHA settings: base max repeat_window_ms, and the
-- time to keep the state: ttl_ms (the longest window it serves).
-- A limit with tokens <= 0 or burst <= 0 is off; a rule with count <= 0 is off.
local rl, ab = KEYS[1], KEYS[2]
local op = ARGV[1]
local now_s = ARGV[2]
local now = tonumber(now_s)
local n = #ARGV
local ttl_s = ARGV[n]  -- handed to PEXPIRE as it came

-- Times are unix ms written in decimal without leading zeros, so they are
-- compared as strings: Lua would otherwise parse each one (strtod) and format
-- each one it writes back ("%.14g"), the larger part of a call's cost. A
-- number going to redis.call is formatted with "%d" for the same reason
-- (Redis would format it with "%.17g").
local function int(x) return string.format('%d', x) end
-- The cutoff of a window: a time t is in it while t > cutoff (now - t < window).
local function cutoff(window)
  local c = now - window
  if c < 0 then return '' end
  return int(c)
end
local function later(t, c) return #t > #c or (#t == #c and t > c) end

-- Token levels in (token x ms) units, as the in-memory limiter keeps them:
-- a token is per_ms units and a bucket gains `tokens` units per ms.
local function take(limit, tokens, per_ms, burst, cost)
  if tokens <= 0 or burst <= 0 or per_ms <= 0 or cost <= 0 then return 0 end
  local capacity = burst * per_ms
  local need = math.min(cost, burst) * per_ms
  local level, at = capacity, now
  local stored = redis.call('HGET', rl, limit)
  if stored then
    local l, a = string.match(stored, '^(%d+):(%d+)$')
    if l then
      level, at = tonumber(l), tonumber(a)
      local elapsed = now - at
      if elapsed > 0 then level = math.min(capacity, level + elapsed * tokens); at = now end
    end
  end
  if level < need then
    return math.floor((need - level + tokens - 1) / tokens)
  end
  level = level - need
  redis.call('HSET', rl, limit, string.format('%d:%d', level, at))
  -- Full again after this long: then the key says nothing a fresh one would not.
  redis.call('PEXPIRE', rl, int(math.floor((capacity - level + tokens - 1) / tokens) + 1000))
  return 0
end

local function difficulty_for(offences)
  local base, max = tonumber(ARGV[n - 3]), tonumber(ARGV[n - 2])
  local d = math.max(1, base)
  local cap = math.max(d, max)
  local i = 1
  while i < offences and d < cap do d = d * 2; i = i + 1 end
  return math.min(d, cap)
end

-- The device must solve a CAPTCHA; several rules firing before one solution
-- are one offence. Returns the difficulty.
local function require_captcha()
  local got = redis.call('HMGET', ab, 'pend', 'off', 'offat')
  if got[1] then return tonumber(got[1]) end
  local off = tonumber(got[2] or '0')
  local offat = tonumber(got[3] or '0')
  if off > 0 and now - offat < tonumber(ARGV[n - 1]) then off = off + 1 else off = 1 end
  local d = difficulty_for(off)
  redis.call('HSET', ab, 'off', int(off), 'offat', now_s, 'pend', int(d))
  return d
end

-- "t,t,...": one more event; fires when the window holds `count` of them
-- (then the window starts over). Takes the stored value (or false) and
-- returns how many it counted (0: did not fire) and the value to store
-- ('': none; the field is kept, empty). The list is kept in time order, so
-- while its oldest time is in the window every time is, and now is appended
-- after a count of the commas (no time parsed or written but now).
local function rapid(stored, count, window)
  local c = cutoff(window)
  if stored and stored ~= '' then
    local oldest = string.match(stored, '^%d+')
    if oldest and later(oldest, c) then
      local events, last = 2, 1  -- the stored ones (commas + 1) and now; where the newest starts
      while true do
        local comma = string.find(stored, ',', last, true)
        if not comma then break end
        events, last = events + 1, comma + 1
      end
      local newest = string.sub(stored, last)
      if string.match(newest, '^%d+$') and not later(newest, now_s) then
        if events >= count then return events, '' end
        return 0, stored .. ',' .. now_s
      end
    end
  end
  local kept = {}
  if stored then
    for t in string.gmatch(stored, '%d+') do
      if later(t, c) then kept[#kept + 1] = t end
    end
  end
  kept[#kept + 1] = now_s
  -- In time order again (instances' clocks may differ by a little).
  table.sort(kept, function(a, b) return later(b, a) end)
  if #kept >= count then return #kept, '' end
  return 0, table.concat(kept, ',')
end

-- "value@t,...": `value` seen now; fires when it is new and the window
-- holds `count` distinct values (at most `count` are kept: the oldest goes).
-- Takes the stored value (or false); returns how many it counted (0: did
-- not fire) and the value to store.
local function distinct(stored, value, count, window)
  local c = cutoff(window)
  -- The common case: the one value stored is this one, still in the window.
  local mine = value .. '@'
  if stored and string.sub(stored, 1, #mine) == mine then
    local t = string.sub(stored, #mine + 1)
    if string.match(t, '^%d+$') and later(t, c) then return 0, mine .. now_s end
  end
  local vals, times = {}, {}
  local fresh = true
  if stored then
    for v, t in string.gmatch(stored, '([^,@]+)@(%d+)') do
      if later(t, c) then
        if v == value then t = now_s; fresh = false end
        vals[#vals + 1] = v; times[#times + 1] = t
      end
    end
  end
  local counted = #vals
  if fresh then
    vals[#vals + 1] = value; times[#times + 1] = now_s
    counted = #vals
    if #vals > count then
      local oldest = 1
      for i = 2, #times do if later(times[oldest], times[i]) then oldest = i end end
      table.remove(vals, oldest); table.remove(times, oldest)
    end
  end
  local out = {}
  for i = 1, #vals do out[i] = vals[i] .. '@' .. times[i] end
  if fresh and counted >= count then return counted, table.concat(out, ',') end
  return 0, table.concat(out, ',')
end

-- One field on its own: read, counted, written (connect and seen).
local function distinct_field(field, value, count, window)
  if count <= 0 or value == '' then return 0 end
  local c, v = distinct(redis.call('HGET', ab, field), value, count, window)
  redis.call('HSET', ab, field, v)
  return c
end

local function keep() redis.call('PEXPIRE', ab, ttl_s) end

-- ARGV[3..6] = value, count, window, captcha?: a rule that fires (reply
-- {captcha?, rule, distinct}) once `count` distinct values are seen in `window`.
local function distinct_rule(field, rule)
  local out = {0}
  local c = distinct_field(field, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
  if c > 0 then
    out[2] = rule; out[3] = c
    if ARGV[6] == '1' then out[1] = require_captcha() end
  end
  keep()
  return out
end

if op == 'take' then
  local retry = take(ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
  if retry == 0 then return {1} end
  local d = 0
  if ARGV[8] == '1' then d = require_captcha(); keep() end
  return {0, retry, d}
elseif op == 'match' then
  local retry = take(ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
  if retry > 0 then
    local d = 0
    if ARGV[8] == '1' then d = require_captcha(); keep() end
    return {1, retry, d}
  end
  -- One read and one write of the detector's hash: the pending CAPTCHA, the
  -- device's IPs and its recent joins (j) or nexts (n).
  local rapid_field, ip = ARGV[9], ARGV[13]
  local rapid_count, ip_count = tonumber(ARGV[10]), tonumber(ARGV[14])
  local got = redis.call('HMGET', ab, 'pend', 'ips', rapid_field)
  if got[1] then return {2, tonumber(got[1])} end
  local out = {0, 0}
  local captcha = false
  local sets = {}
  if ip_count > 0 and ip ~= '' then
    local c, v = distinct(got[2], ip, ip_count, tonumber(ARGV[15]))
    if v ~= got[2] then sets[#sets + 1] = 'ips'; sets[#sets + 1] = v end
    if c > 0 then
      out[#out + 1] = 'ips_per_device'; out[#out + 1] = c
      if ARGV[16] == '1' then captcha = true end
    end
  end
  if rapid_count > 0 then
    local c, v = rapid(got[3], rapid_count, tonumber(ARGV[11]))
    sets[#sets + 1] = rapid_field; sets[#sets + 1] = v
    if c > 0 then
      out[#out + 1] = rapid_field == 'j' and 'rapid_join' or 'rapid_next'; out[#out + 1] = c
      if ARGV[12] == '1' then captcha = true end
    end
  end
  if #sets > 0 then redis.call('HSET', ab, unpack(sets)) end
  if captcha then out[1] = 2; out[2] = require_captcha() end
  keep()
  return out
elseif op == 'connect' then
  return distinct_rule('ips', 'ips_per_device')
elseif op == 'shield' then
  -- A weak signal: a CAPTCHA at most (and the caller's priority review), never a block.
  return distinct_rule('sv', 'shield_blur')
elseif op == 'seen' then
  local c = distinct_field('devs', ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
  keep()
  return {c}
elseif op == 'flag' then
  local d = require_captcha()
  keep()
  return {d}
elseif op == 'owed' then
  return {tonumber(redis.call('HGET', ab, 'pend') or '0')}
elseif op == 'solved' then
  -- The offence record stays (a repeat within the window is harder).
  return {redis.call('HDEL', ab, 'pend', 'j', 'n', 'ips', 'sv') > 0 and 1 or 0}
elseif op == 'dismiss' then
  return {redis.call('HDEL', ab, 'pend')}
end
return redis.error_reply('ERR unknown abuse op')
