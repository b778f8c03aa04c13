-- beat: one instance's heartbeat, stamped with Redis' clock, and the list of
-- instances read back in the same step. Liveness is judged on the one clock
-- every instance shares (the master's), so an instance whose own clock is off
-- is neither taken for dead nor takes the others for dead.
--   KEYS[1]  {serendip}:instances   ZSET instance id -> last beat (Redis ms)
--   ARGV[1]  instance id
-- Returns {now, added, id, beat, id, beat, ...}: Redis' time in ms, 1 when
-- the entry was new (Redis lost it, or another instance removed it as dead),
-- then every entry with its last beat, oldest first.
local t = redis.call('TIME')
local now = string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000))
local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
local out = {now, tostring(added)}
local list = redis.call('ZRANGE', KEYS[1], '-inf', '+inf', 'BYSCORE', 'WITHSCORES')
for i = 1, #list do out[#out + 1] = list[i] end
return out
