// Canary steps: the spec's list, or the playbook shorthand expanded (initial 5 %, +10 % every
// 10 min → setWeight 5, pause 10m, setWeight 15, …). Promotion to 100 % after the last step is
// implicit (stage Switch), so a shorthand capped below 100 % still ends fully promoted.
import { parseDuration } from '../../../controller/index.js';
import type { CanaryStrategy } from '../api.js';

export type PlanStep =
  | { readonly kind: 'setWeight'; readonly weight: number }
  | { readonly kind: 'pause'; readonly durationMs?: number }
  | { readonly kind: 'analysis'; readonly metrics?: readonly string[] };

/** The fast path (rollbackWindow, rollback action): all traffic at once, then promotion. */
const FAST: readonly PlanStep[] = [{ kind: 'setWeight', weight: 100 }];

export function canarySteps(canary: CanaryStrategy, fastPath: boolean): readonly PlanStep[] {
  if (fastPath) return FAST;
  if (canary.steps !== undefined) return canary.steps.map(toPlanStep);
  return expandShorthand(canary);
}

function toPlanStep(step: NonNullable<CanaryStrategy['steps']>[number]): PlanStep {
  if (step.setWeight !== undefined) return { kind: 'setWeight', weight: step.setWeight };
  if (step.pause !== undefined) {
    const draft = step.pause.duration;
    return draft === undefined
      ? { kind: 'pause' }
      : { kind: 'pause', durationMs: parseDuration(draft) };
  }
  const metrics = step.analysis?.metrics;
  return metrics === undefined ? { kind: 'analysis' } : { kind: 'analysis', metrics };
}

/** initialWeight, +stepWeight … up to maxWeight (default 100), a stepInterval pause after each below 100. */
export function expandShorthand(canary: CanaryStrategy): PlanStep[] {
  const initial = canary.initialWeight ?? 0;
  const step = canary.stepWeight ?? 0;
  const max = canary.maxWeight ?? 100;
  const intervalMs = parseDuration(canary.stepInterval ?? '0s');
  const weights: number[] = [];
  if (step <= 0) weights.push(Math.min(initial, max));
  else for (let w = initial; w < max; w += step) weights.push(w);
  if (weights.at(-1) !== max) weights.push(max);
  return weights.flatMap((weight): PlanStep[] =>
    weight < 100
      ? [
          { kind: 'setWeight', weight },
          { kind: 'pause', durationMs: intervalMs },
        ]
      : [{ kind: 'setWeight', weight }],
  );
}

/**
 * `3/7`: the step in progress, counted from 1 as every message and event counts it (`step 3:
 * pausing…`), of steps in total, for the STEP column; `7/7` once all are done.
 */
export const stepDisplay = (index: number, count: number): string =>
  `${Math.min(index + 1, count)}/${count}`;

/** The analysis steps of the list run their own gates; without any, spec.analysis runs in the background. */
export const hasAnalysisSteps = (steps: readonly PlanStep[]): boolean =>
  steps.some((s) => s.kind === 'analysis');

/** The first step's weight, the canary task set's initial scale (at least 1 %). */
export function initialScale(steps: readonly PlanStep[]): number {
  const first = steps.find((s) => s.kind === 'setWeight');
  return Math.max(1, first?.kind === 'setWeight' ? first.weight : 100);
}
