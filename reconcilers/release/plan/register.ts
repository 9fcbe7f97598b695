// The Register stage: the revision's task definition, derived from the stable one (only the
// managed container changes). It is tagged with the spec hash, so one registered just before a
// crash — or by an earlier revision with the same spec — is found and reused, never duplicated.
import { ReleaseReason } from '../api.js';
import { act, probe, progressed, type Draft, type StepResult } from './draft.js';
import { note } from './history.js';
import { SPEC_HASH_TAG } from './revision.js';
import { failRevision } from './rollback-start.js';
import { currentTaskDefinitionArn } from './world.js';

export function registerStage(d: Draft): StepResult {
  const revision = d.status.revision;
  if (revision === undefined || revision.taskDefinitionArn !== undefined) return progressed(d);
  const found = d.observed.revisionTaskDefinition;
  if (found === undefined) return probe('the task definition of the revision');
  if (found !== null) {
    revision.taskDefinitionArn = found.arn;
    note(d, 'Normal', 'TaskDefinitionReady', `revision ${revision.number} runs ${found.arn}`);
    return progressed(d);
  }
  const service = d.observed.service;
  const base =
    d.status.stableRevision?.taskDefinitionArn ??
    (service === null ? undefined : currentTaskDefinitionArn(service));
  if (base === undefined) {
    return failRevision(
      d,
      ReleaseReason.PreflightFailed,
      'the service runs no task definition to derive the revision from',
    );
  }
  const { container } = d.spec.target;
  return act(
    {
      type: 'registerTaskDefinition',
      region: d.spec.target.region,
      base,
      change: {
        container,
        image: d.spec.image,
        ...(d.spec.environment === undefined ? {} : { environment: d.spec.environment }),
        ...(d.spec.secrets === undefined ? {} : { secrets: d.spec.secrets }),
      },
      tags: {
        [SPEC_HASH_TAG]: revision.specHash,
        'latticedb.com/release': `${d.object.namespace}.${d.object.name}`,
        'latticedb.com/revision': String(revision.number),
      },
    },
    `registering the task definition of revision ${revision.number} from ${base}`,
  );
}
