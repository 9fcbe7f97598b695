-- Argo CD health of a latticedb Release, from the controller's status: Degraded when the revision
-- ended badly (rolled back, aborted, failed, frozen) or the object is Stalled, Suspended while it
-- waits for a person (a pause step, an approval, an inconclusive analysis, spec.suspend),
-- Healthy when Ready, else Progressing. A status older than the spec is Progressing.
local hs = {}
local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then return c end
  end
  return nil
end
local function said(default)
  if obj.status.message ~= nil and obj.status.message ~= "" then return obj.status.message end
  return default
end
if obj.status == nil or obj.status.observedGeneration == nil
  or obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(obj.metadata.generation)
  return hs
end
local phase = obj.status.phase
if phase == "RolledBack" or phase == "Aborted" or phase == "Failed" or phase == "Frozen" then
  hs.status = "Degraded"
  hs.message = phase .. ": " .. said("no message")
  return hs
end
local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.reason .. ": " .. stalled.message
  return hs
end
local paused = condition("Paused")
if phase == "Paused" or phase == "AwaitingApproval" or (paused ~= nil and paused.status == "True") then
  hs.status = "Suspended"
  hs.message = said("Paused")
  return hs
end
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = said("Healthy")
  return hs
end
hs.status = "Progressing"
hs.message = said(phase or "Progressing")
return hs
