-- Argo CD health of a latticedb FlagRollout: Degraded when rolled back, killed by the kill switch
-- or Stalled (which includes an emergency disable, spec.enabled: false, and a flag disabled by
-- someone else: a person has to turn it back on); Suspended while paused (spec.suspend); Healthy
-- when Ready (Complete); else Progressing.
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
local stalled = condition("Stalled")
if phase == "RolledBack" or phase == "KilledBySwitch" or (stalled ~= nil and stalled.status == "True") then
  hs.status = "Degraded"
  hs.message = (phase or "Stalled") .. ": " .. said("no message")
  return hs
end
if phase == "Paused" or phase == "Disabled" then
  hs.status = "Suspended"
  hs.message = said(phase)
  return hs
end
local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = said("Complete")
  return hs
end
hs.status = "Progressing"
hs.message = said(phase or "Progressing")
return hs
