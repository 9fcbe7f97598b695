// Semantic validation of a FailoverPlan beyond what the CRD schema enforces (and all of it again,
// as defence in depth when an older CRD is installed). Pure; errors name the exact field.
import type { HttpCheck } from '../shared/api/http-check.js';
import { validateSpec, type FieldError } from '../shared/api/validation.js';
import { validateHttpCheck } from '../shared/checks/index.js';
import { FailoverPlanSpec, type FailoverPlan } from './api.js';

export function validateFailoverPlan(plan: Pick<FailoverPlan, 'spec'>): FieldError[] {
  return validateSpec(FailoverPlanSpec, plan.spec, (spec) => [
    ...dnsLoopErrors(spec),
    ...duplicateCheckNames(spec.healthChecks ?? [], 'spec.healthChecks'),
    ...duplicateCheckNames(spec.validation ?? [], 'spec.validation'),
    ...(spec.healthChecks ?? []).flatMap((c, i) => validateHttpCheck(c, `spec.healthChecks[${i}]`)),
    ...(spec.validation ?? []).flatMap((c, i) => validateHttpCheck(c, `spec.validation[${i}]`)),
    ...restoreValidationErrors(spec),
    // A failover to zero tasks would move DNS to a region that serves nothing.
    ...(spec.secondary.desiredCount === 0
      ? [
          {
            field: 'spec.secondary.desiredCount',
            message: 'must be at least 1: the secondary serves all traffic after failing over',
          },
        ]
      : []),
  ]);
}

const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '');

// A CNAME that points at itself makes the name unresolvable in both regions.
function dnsLoopErrors(spec: FailoverPlanSpec): FieldError[] {
  const record = bare(spec.dns.recordName);
  return (['primaryValue', 'secondaryValue'] as const).flatMap((key) =>
    bare(spec.dns[key]) === record
      ? [{ field: `spec.dns.${key}`, message: 'must not be the record name itself (a CNAME loop)' }]
      : [],
  );
}

// Check names appear in status and events; two checks with one name would be indistinguishable.
function duplicateCheckNames(checks: readonly HttpCheck[], path: string): FieldError[] {
  const seen = new Set<string>();
  return checks.flatMap((check, i) => {
    if (check.name === undefined) return [];
    const duplicate = seen.has(check.name);
    seen.add(check.name);
    return duplicate
      ? [{ field: `${path}[${i}].name`, message: `Duplicate value: "${check.name}"` }]
      : [];
  });
}

const RESTORE_CHECKS = 'spec.safeMode.restore.validation.httpChecks';

// The restore's validation: its checks as the other checks; something to validate with.
function restoreValidationErrors(spec: FailoverPlanSpec): FieldError[] {
  const v = spec.safeMode?.restore?.validation;
  if (v === undefined) return [];
  const checks = v.httpChecks ?? [];
  return [
    ...duplicateCheckNames(checks, RESTORE_CHECKS),
    ...checks.flatMap((c, i) => validateHttpCheck(c, `${RESTORE_CHECKS}[${i}]`)),
    ...(checks.length === 0 && v.task === undefined
      ? [
          {
            field: 'spec.safeMode.restore.validation',
            message: 'needs httpChecks or a task (an empty validation would pass with no data)',
          },
        ]
      : []),
  ];
}
