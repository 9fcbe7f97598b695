// Adoption: the first start of a rollout (no step in status) on a flag that already serves users.
// That happens in production without anyone meaning to restart a ramp: a FlagRollout deleted with
// `deletionPolicy: Retain` and re-created by Argo CD / Flux, a cluster restored from a backup
// (Velero does not restore status), a CLI-managed flag put under a FlagRollout. Starting at step 0
// would take the feature away from the users who have it, so the rollout starts at the highest step
// whose percentage is not above the served split, with that step's hold (and analysis) from now.
//
// Between two steps (30 % with steps 0/5/25/50/100) it starts at the lower step (25 %) and keeps
// serving 30 % until that step's hold passes, then promotes to 50 %: `status.adopted` makes that
// step's split max(step, adopted) (draft.ts `stepPercentage`), so nothing is ever written lower.
//
// Not adopted (the normal start at step 0 applies): a flag that is missing, unreadable, disabled,
// at 0 % or killed by its kill switch (nobody is served). A flag killed at the first reconcile is
// not started at all (modes.ts: nothing is written while killed); the start, and so the adoption
// decision, happens once the switch is cleared, on what the flag then serves.
// A flag bucketed with another salt than the spec's is not adopted either: the spec's salt puts a
// different population in the same split, so "keeping 30 %" would in fact switch most of the users
// who have the feature off and as many new ones on, without a hold or analysis. The rollout then
// starts at step 0 with the spec's salt and says why (Warning `NotAdopted`).
import type { EventSpec } from '../../../controller/index.js';
import { percentToBasisPoints } from '../../../flags/model.js';
import { FlagRolloutReason } from '../api.js';
import type { Ctx } from './draft.js';
import { Ownership } from './flag-content.js';

export type AdoptionPlan =
  | { readonly adopt: true; readonly step: number; readonly percentage: number }
  | { readonly adopt: false; readonly refused: EventSpec };

/** How the first start treats the observed flag; undefined: it serves nobody, start at step 0. */
export function adoptionOf(ctx: Ctx): AdoptionPlan | undefined {
  const record = ctx.flag.record;
  const readable = ctx.ownership === Ownership.Ours || ctx.ownership === Ownership.External;
  const serving = readable && record?.enabled === true && record.basisPoints > 0 && !ctx.killed;
  if (!serving) return undefined;
  const served = record.basisPoints / 100;
  const salt = ctx.spec.salt ?? ctx.spec.flag;
  if (record.salt !== salt) {
    return {
      adopt: false,
      refused: {
        type: 'Warning',
        reason: FlagRolloutReason.NotAdopted,
        message:
          `flag ${ctx.spec.flag} serves ${served} % with salt "${record.salt}", the spec's salt is ` +
          `"${salt}": another salt puts other users in the split, so the flag is not adopted; ` +
          `starting at step 1/${ctx.spec.steps.length} with the spec's salt`,
      },
    };
  }
  const step = highestStepWithin(ctx, record.basisPoints);
  return step === undefined ? undefined : { adopt: true, step, percentage: served };
}

/** The highest step whose split is not above `basisPoints` (steps never decrease). */
function highestStepWithin(ctx: Ctx, basisPoints: number): number | undefined {
  let found: number | undefined;
  ctx.spec.steps.forEach((s, i) => {
    if (percentToBasisPoints(s.percentage) <= basisPoints) found = i;
  });
  return found;
}

/** `adopted the flag at 30 % (step 3/5)`, and why 30 % stays when the step is lower. */
export function adoptionNote(
  ctx: Ctx,
  plan: { readonly step: number; readonly percentage: number },
): string {
  const at = `adopted the flag at ${plan.percentage} % (step ${plan.step + 1}/${ctx.spec.steps.length})`;
  const own = ctx.spec.steps[plan.step]?.percentage ?? 0;
  if (own === plan.percentage) return at;
  return `${at}: kept above the step's ${own} % until its hold passes`;
}

/** `flag x (version 4, written by cli:alice)` */
export function adoptedFrom(ctx: Ctx): string {
  const by = ctx.flag.record?.updatedBy || 'an unknown writer';
  return `flag ${ctx.spec.flag} (version ${ctx.flag.version}, written by ${by})`;
}
