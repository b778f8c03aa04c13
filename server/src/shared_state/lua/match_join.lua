-- match_join: one participant enters (or is already in) the queue of one
-- matchmaking mode; pairs it with the best waiting participant, or queues it.
-- Atomic: the whole call runs in Redis, so no candidate is taken twice.
--
-- Every key is declared and every key shares the hash tag {mm:<mode>}, so a
-- call stays within one slot of a Redis Cluster.
--   KEYS[1]  {mm:M}:tickets  HASH   ticket -> record (see below)
--   KEYS[2]  {mm:M}:pairs    ZSET   "lo|hi" device pair -> cooldown end (ms)
--   KEYS[3]  {mm:M}:reported ZSET   "lo|hi" device pair with a report between them -> kept apart
--                                   until (ms; reported.lua forgets ended ones)
--   KEYS[4]  {mm:M}:seq      STRING queue sequence (grows with enqueue time)
--   KEYS[5]  {mm:M}:stats    HASH   matches (count), wait_avg (ms, moving average)
--   KEYS[6..] {mm:M}:q:<lang> ZSET  ticket -> seq, one per language of the joiner
-- ARGV:
--   1 now (ms)          2 ticket ("<instance>/<participant>")
--   3 device key        4 region ("" = no preference)
--   5 interests (sorted ascending, comma-separated)
--   6 languages (comma-separated, in the order of KEYS[6..])
--   7 widen_region_after_ms   8 repeat_pair_cooldown_ms   9 scan_limit
--   10 allow_same_device (0|1)
--   11 enqueue (1: queue when no partner; 0: search only, the caller is queued)
--   12 user id    13 client IP (for reports about this participant)
--
-- A record is "seq|enqueued_ms|device|region|interests|languages|user|ip"
-- (tags, device keys, user ids and addresses never hold '|'). A queue entry is valid while its ticket's
-- record exists, carries the same seq and lists the queue's language; any
-- other entry is stale (its owner was matched from another language's queue,
-- left, or its instance died) and is removed when a scan meets it, so queues
-- heal without scanning whole.
--
-- Returns {0, seq, enqueued_ms, wait_avg} when queued (or {0, 0, 0, wait_avg}
-- when enqueue = 0 and the caller is no longer queued), or
-- {1, offerer_ticket, offerer_record, answerer_ticket, answerer_record, now}.
local tickets, pairs_key, reported, seq_key, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
local me = ARGV[2]
local device, region, interests, languages = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local widen = tonumber(ARGV[7])
local cooldown = tonumber(ARGV[8])
local scan_limit = tonumber(ARGV[9])
local allow_same_device = ARGV[10] == '1'
local enqueue = ARGV[11] == '1'
local user, ip = ARGV[12], ARGV[13]

-- Numbers are formatted with "%d" before they reach a record or redis.call
-- (Lua's tostring and Redis' conversion use "%.14g" / "%.17g", several times
-- slower), and times read from records are parsed only when a rule needs them.
local function int(x) return string.format('%d', x) end

local function split(s)
  if s == '' then return {} end
  if not string.find(s, ',', 1, true) then return {s} end
  local out = {}
  for part in string.gmatch(s, '([^,]+)') do out[#out + 1] = part end
  return out
end

-- seq (a number), then enqueued_ms, device, region, interests and languages
-- as stored; nil for a record that is not one.
local function parse(record)
  local seq, enq, dev, reg, ints, langs =
    string.match(record, '^(%d+)|(%d+)|([^|]*)|([^|]*)|([^|]*)|([^|]*)')
  if not seq then return nil end
  return {seq = tonumber(seq), enq_s = enq, device = dev, region = reg, interests = ints, languages = langs}
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local function has_language(csv, language)
  if csv == language then return true end
  if not string.find(csv, ',', 1, true) then return false end
  for l in string.gmatch(csv, '([^,]+)') do
    if l == language then return true end
  end
  return false
end

local function pair_key(a, b)
  if a < b then return a .. '|' .. b end
  return b .. '|' .. a
end

local my_langs = split(languages)
local my_interests = split(interests)
local my_interest_set = set_of(my_interests)

-- Already queued: keep the place in line (the preferences are replaced).
local mine = redis.call('HGET', tickets, me)
local my_seq, my_enq_s
if mine then
  local r = parse(mine)
  if r then my_seq, my_enq_s = r.seq, r.enq_s end
end
-- A search for a participant that should be queued but is not: it was just
-- matched by someone else (its event is on the way), so it must not be taken.
if not enqueue and not mine then return {0, 0, 0, redis.call('HGET', stats, 'wait_avg') or ''} end
local self_widened = my_enq_s ~= nil and now - tonumber(my_enq_s) >= widen

local top_region = (region == '') and 1 or 2
local top_common = #my_interests
local best, best_rec, best_seq, best_region, best_common
local unbeatable = false

for i, language in ipairs(my_langs) do
  local queue = KEYS[5 + i]
  -- The scores are not read: a ticket is in a queue once, under the seq its
  -- record holds (a re-join moves it), so the record says the seq.
  -- A queue is in seq order: after an unbeatable candidate from this queue,
  -- nothing later in it can win.
  local entries = redis.call('ZRANGE', queue, 0, scan_limit - 1)
  local found_here = false
  for j = 1, #entries do
    local ticket = entries[j]
    if unbeatable and found_here then break end
    if ticket ~= me then
      local record = redis.call('HGET', tickets, ticket)
      local c = record and parse(record)
      if not c or not has_language(c.languages, language) then
        redis.call('ZREM', queue, ticket)  -- stale
      elseif unbeatable and c.seq > best_seq then
        break
      else
        local seq = c.seq
        local rank
        if region == '' or c.region == '' then
          rank = 1
        elseif region == c.region then
          rank = 2
        else
          rank = 0
        end
        local eligible = rank > 0 or self_widened or now - tonumber(c.enq_s) >= widen
        if eligible then
          local common = 0
          for t in string.gmatch(c.interests, '([^,]+)') do
            if my_interest_set[t] then common = common + 1 end
          end
          local better = best == nil or rank > best_region or
            (rank == best_region and (common > best_common or (common == best_common and seq < best_seq)))
          if better then
            local same_device = c.device == device
            local allowed = not (same_device and not allow_same_device)
            if allowed then
              local pk = pair_key(device, c.device)
              local apart = redis.call('ZSCORE', reported, pk)
              if apart and tonumber(apart) > now then
                allowed = false
              elseif not same_device and cooldown > 0 then
                -- A cooldown holds until its score; ended ones may linger
                -- until the next match clears them.
                local until_ms = redis.call('ZSCORE', pairs_key, pk)
                if until_ms and tonumber(until_ms) > now then allowed = false end
              end
            end
            if allowed then
              best, best_rec, best_seq, best_region, best_common = ticket, c, seq, rank, common
              best_rec.raw = record
              found_here = true
              unbeatable = rank == top_region and common == top_common
            end
          end
        end
      end
    end
  end
end

-- The pair leaves every queue it is in: one HDEL, and one ZREM per queue of
-- the joiner's languages that holds either (the partner is in no other queue
-- the joiner reads; entries elsewhere are stale and heal when met).
local function drop_pair(partner, partner_langs)
  if mine then
    redis.call('HDEL', tickets, me, partner)
  else
    redis.call('HDEL', tickets, partner)
  end
  for i, language in ipairs(my_langs) do
    local theirs = has_language(partner_langs, language)
    if mine and theirs then
      redis.call('ZREM', KEYS[5 + i], me, partner)
    elseif mine then
      redis.call('ZREM', KEYS[5 + i], me)
    elseif theirs then
      redis.call('ZREM', KEYS[5 + i], partner)
    end
  end
end

-- The match count and the moving average of waits (both partners' waits):
-- one read, one write.
-- Waits are taken between 0 and an hour, and an average outside that range
-- is dropped: while instances of the release before (which measured on each
-- machine's monotonic clock) run beside this one, their waits are nonsense.
local WAIT_MAX = 3600000
local function note_match(a, b)
  local got = redis.call('HMGET', stats, 'wait_avg', 'matches')
  local avg = tonumber(got[1])
  a = math.min(math.max(a, 0), WAIT_MAX)
  b = math.min(math.max(b, 0), WAIT_MAX)
  if avg and (avg < 0 or avg > WAIT_MAX) then avg = nil end
  if avg then avg = avg + 0.125 * (a - avg) else avg = a end
  avg = avg + 0.125 * (b - avg)
  -- Whole milliseconds: a rounding error of at most 0.5 ms a match, which
  -- the average forgets at the rate it forgets waits (4 ms at most).
  redis.call('HSET', stats, 'wait_avg', int(math.floor(avg + 0.5)), 'matches', int((tonumber(got[2]) or 0) + 1))
end

if best then
  drop_pair(best, best_rec.languages)
  if best_rec.device ~= device and cooldown > 0 then
    -- Cooldowns that ended are forgotten here: each was added by one match,
    -- so this costs amortized O(log n) per match.
    redis.call('ZREMRANGEBYSCORE', pairs_key, '-inf', ARGV[1])
    redis.call('ZADD', pairs_key, int(now + cooldown), pair_key(device, best_rec.device))
  end
  local enq_s = my_enq_s or ARGV[1]
  local seq = my_seq or (best_seq + 1)
  -- note_match keeps waits at 0 or more: an enqueue time may come from
  -- another machine's clock, a few ms ahead of the caller's.
  note_match(now - tonumber(enq_s), now - tonumber(best_rec.enq_s))
  local me_rec = table.concat({int(seq), enq_s, device, region, interests, languages, user, ip}, '|')
  -- The one who waited longer offers.
  if my_seq ~= nil and my_seq < best_seq then
    return {1, me, me_rec, best, best_rec.raw, now}
  end
  return {1, best, best_rec.raw, me, me_rec, now}
end

local wait_avg = redis.call('HGET', stats, 'wait_avg') or ''
if not my_seq then
  my_seq = redis.call('INCR', seq_key)
  my_enq_s = ARGV[1]
end
local seq_s = int(my_seq)
redis.call('HSET', tickets, me, table.concat({seq_s, my_enq_s, device, region, interests, languages, user, ip}, '|'))
for i = 1, #my_langs do redis.call('ZADD', KEYS[5 + i], seq_s, me) end
return {0, my_seq, tonumber(my_enq_s), wait_avg}
