-- login: failed admin logins of one key (an address or a username), shared
-- by every instance; the same rule as moderation::LoginLimiter: at most `max`
-- failures within `window` ms, then refused until the oldest leaves the window.
--   KEYS[1]  login:<ip|user>:{<subject>}  LIST of failure times (ms), newest first, at most `max`
--   ARGV     op now window max
--   check -> {retry_after_ms}  (0: may try)
--   fail  -> {1}  one more failure
--   reset -> {1}  forget them (a successful login)
local key = KEYS[1]
local op, now, window, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if op == 'check' then
  local times = redis.call('LRANGE', key, 0, max - 1)
  local recent = {}
  for _, t in ipairs(times) do
    t = tonumber(t)
    if t and t + window > now then recent[#recent + 1] = t end
  end
  if #recent < max then return {0} end
  -- Newest first: the last one kept is the oldest; one more try once it ages out.
  return {recent[#recent] + window - now}
elseif op == 'fail' then
  redis.call('LPUSH', key, now)
  redis.call('LTRIM', key, 0, max - 1)
  redis.call('PEXPIRE', key, window)
  return {1}
elseif op == 'reset' then
  redis.call('DEL', key)
  return {1}
end
return redis.error_reply('ERR unknown login op')
