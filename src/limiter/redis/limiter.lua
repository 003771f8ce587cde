-- budgie's shared requests-per-minute limiter: the rule of the machine-local limiter
-- (src/limiter/state.rs) run inside Redis, on the Redis server's clock. Redis runs one script
-- at a time, so no two clients ever take the same slot. The constants (HEADROOM, SECOND, ...)
-- are prepended by src/limiter/redis/script.rs from the Rust ones. Times are microseconds.
--
-- KEYS: state hash, per-second window hash, clients by last seen, clients by first seen
--       (all under one hash tag, so a Redis Cluster keeps them on one node).
-- ARGV: op ("step" | "observe" | "status"), client id, configured rpm, then
--   step:    holding (0|1), the caller's last grant made without Redis (0: none)
--   observe: limit (0: none), remaining (-1: none), reset in (-1: none),
--            retry-after (-1: none), rate limited (0|1), the caller's first answer (0|1)
-- Reply: { code (0 go, 1 hold, 2 wait, 3 no step), wait, rate x 1000, left this minute,
--          next slot in, paused for, clients seen, caller's rank (-1: none), interval,
--          since the last grant (-1: none), the server's clock now }

if redis.replicate_commands then pcall(redis.replicate_commands) end

local S, W, SEEN, JOINED = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, client = ARGV[1], ARGV[2]
local rpm = math.max(tonumber(ARGV[3]) or 1, 1)

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local st, changed = {}, {}
local raw = redis.call('HGETALL', S)
for i = 1, #raw, 2 do st[raw[i]] = tonumber(raw[i + 1]) end
local function get(k) return st[k] or 0 end
local function set(k, v) st[k] = v; changed[k] = true end

-- The clock went back (a server moved, its clock set back): shift every stored time with it.
local updated = get('updated')
if now + SECOND < updated then
  local back = updated - now
  for _, k in ipairs({'last', 'answered', 'probe', 'next', 'pause', 'ep_end', 'limit_at',
                      'srv_at', 'srv_reset'}) do
    if get(k) > 0 then set(k, math.max(get(k) - back, 1)) end
  end
  redis.call('DEL', W)
end
set('updated', now)
if get('srv_reset') > 0 and get('srv_reset') <= now then set('srv_reset', 0) end

local function rate()
  local r = rpm
  local limit = get('limit')
  if limit > 0 and now - get('limit_at') < LIMIT_TTL then r = math.min(r, limit) end
  if get('learned') > 0 then r = math.min(r, get('learned')) end
  return math.max(r, MIN_RPM)
end

local function interval() return math.ceil(MINUTE / (rate() * HEADROOM)) end

local function server_left()
  if get('srv_reset') == 0 then return nil end
  local limit = get('limit')
  local refilled = math.min(math.floor((now - get('srv_at')) * limit / MINUTE), limit)
  return get('srv_rem') + refilled - get('srv_sent')
end

-- When the server's last report says nothing is left: when one request's worth refills.
local function server_token_at()
  local left = server_left()
  if left == nil or left >= 1 then return nil end
  local limit = get('limit')
  if limit == 0 then return get('srv_reset') end
  local owed = math.max(get('srv_sent') - get('srv_rem'), 0) + 1
  return math.min(get('srv_at') + math.ceil(owed * MINUTE / limit), get('srv_reset'))
end

local function held_back() return get('pause') > now or server_token_at() ~= nil end

local function earliest()
  local slot = math.max(now, get('next'), get('pause'))
  local at = server_token_at()
  if at then slot = math.max(slot, at) end
  return slot
end

local function reserve()
  local slot = earliest()
  set('next', slot + interval())
  return slot
end

-- The per-second counts of the last minute: "s<second>" sent, "o<second>" answered ok.
local function window()
  local sent, ok, first = 0, 0, nil
  local second = math.floor(now / SECOND)
  local w = redis.call('HGETALL', W)
  for i = 1, #w, 2 do
    local kind, sec, n = string.sub(w[i], 1, 1), tonumber(string.sub(w[i], 2)), tonumber(w[i + 1])
    if sec and sec + 60 > second then
      if kind == 's' then
        sent = sent + n
        if first == nil or sec < first then first = sec end
      else
        ok = ok + n
      end
    end
  end
  return sent, ok, first
end

local function count(kind)
  local second = math.floor(now / SECOND)
  if redis.call('HINCRBY', W, kind .. string.format('%d', second), 1) == 1 then
    local old = {}
    for _, f in ipairs(redis.call('HKEYS', W)) do
      local sec = tonumber(string.sub(f, 2))
      if sec == nil or sec + 60 <= second then old[#old + 1] = f end
    end
    if #old > 0 then redis.call('HDEL', W, unpack(old)) end
  end
end

local function knows_server()
  return get('answered') > 0 and now - get('answered') < KNOWLEDGE_TTL
end

-- At a held slot's time: record the grant (nil), or say when to try again.
local function commit()
  if held_back() then return reserve() end
  local gap = math.max(interval() - TIMER_SLACK, 0)
  local last = get('last')
  if last > 0 and now < last + gap then return last + gap end
  set('last', now)
  if not knows_server() then set('probe', now) end
  set('next', math.max(get('next'), now + gap))
  count('s')
  if get('srv_reset') > 0 then set('srv_sent', get('srv_sent') + 1) end
  return nil
end

local function step(holding)
  local probe = get('probe')
  if probe > 0 then
    -- A lone first request is out: wait for its answer (its headers say the real rate).
    if now < probe + PROBE_TIMEOUT then
      return 2, math.min(probe + PROBE_TIMEOUT, now + PROBE_POLL)
    end
    set('probe', 0)
  end
  if holding and get('pause') <= now then
    local at = server_token_at()
    if at and at > now then return 1, at end
    local retry = commit()
    if retry == nil then return 0, now end
    return 1, retry
  end
  local horizon = math.max(HORIZON, 2 * interval())
  local slot = earliest()
  if slot > now + horizon then return 2, slot - horizon end
  slot = reserve()
  if slot <= now and not held_back() then return step(true) end
  return 1, math.max(slot, now + 1)
end

-- A new 429 episode: the rate times DECREASE, or (the first time) what the server let
-- through over the last minute if that is lower.
local function lowered()
  local decreased = rate() * DECREASE
  if get('learned') > 0 then return math.max(decreased, MIN_RPM) end
  local _, ok, first = window()
  local observed = decreased
  if first and ok > 0 then
    local span = math.min(math.max(math.floor(now / SECOND) - first, 1), 60)
    observed = ok * 60 / span
  end
  return math.max(math.min(decreased, observed), MIN_RPM)
end

local function observe(limit, remaining, reset_in, retry_after, limited, first)
  set('answered', now)
  set('probe', 0)
  if limit > 0 then
    set('limit', limit)
    set('limit_at', now)
  end
  if remaining >= 0 then
    if reset_in < 0 then reset_in = MINUTE end
    reset_in = math.min(reset_in, MINUTE)
    if reset_in > 0 then
      set('srv_rem', remaining)
      set('srv_at', now)
      set('srv_reset', now + reset_in)
      set('srv_sent', 0)
    else
      set('srv_reset', 0)
    end
  end
  if retry_after >= 0 then
    set('pause', math.max(get('pause'), now + math.min(retry_after, MAX_PAUSE)))
    set('next', math.max(get('next'), get('pause')))
  end
  if limited then
    if now >= get('ep_end') then
      set('ceiling', rate())
      set('learned', lowered())
      set('ep_end', math.max(get('pause'), now + SECOND))
    end
  else
    count('o')
    local learned = get('learned')
    if learned > 0 then
      local up = RECOVERY
      if learned < get('ceiling') * NEAR_CEILING then up = FAST_RECOVERY end
      learned = learned + math.max(learned * up, 0.05)
      if learned >= rpm then learned = 0 end
      set('learned', learned)
    end
  end
  if first then
    local last = get('last')
    if last > 0 and now - last < MINUTE then set('last', math.max(last, now)) end
  end
end

-- Clients: seen within CLIENT_TTL, ranked by when they first came.
local expired = redis.call('ZRANGEBYSCORE', SEEN, '-inf', now - CLIENT_TTL, 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('ZREM', SEEN, unpack(expired))
  redis.call('ZREM', JOINED, unpack(expired))
end

local code, at = 3, now
if op == 'step' then
  redis.call('ZADD', SEEN, now, client)
  redis.call('ZADD', JOINED, 'NX', now, client)
  -- The caller's last grant made while Redis was out of reach (never in the future).
  local local_last = math.min(tonumber(ARGV[5]) or 0, now)
  if local_last > get('last') and now - local_last < MINUTE then
    set('last', local_last)
    set('next', math.max(get('next'), local_last + interval()))
  end
  code, at = step(ARGV[4] == '1')
elseif op == 'observe' then
  observe(tonumber(ARGV[4]) or 0, tonumber(ARGV[5]) or -1, tonumber(ARGV[6]) or -1,
          tonumber(ARGV[7]) or -1, ARGV[8] == '1', ARGV[9] == '1')
end

local r = rate()
local sent = window()
local left = math.max(math.floor(r) - sent, 0)
local server = server_left()
if server then left = math.min(left, math.max(server, 0)) end
local rank = redis.call('ZRANK', JOINED, client)
local since_last = -1
if get('last') > 0 then since_last = now - get('last') end

local fields = {}
for k in pairs(changed) do
  fields[#fields + 1] = k
  fields[#fields + 1] = string.format('%.17g', st[k])
end
redis.call('HSET', S, unpack(fields))
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, KEY_TTL_MS) end

return { code, math.max(at - now, 0), math.floor(r * 1000), left,
         math.max(earliest() - now, 0), math.max(get('pause') - now, 0),
         redis.call('ZCARD', SEEN), rank or -1, interval(), since_last, now }
