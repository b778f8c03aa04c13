-- presence_touch: a socket is connected (just now, or still): its member's
-- score becomes now, members nobody wrote within the TTL leave (their
-- instance would have refreshed them), and the key lives for the TTL.
--   KEYS[1]  presence:<device|ip>:{<subject>}
--   ARGV[1]  member "<instance>/<participant>"   ARGV[2] now (unix ms)   ARGV[3] TTL (ms)
-- Returns 1.
local key = KEYS[1]
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('ZADD', key, now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. tostring(now - ttl))
redis.call('PEXPIRE', key, ttl)
return 1
