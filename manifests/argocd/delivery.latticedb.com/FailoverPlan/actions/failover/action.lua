-- Argo CD action "failover" on a latticedb FailoverPlan: spec.activeRegion = spec.secondary.region (the
-- schema's way to ask for a switch). With automated sync and selfHeal, Argo CD puts Git's value
-- back; change Git for a lasting change.
obj.spec.activeRegion = obj.spec.secondary.region
return obj
