/**
 * Lua scripts for the flag writes. A script runs atomically, but Redis does not roll back commands
 * a script already ran when a later one fails, so every check (types, version) comes before the
 * first write. All keys are passed as KEYS so a custom prefix (including a Cluster hash tag such
 * as `{latticedb}:flags:`) works.
 */

/**
 * The checks both flag writes start with, before any write: KEYS[1] is a hash (or absent), KEYS[3]
 * a set (or absent), and the flag's version equals ARGV[1]; otherwise returns {0, currentVersion}.
 * Leaves `htype` (the flag key's type) and `current` (its version) in scope for the write.
 */
const CHECK_TYPES_AND_VERSION = `local htype = redis.call('TYPE', KEYS[1]).ok
if htype ~= 'hash' and htype ~= 'none' then
  return redis.error_reply('WRONGTYPE flag key ' .. KEYS[1] .. ' holds a ' .. htype)
end
local itype = redis.call('TYPE', KEYS[3]).ok
if itype ~= 'set' and itype ~= 'none' then
  return redis.error_reply('WRONGTYPE index key ' .. KEYS[3] .. ' holds a ' .. itype)
end
local current = 0
if htype == 'hash' then
  local v = redis.call('HGET', KEYS[1], 'version')
  if v and string.match(v, '^%d+$') then current = tonumber(v) end
end
if current ~= tonumber(ARGV[1]) then
  return {0, current}
end`;

/**
 * KEYS: 1 flag hash, 2 targets set, 3 index set.
 * ARGV: 1 expected version, 2 flag name, 3 channel, 4 enabled, 5 percentage, 6 salt, 7 updatedAt,
 *       8 updatedBy, 9 killSwitch, 10.. targeted user ids.
 * Returns {1, newVersion} or {0, currentVersion}.
 */
export const COMPARE_AND_SET_LUA = `
${CHECK_TYPES_AND_VERSION}
${writeFlag(10)}
return {1, nextVersion}
`;

/** The flag write of both scripts; targeted user ids are ARGV[targetsFrom..]. */
function writeFlag(targetsFrom: number): string {
  return `local nextVersion = current + 1
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'enabled', ARGV[4], 'percentage', ARGV[5], 'salt', ARGV[6],
  'version', nextVersion, 'updatedAt', ARGV[7], 'updatedBy', ARGV[8], 'killSwitch', ARGV[9])
-- SADD in chunks: unpack() of thousands of values would overflow the Lua C stack.
for i = ${targetsFrom}, #ARGV, 1000 do
  redis.call('SADD', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('PUBLISH', ARGV[3], cjson.encode({ op = 'set', flag = ARGV[2], version = nextVersion }))`;
}

/**
 * The compare-and-set of a hand-over plus the new rollout info, atomically: no reconcile can see
 * the CLI's write with the old owner's claim (it would put its state back) or the reverse.
 * KEYS: 1 flag hash, 2 targets set, 3 index set, 4 rollout hash.
 * ARGV: 1..9 as COMPARE_AND_SET_LUA, 10 new owner, 11 its phase, 12.. targeted user ids.
 * Returns {1, newVersion} or {0, currentVersion}.
 */
export const HAND_OVER_LUA = `
local rtype = redis.call('TYPE', KEYS[4]).ok
if rtype ~= 'hash' and rtype ~= 'none' then
  return redis.error_reply('WRONGTYPE rollout key ' .. KEYS[4] .. ' holds a ' .. rtype)
end
${CHECK_TYPES_AND_VERSION}
${writeFlag(12)}
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[4], 'owner', ARGV[10], 'phase', ARGV[11], 'step', '0', 'stepCount', '0',
  'updatedAt', ARGV[7])
return {1, nextVersion}
`;

/**
 * KEYS: 1 flag hash, 2 targets set, 3 index set, 4 rollout hash.
 * ARGV: 1 expected version, 2 flag name, 3 channel.
 * Returns {1, 0} or {0, currentVersion}.
 */
export const DELETE_LUA = `
${CHECK_TYPES_AND_VERSION}
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('SREM', KEYS[3], ARGV[2])
if htype == 'hash' then
  redis.call('PUBLISH', ARGV[3], cjson.encode({ op = 'delete', flag = ARGV[2], version = 0 }))
end
return {1, 0}
`;

/**
 * KEYS: 1 kill-switch string. ARGV: 1 "1" (activate) or "0" (clear), 2 group, 3 channel.
 * An active switch is stored as "1"; a cleared one is deleted.
 */
export const SET_KILL_SWITCH_LUA = `
if ARGV[1] == '1' then
  redis.call('SET', KEYS[1], '1')
else
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[3], cjson.encode({ op = 'kill-switch', group = ARGV[2], active = ARGV[1] == '1' }))
return 1
`;
