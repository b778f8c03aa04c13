-- reported: upkeep of one mode's reported pairs (match_join.lua reads them),
-- run by every instance every few seconds.
--   KEYS[1]  {mm:M}:reported  ZSET  "lo|hi" device pair -> kept apart until (ms);
--                                   the member "~loaded" (score ARGV[3]) says the
--                                   pairs in the database were loaded into it
--   KEYS[2]  {mm:M}:excl      SET   the release before's form ("lo|hi", for good)
--   ARGV[1]  now (ms)   ARGV[2]  until for a pair moved from KEYS[2] (ms)
--   ARGV[3]  the score of "for good" (also the marker's)
--   ARGV[4]  how many pairs to move from KEYS[2] in one call
-- Forgets the pairs whose time ended, moves pairs the release before wrote,
-- and returns {1 if the marker is there else 0, pairs kept (the marker not
-- counted), pairs moved}.
local reported, legacy = KEYS[1], KEYS[2]
redis.call('ZREMRANGEBYSCORE', reported, '-inf', ARGV[1])
local moved = redis.call('SPOP', legacy, tonumber(ARGV[4]))
if #moved > 0 then
  local args = {}
  for _, pk in ipairs(moved) do
    args[#args + 1] = ARGV[2]
    args[#args + 1] = pk
  end
  redis.call('ZADD', reported, 'GT', unpack(args))
end
local loaded = redis.call('ZSCORE', reported, '~loaded') and 1 or 0
return {loaded, redis.call('ZCARD', reported) - loaded, #moved}
