-- FailoverPlan actions: failover to the secondary region, failback to the primary one.
local actions = {}
local onSecondary = obj.spec.activeRegion == obj.spec.secondary.region
actions["failover"] = { disabled = onSecondary }
actions["failback"] = { disabled = not onSecondary }
return actions
