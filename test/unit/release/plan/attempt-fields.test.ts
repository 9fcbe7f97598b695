// Every field of ReleaseStatus is either state of the Release, kept across attempts, or state of
// one delivery attempt — and then it lives inside `status.attempt`, which a new revision or a retry
// replaces whole (`resetAttempt`). The list below must name every top-level field: a field added
// to the status fails here until someone decides which it is, and a field added to the attempt is
// cleared by the next attempt with no code to remember it (as `promotedGate` once was not).
import { describe, expect, it } from 'vitest';
import { toRfc3339 } from '../../../../controller/index.js';
import {
  LEGACY_ATTEMPT_FIELDS,
  ReleaseAttempt,
  ReleaseStatus,
  StoredReleaseStatus,
} from '../../../../reconcilers/release/api.js';
import { createDraft } from '../../../../reconcilers/release/plan/draft.js';
import { resetAttempt } from '../../../../reconcilers/release/plan/revision.js';
import { canarySpec, NOW, OBJECT, service } from './fixtures.js';

/** Set afresh by a new attempt, but kept at the top level (api.ts says why). */
const RESTARTED = ['stage', 'currentWeight'];

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

const marked = (keys: readonly string[]): Record<string, string> =>
  Object.fromEntries(keys.map((key) => [key, `marker:${key}`]));

function reset(status: Record<string, unknown>): Record<string, unknown> {
  const draft = createDraft({
    object: OBJECT,
    spec: canarySpec(),
    status: status,
    annotations: {},
    observed: { service: service() },
    now: NOW,
  });
  resetAttempt(draft);
  return draft.status as unknown as Record<string, unknown>;
}

describe('ReleaseStatus: per-attempt state lives in status.attempt, replaced by a new attempt', () => {
  it('every top-level status field is the attempt, restarted, or the Release’s own', () => {
    expect(['attempt', ...RESTARTED, ...PER_RELEASE].sort()).toEqual(
      Object.keys(ReleaseStatus.properties).sort(),
    );
  });

  it('no field is both the attempt’s and the Release’s', () => {
    const attempt = Object.keys(ReleaseAttempt.properties);
    expect(attempt.filter((key) => [...RESTARTED, ...PER_RELEASE].includes(key))).toEqual([]);
  });

  it('resetAttempt replaces the attempt whole, restarts stage and weight, keeps the rest', () => {
    // Every field set to a marker of its own — and a field the attempt schema does not have yet,
    // standing for one added later: the reset must not care what the fields are.
    const attempt = { ...marked(Object.keys(ReleaseAttempt.properties)), addedLater: 'marker' };
    const after = reset({ ...marked([...RESTARTED, ...PER_RELEASE]), attempt });
    expect(after['attempt']).toEqual({
      progressStartedAt: toRfc3339(NOW),
      lastProgressAt: toRfc3339(NOW),
    });
    expect(after['stage']).toBe('Cleanup');
    expect(after['currentWeight']).toBe(0);
    for (const key of PER_RELEASE) expect(after[key], key).toBe(`marker:${key}`);
  });

  it('the CRD still declares the top-level fields earlier versions wrote (upgrade: not pruned)', () => {
    const stored = Object.keys(StoredReleaseStatus.properties);
    for (const key of LEGACY_ATTEMPT_FIELDS) {
      expect(stored, key).toContain(key);
      expect(Object.keys(ReleaseAttempt.properties), key).toContain(key);
      expect(Object.keys(ReleaseStatus.properties), key).not.toContain(key);
    }
  });
});
