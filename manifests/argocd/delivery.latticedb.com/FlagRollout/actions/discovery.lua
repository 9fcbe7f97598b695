-- FlagRollout actions: pause/resume toggle spec.suspend, disable/enable toggle spec.enabled
-- (the emergency disable: the flag is off for everyone in the next reconcile).
local actions = {}
local spec = obj.spec or {}
local suspended = spec.suspend == true
local disabled = spec.enabled == false
actions["pause"] = { disabled = suspended }
actions["resume"] = { disabled = not suspended }
actions["disable"] = { disabled = disabled }
actions["enable"] = { disabled = not disabled }
return actions
