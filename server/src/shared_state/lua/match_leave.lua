-- match_leave: a queued participant leaves the queue (leave, disconnect, or
-- before its next join changes mode).
--   KEYS[1]   {mm:M}:tickets
--   KEYS[2..] {mm:M}:q:<lang>, the languages it queued with
--   ARGV[1]   ticket
-- Returns 1 when it was queued and is now removed, 0 when it was not queued
-- (never joined, or matched a moment ago: the caller then gets that match).
local tickets = KEYS[1]
local ticket = ARGV[1]
if redis.call('HDEL', tickets, ticket) == 0 then return 0 end
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ticket) end
return 1
