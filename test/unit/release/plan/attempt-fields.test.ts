// Every field of ReleaseStatus is either state of one delivery attempt — cleared (or restarted)
// when a new revision or a retry begins (`resetAttempt`) — or state of the Release, kept across
// attempts. The lists below must name every field of the schema: a field added to the status
// fails here until someone decides which it is, so a per-attempt field cannot survive into the
// next attempt unnoticed (as `promotedGate` once did).
import { describe, expect, it } from 'vitest';
import { ReleaseStatus } from '../../../../reconcilers/release/api.js';
import { createDraft } from '../../../../reconcilers/release/plan/draft.js';
import { resetAttempt } from '../../../../reconcilers/release/plan/revision.js';
import type { ReleaseState } from '../../../../reconcilers/release/plan/index.js';
import { canarySpec, NOW, OBJECT, service } from './fixtures.js';

/** Cleared by a new attempt. */
const PER_ATTEMPT = [
  'outcome',
  'rollback',
  'pause',
  'currentStepIndex',
  'stepCount',
  'step',
  'nextStepAt',
  'stepStartedAt',
  'weightChangedAt',
  'analysis',
  'serviceUpdatedAt',
  'promotedGate',
  'smoke',
  'postDeployment',
  'preflight',
];

/** Set afresh by a new attempt. */
const RESTARTED = ['stage', 'currentWeight', 'progressStartedAt', 'lastProgressAt'];

/** The Release's own, kept across attempts (the revision's, its history, what is deployed). */
const PER_RELEASE = [
  'observedGeneration',
  'conditions',
  'phase',
  'message',
  'history',
  'strategy',
  'revision',
  'stableRevision',
  'canaryRevision',
  'stableHistory',
  'lastWrite',
  'serviceClaim',
  'imageTag',
  // The revision's migration: a retry runs it again as a new attempt of its own
  // (`migration.attempt`); a new revision deletes it (startRevision).
  'migration',
  'actions',
  'deploymentLog',
  'stableTargetGroupArn',
  'trafficRouting',
  'retiring',
  'maintenanceFlagsLeftOn',
  'pinnedSpecHash',
];

describe('ReleaseStatus: per-attempt state is cleared by a new attempt', () => {
  it('every status field is classified (per attempt, restarted, or the Release’s own)', () => {
    expect([...PER_ATTEMPT, ...RESTARTED, ...PER_RELEASE].sort()).toEqual(
      Object.keys(ReleaseStatus.properties).sort(),
    );
  });

  it('resetAttempt clears the per-attempt fields, restarts the clock fields, keeps the rest', () => {
    // Every field set to a marker of its own: the reset must not care what the values are.
    const status = Object.fromEntries(
      Object.keys(ReleaseStatus.properties).map((key) => [key, `marker:${key}`]),
    ) as unknown as ReleaseState;
    const draft = createDraft({
      object: OBJECT,
      spec: canarySpec(),
      status,
      annotations: {},
      observed: { service: service() },
      now: NOW,
    });
    resetAttempt(draft);
    const after = draft.status as unknown as Record<string, unknown>;
    for (const key of PER_ATTEMPT) expect(after, key).not.toHaveProperty(key);
    for (const key of RESTARTED) expect(after[key], key).not.toBe(`marker:${key}`);
    expect(after['stage']).toBe('Cleanup');
    for (const key of PER_RELEASE) expect(after[key], key).toBe(`marker:${key}`);
  });
});
