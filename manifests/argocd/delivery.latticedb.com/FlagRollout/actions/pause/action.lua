-- Argo CD action "pause" on a latticedb FlagRollout: spec.suspend = true. With automated sync and
-- selfHeal, Argo CD puts Git's value back; change Git for a lasting change.
if obj.spec == nil then obj.spec = {} end
obj.spec.suspend = true
return obj
