// The values of the operator-action annotations: `<revision>` or `<revision>.<suffix>`. The
// revision says what the action acts on; any suffix makes a new request for the same revision
// (status.actions remembers the last full value handled, so `3` works once, then `3.2`, `3.3`, …).
import { createHash } from 'node:crypto';
import {
  ReleaseAction as ActionAnnotation,
  type ReleaseAction,
  type ReleaseStatus,
} from '../api.js';
import type { Draft } from './draft.js';

const ACTION_VALUE = /^(\d{1,15})(?:\.([A-Za-z0-9][A-Za-z0-9._-]{0,62}))?$/;

/** The revision an action value names; undefined when the value is malformed. */
export function actionRevision(value: string): number | undefined {
  const m = ACTION_VALUE.exec(value);
  return m === null ? undefined : Number(m[1]);
}

/**
 * The form a handled value is remembered in (status.actions): the value itself, or for an
 * oversized (so malformed) one a digest — status fields are bounded, and it must still compare
 * equal next time so that its Warning is given once.
 */
export function recordedValue(value: string): string {
  if (value.length <= 128) return value;
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}

/**
 * The value to give `action` on the current revision: `3`, or — when `3` was handled already
 * (e.g. before a retry) — the next suffix, `3.2`, `3.3`, ….
 */
export function actionValue(draft: Draft, action: ReleaseAction): string {
  return nextActionValue(draft.status, action);
}

/** {@link actionValue} from status alone (validation has no draft). */
export function nextActionValue(
  status: Pick<ReleaseStatus, 'revision' | 'actions'> | undefined,
  action: ReleaseAction,
): string {
  const n = status?.revision?.number ?? 0;
  const last = status?.actions?.[action];
  if (last === undefined || actionRevision(last) !== n) return String(n);
  const suffix = ACTION_VALUE.exec(last)?.[2];
  const k = suffix !== undefined && /^\d{1,6}$/.test(suffix) ? Number(suffix) + 1 : 2;
  return `${n}.${k}`;
}

/**
 * The command that gives `action` on the current revision, for status messages and events, in
 * one form everywhere so it can be pasted:
 * `kubectl -n prod annotate release/api delivery.latticedb.com/promote=3 --overwrite`.
 */
export function actionHint(draft: Draft, action: ReleaseAction): string {
  return annotateCommand(draft.object, action, actionValue(draft, action));
}

/** `kubectl -n <ns> annotate release/<name> <annotation>=<value> --overwrite`. */
export function annotateCommand(
  object: { readonly namespace: string; readonly name: string },
  action: ReleaseAction,
  value: string,
): string {
  const ns = object.namespace === '' ? '' : `-n ${object.namespace} `;
  return `kubectl ${ns}annotate release/${object.name} ${ActionAnnotation[action]}=${value} --overwrite`;
}
