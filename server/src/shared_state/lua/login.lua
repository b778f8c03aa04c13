-- login: the admin login throttle shared by every instance; the same rule as
-- moderation::LoginLimiter (core/login_rules.hpp), one scope per key:
--   pair     login:pair:{<username>|<ip>}  one username from one address
--   address  login:ip:{<ip>}               one address, whatever the usernames
--   all      login:all:{all}               every login (a fixed window)
-- A pair or address has `free` attempts, then each further one waits `first`
-- ms after the previous, doubling up to `cap`; `forget` ms without attempts
-- and the count is gone. `all` allows `max` attempts per `window` ms.
--   KEYS[1]  the scope's key: HASH n (attempts), t (last attempt; for all, window start)
--   ARGV     op now scope pair_free address_free first cap forget max window
--   check   -> {wait_ms}  (0: may try now)
--   hit     -> {1}  one more attempt (taken before the password is hashed)
--   success -> {1}  the attempt had the right password: pair forgotten, address one fewer
-- Times are the caller's (ARGV now); PEXPIRE only collects keys, with slack.
local key = KEYS[1]
local op, now, scope = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local free = tonumber(ARGV[4])
if scope == 'address' then free = tonumber(ARGV[5]) end
local first, cap, forget = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local max, window = tonumber(ARGV[9]), tonumber(ARGV[10])
local slack = 60000

local st = redis.call('HMGET', key, 'n', 't')
local n, t = tonumber(st[1]) or 0, tonumber(st[2]) or 0
local keep = forget
if scope == 'all' then keep = window end
if n > 0 and now - t >= keep then n, t = 0, 0 end

if op == 'check' then
  if scope == 'all' then
    if n < max then return {0} end
    return {t + window - now}
  end
  if n < free then return {0} end
  local delay = first
  local i = free
  while i < n and delay < cap do
    delay = delay * 2
    i = i + 1
  end
  if delay > cap then delay = cap end
  local wait = t + delay - now
  if wait < 0 then wait = 0 end
  return {wait}
elseif op == 'hit' then
  if scope == 'all' then
    if n == 0 then t = now end
  else
    t = now
  end
  redis.call('HSET', key, 'n', n + 1, 't', t)
  redis.call('PEXPIRE', key, keep + slack)
  return {1}
elseif op == 'success' then
  if scope == 'pair' or (scope == 'address' and n <= 1) then
    redis.call('DEL', key)
  elseif scope == 'address' then
    redis.call('HSET', key, 'n', n - 1)
  end
  return {1}
end
return redis.error_reply('ERR unknown login op')
