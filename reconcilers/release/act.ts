// Executes the one action `decide` chose, through the ports. Each is idempotent or recognisable in
// the next observation (task sets by externalId, task definitions by the spec-hash tag, tasks by
// startedBy, snapshots by id, listener weights read back, flag writes conditional on the version),
// so a crash between this call and the status write never makes the next reconcile repeat it.
import type { Acted } from '../shared/kit/index.js';
import type { Action, ActionResult } from './plan/index.js';
import type { ReleaseObject, ReleasePorts } from './ports.js';

/** Performs `action`; its Event is the decision's (`actionEvent`), its answer folded by plan/result.ts. */
export async function act(
  action: Action,
  release: ReleaseObject,
  ports: ReleasePorts,
): Promise<Acted<ActionResult>> {
  return { result: await execute(action, release, ports) };
}

async function execute(
  action: Action,
  release: ReleaseObject,
  ports: ReleasePorts,
): Promise<ActionResult> {
  switch (action.type) {
    case 'registerTaskDefinition': {
      const td = await ports.ecs.registerDerivedTaskDefinition(
        action.region,
        action.base,
        action.change,
        action.tags,
      );
      return { taskDefinitionArn: td.arn };
    }
    case 'createTaskSet':
      await ports.ecs.createTaskSet(action.ref, {
        externalId: action.externalId,
        taskDefinitionArn: action.taskDefinitionArn,
        scalePercent: action.scalePercent,
        ...(action.loadBalancer === undefined ? {} : { loadBalancer: action.loadBalancer }),
        ...(action.template === undefined ? {} : { template: action.template }),
      });
      return {};
    case 'scaleTaskSet':
      await ports.ecs.updateTaskSetScale(action.ref, action.taskSetArn, action.scalePercent);
      return {};
    case 'setWeights':
      await ports.traffic.setWeights(action.region, action.listenerArn, action.weights);
      return {};
    case 'setPrimary':
      await ports.ecs.setPrimaryTaskSet(action.ref, action.taskSetArn);
      return {};
    case 'deleteTaskSet':
      await ports.ecs.deleteTaskSet(action.ref, action.taskSetArn);
      return {};
    case 'updateService':
      await ports.ecs.updateService(action.ref, {
        taskDefinitionArn: action.taskDefinitionArn,
        ...(action.minimumHealthyPercent === undefined
          ? {}
          : { minimumHealthyPercent: action.minimumHealthyPercent }),
        ...(action.maximumPercent === undefined ? {} : { maximumPercent: action.maximumPercent }),
        ...(action.circuitBreaker === undefined ? {} : { circuitBreaker: action.circuitBreaker }),
      });
      return {};
    case 'createSnapshot':
      await ports.database.createSnapshot(
        action.region,
        action.dbInstanceIdentifier,
        action.snapshotId,
      );
      return {};
    case 'setMaintenanceFlag':
      return setFlag(action, release, ports);
    case 'runMigrationTask':
      await ports.ecs.runTask(action.ref, {
        taskDefinitionArn: action.taskDefinitionArn,
        container: action.container,
        command: action.command,
        startedBy: action.startedBy,
      });
      return {};
    case 'stopTask':
      await ports.ecs.stopTask(action.ref, action.taskArn, action.reason);
      return {};
    case 'claimService':
      await ports.ecs.tagService(action.ref, action.serviceArn, action.tags);
      return {};
  }
}

/** A conflict means another writer moved the flag since it was read: a lost race (plan/result.ts). */
async function setFlag(
  action: Action & { type: 'setMaintenanceFlag' },
  release: ReleaseObject,
  ports: ReleasePorts,
): Promise<ActionResult> {
  const found = await ports.flags(release);
  if ('problem' in found) throw new Error(`maintenance flag ${action.flag}: ${found.problem}`);
  const result = await found.store.compareAndSet(action.flag, action.expectedVersion, action.write);
  return result.ok ? {} : { flagConflict: { currentVersion: result.conflict.currentVersion } };
}
