// The Lua scripts: every change of state on the server is exactly one of them, so each is atomic
// (Redis runs a script without interleaving other commands). Layout of one resource R (a Lock,
// Semaphore, RWLock or Web Lock name, already prefixed):
//   R:h   ZSET  holder id -> lease end (server ms)      R:hm  HASH holder id -> "<mode>:<token>"
//   R:q   ZSET  waiter id -> ticket (FIFO order)         R:qm  HASH waiter id -> mode .. lease ms
//   R:qx  ZSET  waiter id -> end of its place (ms)       R:seq counter of tickets
//   R:tok fencing-token counter (no expiry; seeded from TIME when missing)
//   R:cap a Semaphore's value (so that every client agrees on it)
// An id is "<remote id>|<n>"; the remote's wake list is <inbox prefix><remote id>. A script that
// lets waiters in grants them there and then (handoff) and pushes "g<id> <token> <now> <lease>"
// to each one's wake list: the waiter holds from that message on, with no request of its own in
// between. A steal pushes "s<holder id>" to each stolen holder's list; Event.set "w<E>".
// Modes: 'x' exclusive (Lock, RWLock write, Web Locks exclusive), 's' shared (RWLock read, Web
// Locks shared, a Semaphore count). `cap` > 0 bounds the shared holders (a Semaphore's value);
// 0 is unbounded.

const PRELUDE = `
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function notify(pfx, id, msg, ttl)
  local k = pfx .. string.match(id, '^(.*)|')
  redis.call('RPUSH', k, msg)
  redis.call('PEXPIRE', k, ttl)
end
local function prune(R, now)
  local changed = false
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', R .. ':h', '-inf', now)) do
    redis.call('ZREM', R .. ':h', id)
    redis.call('HDEL', R .. ':hm', id)
    changed = true
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', R .. ':qx', '-inf', now)) do
    redis.call('ZREM', R .. ':qx', id)
    redis.call('ZREM', R .. ':q', id)
    redis.call('HDEL', R .. ':qm', id)
    changed = true
  end
  return changed
end
-- (number of holders, whether the holder is exclusive); an exclusive holder is the only one
local function holders(R)
  local n = redis.call('ZCARD', R .. ':h')
  if n == 0 then return 0, false end
  local first = redis.call('ZRANGE', R .. ':h', 0, 0)[1]
  local m = redis.call('HGET', R .. ':hm', first)
  return n, (m ~= false and string.sub(m, 1, 1) == 'x')
end
-- a queued waiter's mode ('x' or 's'); its R:qm entry is the mode followed by its lease
local function qmode(R, id)
  local m = redis.call('HGET', R .. ':qm', id)
  if not m then return '' end
  return string.sub(m, 1, 1)
end
local function eligible(R, cap, mode, rank, n, xheld)
  if mode == 'x' then return rank == 0 and n == 0 end
  if xheld then return false end
  if cap > 0 and n + rank >= cap then return false end
  if rank > 0 then
    for _, id in ipairs(redis.call('ZRANGE', R .. ':q', 0, rank - 1)) do
      if qmode(R, id) ~= 's' then return false end
    end
  end
  return true
end
local function checkcap(R, cap)
  if cap == 0 then return true end
  local c = redis.call('GET', R .. ':cap')
  if not c then
    redis.call('SET', R .. ':cap', cap)
    return true
  end
  return tonumber(c) == cap
end
local function unqueue(R, id)
  redis.call('ZREM', R .. ':q', id)
  redis.call('ZREM', R .. ':qx', id)
  redis.call('HDEL', R .. ':qm', id)
end
-- grants; an exclusive grant takes the next fencing token (a decimal string; '' for shared)
local function grant(R, id, mode, now, lease, queued)
  if queued then unqueue(R, id) end
  redis.call('ZADD', R .. ':h', now + lease, id)
  local tok = ''
  if mode == 'x' then
    local tk = R .. ':tok'
    local n = redis.call('INCR', tk)
    if n == 1 then
      -- the counter was missing (first use, or a restart that lost the data): start above
      -- every token given before, from the server clock in microseconds
      local t = redis.call('TIME')
      redis.call('SET', tk, t[1] .. string.format('%06d', tonumber(t[2])))
      n = redis.call('INCR', tk)
    end
    tok = string.format('%.0f', n)
  end
  redis.call('HSET', R .. ':hm', id, mode .. ':' .. tok)
  return tok
end
-- Grants the waiters that may now hold, head first, by the same rule as ACQUIRE (eligible at
-- rank 0, after each grant), and tells each with "g<id> <token> <now> <lease>". The first lease
-- lasts no longer than the waiter's place in the queue would have (its last refresh +
-- WAITER_TTL_MS), so a waiter that died while queued blocks the others no longer than before;
-- the new holder renews it at a third of that.
local function handoff(R, cap, pfx, ttl, now)
  while true do
    local id = redis.call('ZRANGE', R .. ':q', 0, 0)[1]
    if not id then return end
    local m = redis.call('HGET', R .. ':qm', id)
    local mode = m and string.sub(m, 1, 1)
    local x = false
    if mode == 'x' or mode == 's' then
      local n, xheld = holders(R)
      if not eligible(R, cap, mode, 0, n, xheld) then return end
      x = redis.call('ZSCORE', R .. ':qx', id)
    end
    if not x then
      -- a queue entry these scripts did not write whole (an edited key): dropped, not granted
      -- (a live waiter's heartbeat queues it again), so that it cannot fail every release
      unqueue(R, id)
    else
      local place = tonumber(x) - now
      -- (an entry queued by an older client holds the mode only: its place bounds the lease)
      local lease = math.min(tonumber(string.sub(m, 2)) or place, place)
      local tok = grant(R, id, mode, now, lease, true)
      notify(pfx, id, 'g' .. id .. ' ' .. tok .. ' ' .. string.format('%.0f', now) .. ' ' .. string.format('%.0f', lease), ttl)
      if mode == 'x' then return end -- it excludes everyone behind it: no need to look
    end
  end
end
`;

/** ARGV: R, id, mode, cap, lease, wait(1/0), waiter ttl, inbox prefix, inbox ttl, steal(1/0), registry set, name.
 * Returns {1, token} granted, {0, '', server ms} not (queued when wait = 1: a later grant comes as
 * a "g" message, its time on the same clock), {-1, cap} a different Semaphore value. */
export const ACQUIRE = `${PRELUDE}
local R, id, mode = ARGV[1], ARGV[2], ARGV[3]
local cap, lease, wait = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local wttl, pfx, ittl, steal = tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]), ARGV[10]
if not checkcap(R, cap) then return {-1, redis.call('GET', R .. ':cap')} end
if ARGV[11] ~= '' then redis.call('SADD', ARGV[11], ARGV[12]) end
local now = nowms()
if redis.call('EXISTS', R .. ':h', R .. ':q') == 0 then
  -- nobody holds it and nobody waits (the uncontended case): granted, nothing to prune
  return {1, grant(R, id, mode, now, lease, false)}
end
local pruned = prune(R, now)
local held = redis.call('HGET', R .. ':hm', id)
if held then
  -- a request that was granted before (a retry): the same grant
  redis.call('ZADD', R .. ':h', now + lease, id)
  return {1, string.sub(held, 3)}
end
if steal == '1' then
  for _, h in ipairs(redis.call('ZRANGE', R .. ':h', 0, -1)) do notify(pfx, h, 's' .. h, ittl) end
  redis.call('DEL', R .. ':h', R .. ':hm')
  return {1, grant(R, id, mode, now, lease, true)}
end
local rank = redis.call('ZRANK', R .. ':q', id)
local queued = rank ~= false
if not queued then rank = redis.call('ZCARD', R .. ':q') end
local n, xheld = holders(R)
if eligible(R, cap, mode, rank, n, xheld) then
  local tok = grant(R, id, mode, now, lease, queued)
  if mode ~= 'x' then handoff(R, cap, pfx, ittl, now) end
  return {1, tok}
end
if wait == '1' then
  if not queued then
    redis.call('ZADD', R .. ':q', redis.call('INCR', R .. ':seq'), id)
    redis.call('HSET', R .. ':qm', id, mode .. lease)
  end
  redis.call('ZADD', R .. ':qx', now + wttl, id)
end
if pruned then handoff(R, cap, pfx, ittl, now) end
return {0, '', now}
`;

/** ARGV: R, id, cap, inbox prefix, inbox ttl. Returns 1 released, 0 not held (lease ran out, or stolen). */
export const RELEASE = `${PRELUDE}
local R, id, cap, pfx, ittl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local now = nowms()
local e = redis.call('ZSCORE', R .. ':h', id)
local had = 0
if e and tonumber(e) > now then had = 1 end
redis.call('ZREM', R .. ':h', id)
redis.call('HDEL', R .. ':hm', id)
-- someone may be let in (or an expired holder be let go) only if someone waits
if redis.call('EXISTS', R .. ':q') == 1 then
  prune(R, now)
  handoff(R, cap, pfx, ittl, now)
end
return had
`;

/** ARGV: R, id, lease, cap, inbox prefix, inbox ttl. Returns 1 extended, 0 lost (it is let go). */
export const EXTEND = `${PRELUDE}
local R, id, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local cap, pfx, ittl = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local now = nowms()
local e = redis.call('ZSCORE', R .. ':h', id)
if e and tonumber(e) > now then
  redis.call('ZADD', R .. ':h', now + lease, id)
  return 1
end
prune(R, now)
redis.call('ZREM', R .. ':h', id)
redis.call('HDEL', R .. ':hm', id)
handoff(R, cap, pfx, ittl, now)
return 0
`;

/** A waiter gives up (timeout, abort): leaves the queue, and lets go a grant it did not see.
 * ARGV: R, id, cap, inbox prefix, inbox ttl. */
export const CANCEL = `${PRELUDE}
local R, id, cap, pfx, ittl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local now = nowms()
prune(R, now)
unqueue(R, id)
redis.call('ZREM', R .. ':h', id)
redis.call('HDEL', R .. ':hm', id)
handoff(R, cap, pfx, ittl, now)
return 1
`;

/** ARGV: R. Returns {live holders, 1 if the holder is exclusive, waiters}. */
export const STATE = `${PRELUDE}
local R = ARGV[1]
local now = nowms()
local n = redis.call('ZCOUNT', R .. ':h', '(' .. now, '+inf')
local x = 0
if n > 0 then
  local first = redis.call('ZRANGEBYSCORE', R .. ':h', '(' .. now, '+inf', 'LIMIT', 0, 1)[1]
  local m = redis.call('HGET', R .. ':hm', first)
  if m and string.sub(m, 1, 1) == 'x' then x = 1 end
end
local w = redis.call('ZCOUNT', R .. ':qx', '(' .. now, '+inf')
return {n, x, w}
`;

/** Web Locks query. ARGV: registry set, resource prefix. Returns a flat list: name, then
 * holders as id/mode pairs, '', then waiters as id/mode pairs (FIFO), '' — per name. */
export const QUERY = `${PRELUDE}
local set, base = ARGV[1], ARGV[2]
local now = nowms()
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', set)) do
  local R = base .. name
  prune(R, now)
  local hs = redis.call('ZRANGE', R .. ':h', 0, -1)
  local qs = redis.call('ZRANGE', R .. ':q', 0, -1)
  if #hs == 0 and #qs == 0 then
    redis.call('SREM', set, name)
  else
    table.insert(out, name)
    for _, id in ipairs(hs) do
      table.insert(out, id)
      table.insert(out, string.sub(redis.call('HGET', R .. ':hm', id), 1, 1))
    end
    table.insert(out, '')
    for _, id in ipairs(qs) do
      table.insert(out, id)
      table.insert(out, qmode(R, id))
    end
    table.insert(out, '')
  end
end
return out
`;

// Event E (prefixed): E:f exists while set; E:g generation, +1 per set; E:w ZSET waiter id -> end of its place.

/** ARGV: E, inbox prefix, inbox ttl. */
export const EVENT_SET = `${PRELUDE}
local E, pfx, ittl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', E .. ':f') == 0 then
  redis.call('SET', E .. ':f', '1')
  redis.call('INCR', E .. ':g')
end
local now = nowms()
redis.call('ZREMRANGEBYSCORE', E .. ':w', '-inf', now)
for _, id in ipairs(redis.call('ZRANGE', E .. ':w', 0, -1)) do notify(pfx, id, 'w' .. E, ittl) end
return 1
`;

/** ARGV: E, id, waiter ttl, generation seen at the start ('' on the first call).
 * Returns {1, g} set (now or since), {0, g} registered as a waiter. */
export const EVENT_WAIT = `${PRELUDE}
local E, id, wttl, g0 = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local g = redis.call('GET', E .. ':g') or '0'
if redis.call('EXISTS', E .. ':f') == 1 or (g0 ~= '' and g ~= g0) then
  redis.call('ZREM', E .. ':w', id)
  return {1, g}
end
local now = nowms()
redis.call('ZREMRANGEBYSCORE', E .. ':w', '-inf', now)
redis.call('ZADD', E .. ':w', now + wttl, id)
return {0, g}
`;
