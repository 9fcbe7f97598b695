-- Argo CD health of a latticedb FailoverPlan from the kstatus conditions: a status older than the spec
-- is Progressing, Stalled (or phase Degraded) is Degraded, spec.suspend is Suspended, Ready is Healthy, else Progressing.
local hs = {}
local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then return c end
  end
  return nil
end
if obj.status == nil or obj.status.observedGeneration == nil
  or obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(obj.metadata.generation)
  return hs
end
local stalled = condition("Stalled")
if obj.status.phase == "Degraded" or (stalled ~= nil and stalled.status == "True") then
  hs.status = "Degraded"
  hs.message = (stalled ~= nil and (stalled.reason .. ": " .. stalled.message)) or (obj.status.message or "Degraded")
  return hs
end
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true"
  return hs
end
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
local reconciling = condition("Reconciling")
hs.status = "Progressing"
hs.message = (reconciling ~= nil and reconciling.message) or (obj.status.phase or "Progressing")
return hs
