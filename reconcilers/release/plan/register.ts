// The Register stage: the revision's task definition, derived from the stable one (only the
// managed container changes). The registration is written ahead (`revision.registering`): the
// first one needs no read at all, and only a revision whose registration may have happened
// unrecorded (a crash, a lost status write) looks its task definition up by the spec-hash tag —
// adopted only when its content is the revision's, else registered again.
import { ReleaseReason } from '../api.js';
import { act, probe, progressed, type Draft, type StepResult } from './draft.js';
import { note } from './history.js';
import { contentMismatch, SPEC_HASH_TAG } from './revision.js';
import { failRevision } from './rollback-start.js';
import { currentTaskDefinitionArn } from './world.js';

export function registerStage(d: Draft): StepResult {
  const revision = d.status.revision;
  if (revision === undefined || revision.taskDefinitionArn !== undefined) return progressed(d);
  if (revision.registering === true) {
    const found = d.observed.revisionTaskDefinition;
    if (found === undefined) return probe('the task definition of the revision');
    if (found !== null && contentMismatch(d, found) === undefined) {
      revision.taskDefinitionArn = found.arn;
      delete revision.registering;
      // The write's own Event was lost with its answer: told now, as found done.
      note(
        d,
        'Normal',
        'TaskDefinitionRegistered',
        `revision ${revision.number} runs ${found.arn} (found already registered: its answer was not recorded)`,
      );
      return progressed(d);
    }
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
  const first = revision.registering !== true;
  revision.registering = true;
  return act(
    {
      type: 'registerTaskDefinition',
      region: d.spec.target.region,
      base,
      change: {
        container,
        image: revision.image,
        ...(d.spec.environment === undefined ? {} : { environment: d.spec.environment }),
        ...(d.spec.secrets === undefined ? {} : { secrets: d.spec.secrets }),
      },
      tags: {
        [SPEC_HASH_TAG]: revision.specHash,
        'latticedb.com/release': `${d.object.namespace}.${d.object.name}`,
        'latticedb.com/release-uid': d.object.uid,
        'latticedb.com/revision': String(revision.number),
      },
    },
    `registering the task definition of revision ${revision.number} from ${base}`,
    first,
  );
}
