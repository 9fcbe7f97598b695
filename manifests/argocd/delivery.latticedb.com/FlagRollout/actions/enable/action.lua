-- Argo CD action "enable" on a latticedb FlagRollout: spec.enabled = true. With automated sync and
-- selfHeal, Argo CD puts Git's value back; change Git for a lasting change.
if obj.spec == nil then obj.spec = {} end
obj.spec.enabled = true
return obj
