// Executes the one action the decision chose, through the store opened for this reconcile: the
// flag's compare-and-set (its answer goes back to the decision: the version written, a conflict,
// a refusal), or the rollout info for `latticedb-flags report`. Neither tells an Event of its
// own: the decision's Events say why the flag was written.
import { InvalidFlagInputError } from '../../flags/model.js';
import type { FlagStore, WriteResult } from '../../flags/store.js';
import type { Acted, Io } from '../shared/kit/index.js';
import type { Action, ActionResult, WriteFlag } from './plan/index.js';
import type { RolloutDeps, RolloutObject } from './ports.js';

export async function act(
  action: Action,
  obj: RolloutObject,
  store: FlagStore,
  deps: Pick<RolloutDeps, 'metrics'>,
  io: Io,
): Promise<Acted<ActionResult>> {
  // Lost leadership (or a reconcile timeout) since observing: another replica may be writing.
  io.signal.throwIfAborted();
  switch (action.type) {
    case 'writeFlag':
      return { result: await writeFlag(store, obj.spec.flag, action, deps, io) };
    case 'publishRolloutInfo':
      await store.writeRolloutInfo(obj.spec.flag, action.info);
      return { result: { type: 'published' } };
  }
}

async function writeFlag(
  store: FlagStore,
  flag: string,
  action: WriteFlag,
  deps: Pick<RolloutDeps, 'metrics'>,
  io: Io,
): Promise<ActionResult> {
  let result: WriteResult;
  try {
    result = await store.compareAndSet(flag, action.expectedVersion, action.next);
  } catch (err) {
    if (err instanceof InvalidFlagInputError) return { type: 'refused', problem: err.message };
    throw err;
  }
  if (!result.ok) {
    deps.metrics.casConflict();
    io.log?.info(
      { flag, expected: action.expectedVersion, current: result.conflict.currentVersion },
      'flag changed since observed',
    );
    return { type: 'conflict', currentVersion: result.conflict.currentVersion };
  }
  deps.metrics.flagWritten(action.reason);
  io.log?.info({ flag, version: result.version, reason: action.reason }, 'flag written');
  return { type: 'written', version: result.version };
}
