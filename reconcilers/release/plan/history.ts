// Everything that happens to a revision is told twice: as an Event and as a bounded
// `status.history` entry (from/to phase, reason, message); a finished revision also gets a
// deployment-log line, as the playbook's DEPLOYMENT_LOG.md.
import { appendBounded } from '../../shared/api/history.js';
import { MAX_HISTORY } from '../../shared/api/history.js';
import {
  MAX_DEPLOYMENT_LOG,
  StrategyName,
  type DeploymentOutcome,
  type ReleaseSpec,
} from '../api.js';
import { nowIso, parseTime, type Draft } from './draft.js';
import { derivePhase } from './phase.js';

const MAX_MESSAGE = 1024;

/**
 * `text` within the 1024 characters the CRD allows for status messages (history, rollback, check
 * results): the apiserver refuses a status patch with a longer one (422) and the whole write is lost.
 */
export const bounded = (text: string): string =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;

/** An Event plus a history entry whose `to` is the phase the status now derives. */
export function note(
  draft: Draft,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): void {
  const text = bounded(message);
  draft.events.push({ type, reason, message: text });
  const history = draft.status.history ?? [];
  const from = history.at(-1)?.to;
  const to = derivePhase(draft.status, draft.observed.service === null);
  draft.status.history = appendBounded(
    history,
    { time: nowIso(draft), ...(from === undefined ? {} : { from }), to, reason, message: text },
    MAX_HISTORY,
  );
  draft.status.phase = to;
}

export function strategyName(spec: ReleaseSpec): StrategyName {
  if (spec.strategy.canary !== undefined) return StrategyName.Canary;
  if (spec.strategy.blueGreen !== undefined) return StrategyName.BlueGreen;
  return StrategyName.Rolling;
}

/** The tag (or short digest) of an image reference, for the IMAGE column and the log. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1, at + 1 + 'sha256:'.length + 12);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

const OUTCOME_WORDS: Record<DeploymentOutcome, string> = {
  Succeeded: 'succeeded',
  RolledBack: 'rolled back',
  Aborted: 'aborted',
  Failed: 'failed',
  Frozen: 'frozen',
  Superseded: 'superseded',
};

/** An outcome as words in a sentence (`rolled back`, not `rolledback`). */
export function outcomeWords(outcome: DeploymentOutcome): string {
  return OUTCOME_WORDS[outcome];
}

/** Appends the deployment-log line of the finished `status.revision`. */
export function logDeployment(draft: Draft, outcome: DeploymentOutcome, message: string): void {
  const revision = draft.status.revision;
  if (revision === undefined) return;
  const started = parseTime(draft.status.attempt.progressStartedAt) ?? draft.now.getTime();
  draft.status.deploymentLog = appendBounded(
    draft.status.deploymentLog,
    {
      time: nowIso(draft),
      revision: revision.number,
      image: revision.image,
      outcome,
      durationSeconds: Math.max(0, Math.round((draft.now.getTime() - started) / 1000)),
      strategy: strategyName(draft.spec),
      message: bounded(message),
    },
    MAX_DEPLOYMENT_LOG,
  );
}
