-- Which Release actions make sense now (the others are shown disabled). The controller ignores
-- an action that does not apply with a Warning event, so this only spares people a no-op.
local actions = {}
local s = obj.status or {}
local phase = s.phase or "Pending"
local hasRevision = s.revision ~= nil
local ended = phase == "RolledBack" or phase == "Aborted" or phase == "Failed" or phase == "Frozen"
local inFlight = hasRevision and not ended and phase ~= "Healthy" and phase ~= "Pending"
-- The current attempt's hold; a status written before status.attempt has it at the top level.
local attempt = s.attempt or s
local waiting = attempt.pause ~= nil
local awaitingApproval = waiting and attempt.pause.reason == "AwaitingApproval"
actions["promote"] = { disabled = not (inFlight and phase ~= "RollingBack") }
actions["approve"] = { disabled = not (inFlight and awaitingApproval) }
actions["abort"] = { disabled = not ((inFlight and phase ~= "RollingBack") or phase == "Frozen") }
actions["retry"] = { disabled = not (ended or s.pinnedSpecHash ~= nil) }
-- Healthy: rollback ships the stable revision before this one (revision 0 is what the service ran
-- when the controller first saw it).
actions["rollback"] = { disabled = not (hasRevision and phase ~= "RollingBack" and phase ~= "Pending"
  and (phase ~= "Healthy" or s.revision.number >= 1)) }
return actions
