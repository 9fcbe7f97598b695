-- Argo CD action "failback" on a latticedb FailoverPlan: spec.activeRegion = spec.primary.region (the
-- schema's way to ask for a switch). With automated sync and selfHeal, Argo CD puts Git's value
-- back; change Git for a lasting change.
obj.spec.activeRegion = obj.spec.primary.region
return obj
