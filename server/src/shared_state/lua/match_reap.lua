-- match_reap: drop the queue records of an instance that died, a bounded
-- batch per call. Its queue entries become stale and leave the queues when
-- the next scan meets them (see match_join.lua).
--   KEYS[1]  {mm:M}:tickets
--   ARGV[1]  instance id   ARGV[2] HSCAN cursor   ARGV[3] batch size
-- Returns {next_cursor, removed}: call again until the cursor is "0".
local tickets = KEYS[1]
local prefix = ARGV[1] .. '/'
local reply = redis.call('HSCAN', tickets, ARGV[2], 'MATCH', prefix .. '*', 'COUNT', tonumber(ARGV[3]))
local removed = 0
local fields = reply[2]
for i = 1, #fields, 2 do
  removed = removed + redis.call('HDEL', tickets, fields[i])
end
return {reply[1], removed}
