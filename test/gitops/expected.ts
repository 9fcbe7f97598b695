// The health each captured state must get from the shipped Argo CD health.lua and the documented
// Flux healthCheckExprs. Fixtures are captured by test/integration/gitops/capture.int.test.ts
// (LATTICEDB_WRITE_GITOPS_FIXTURES=true writes them to test/gitops/fixtures/<name>.json).
import { readFileSync } from 'node:fs';
import type { ArgoHealth, FluxHealth, KubeObject, LatticeKind } from './harness.js';

export interface ExpectedHealth {
  readonly kind: LatticeKind;
  readonly argo: ArgoHealth;
  readonly flux: FluxHealth;
}

export const EXPECTED = {
  'release-mid-canary': { kind: 'Release', argo: 'Progressing', flux: 'InProgress' },
  'release-paused': { kind: 'Release', argo: 'Suspended', flux: 'InProgress' },
  'release-awaiting-approval': { kind: 'Release', argo: 'Suspended', flux: 'InProgress' },
  'release-aborted': { kind: 'Release', argo: 'Degraded', flux: 'Failed' },
  'release-rolled-back': { kind: 'Release', argo: 'Degraded', flux: 'Failed' },
  'release-stalled': { kind: 'Release', argo: 'Degraded', flux: 'Failed' },
  'release-healthy': { kind: 'Release', argo: 'Healthy', flux: 'Current' },
  'release-spec-not-yet-observed': { kind: 'Release', argo: 'Progressing', flux: 'InProgress' },
  'flagrollout-holding': { kind: 'FlagRollout', argo: 'Progressing', flux: 'InProgress' },
  'flagrollout-paused': { kind: 'FlagRollout', argo: 'Suspended', flux: 'InProgress' },
  'flagrollout-disabled': { kind: 'FlagRollout', argo: 'Degraded', flux: 'Failed' },
  'flagrollout-killed': { kind: 'FlagRollout', argo: 'Degraded', flux: 'InProgress' },
  'flagrollout-rolled-back': { kind: 'FlagRollout', argo: 'Degraded', flux: 'Failed' },
  'flagrollout-complete': { kind: 'FlagRollout', argo: 'Healthy', flux: 'Current' },
  'failoverplan-standby-not-ready': { kind: 'FailoverPlan', argo: 'Degraded', flux: 'Failed' },
} as const satisfies Record<string, ExpectedHealth>;

export type FixtureName = keyof typeof EXPECTED;

export const FIXTURE_DIR = new URL('./fixtures/', import.meta.url);

export function readFixture(name: FixtureName): KubeObject {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURE_DIR), 'utf8')) as KubeObject;
}
