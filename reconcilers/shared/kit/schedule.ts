// Steps that keep to a schedule (Release canary pauses, FlagRollout holds): a step done at most
// ON_SCHEDULE_MS after its due time counts the next step from that due time, not from when the
// reconcile that did it ran, so reconcile latency (a timer, reads, a status write or two) does not
// add up over a rollout. Later than that (controller down, a gate held) the schedule starts again
// from when the step was done.

export const ON_SCHEDULE_MS = 1_000;

/** Whether a step due at `dueMs` and done at `doneMs` came on schedule. */
export const onSchedule = (dueMs: number | undefined, doneMs: number): dueMs is number =>
  dueMs !== undefined && dueMs <= doneMs && doneMs - dueMs <= ON_SCHEDULE_MS;
