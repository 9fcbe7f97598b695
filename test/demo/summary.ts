// The verdict of a timed run (`--duration`, the CI smoke test): the controller must have
// reconciled every applied object (status.observedGeneration = metadata.generation, so it read
// the current spec and wrote a status for it), and no scenario may have failed. Phases are printed,
// not judged: a kind whose reconciler has not landed yet honestly reports NotImplemented.
import type { ObjectSummary } from './live-view.js';

export interface ScenarioResult {
  readonly scenario: string;
  /** Why it failed; absent when it finished or was stopped. */
  readonly error?: string;
}

/** Prints the verdict and returns the exit code (0 = passed). */
export function reportOutcome(
  objects: readonly ObjectSummary[],
  results: readonly ScenarioResult[],
  out: NodeJS.WritableStream,
): number {
  const unreconciled = objects.filter((o) => o.observedGeneration !== o.generation);
  const failed = results.filter((r) => r.error !== undefined);
  const lines = [
    '',
    'Smoke check (--duration):',
    ...objects.map(
      (o) =>
        `  ${o.observedGeneration === o.generation ? 'ok  ' : 'FAIL'} ${o.kind}/${o.name}: ` +
        `generation ${o.generation}, observed ${o.observedGeneration ?? '<none>'}, ` +
        `phase ${o.phase ?? '<none>'}, ${o.ready ?? 'no Ready condition'}`,
    ),
    ...failed.map((r) => `  FAIL scenario ${r.scenario}: ${r.error ?? ''}`),
  ];
  if (objects.length === 0) lines.push('  FAIL no object was seen');
  const passed = objects.length > 0 && unreconciled.length === 0 && failed.length === 0;
  lines.push(passed ? 'passed' : 'FAILED', '');
  out.write(lines.join('\n'));
  return passed ? 0 : 1;
}
