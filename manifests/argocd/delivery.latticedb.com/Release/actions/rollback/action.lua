-- Argo CD action "rollback" on a latticedb Release: sets the annotation
-- delivery.latticedb.com/rollback=<revision>[.<n>] for the current revision (status.revision.number).
-- The controller handles a value once (status.actions.rollback remembers it), so when that revision's
-- value was used already the next suffix is chosen (3 → 3.2 → 3.3), as the status message says.
local action = "rollback"
if obj.status == nil or obj.status.revision == nil then
  error("the Release has no revision yet: nothing to rollback", 0)
end
local n = string.format("%d", obj.status.revision.number)
local value = n
local last = obj.status.actions and obj.status.actions[action]
if last ~= nil then
  local rev, suffix = string.match(last, "^(%d+)%.?(.*)$")
  if rev == n then
    local k = tonumber(suffix)
    if suffix ~= nil and string.match(suffix, "^%d+$") and k ~= nil then
      value = n .. "." .. string.format("%d", k + 1)
    else
      value = n .. ".2"
    end
  end
end
if obj.metadata.annotations == nil then obj.metadata.annotations = {} end
obj.metadata.annotations["delivery.latticedb.com/" .. action] = value
return obj
