// The Register stage: the revision's task definition, derived from the stable one (only the
// managed container changes). The registration is written ahead (`revision.registering`): the
// first one needs no read at all, and only a revision whose registration may have happened
// unrecorded (a crash, a lost status write) looks its task definition up by the spec-hash tag —
// adopted only when its content is the revision's, else registered again.
import { ReleaseReason } from '../api.js';
import { act, probe, progressed, type Draft, type StepResult } from './draft.js';
import { CONFIRMED_NEXT_RECONCILE } from './found.js';
import { note } from './history.js';
import { contentMismatch, SPEC_HASH_TAG } from './revision.js';
import { failRevision } from './rollback-start.js';
import { currentTaskDefinitionArn } from './world.js';

export function registerStage(draft: Draft): StepResult {
  const revision = draft.status.revision;
  if (revision === undefined || revision.taskDefinitionArn !== undefined) return progressed(draft);
  if (revision.registering === true) {
    const found = draft.observed.revisionTaskDefinition;
    if (found === undefined) return probe('the task definition of the revision');
    if (found !== null && contentMismatch(draft, found) === undefined) {
      revision.taskDefinitionArn = found.arn;
      delete revision.registering;
      // The write's status update did not land (a 409, a restart): told now, as found done.
      note(
        draft,
        'Normal',
        'TaskDefinitionRegistered',
        `revision ${revision.number} runs ${found.arn} (registered; ${CONFIRMED_NEXT_RECONCILE})`,
      );
      return progressed(draft);
    }
  }
  const service = draft.observed.service;
  const base =
    draft.status.stableRevision?.taskDefinitionArn ??
    (service === null ? undefined : currentTaskDefinitionArn(service));
  if (base === undefined) {
    return failRevision(
      draft,
      ReleaseReason.PreflightFailed,
      'the service runs no task definition to derive the revision from',
    );
  }
  const { container } = draft.spec.target;
  const first = revision.registering !== true;
  revision.registering = true;
  return act(
    {
      type: 'registerTaskDefinition',
      region: draft.spec.target.region,
      base,
      change: {
        container,
        image: revision.image,
        ...(draft.spec.environment === undefined ? {} : { environment: draft.spec.environment }),
        ...(draft.spec.secrets === undefined ? {} : { secrets: draft.spec.secrets }),
      },
      tags: {
        [SPEC_HASH_TAG]: revision.specHash,
        'latticedb.com/release': `${draft.object.namespace}.${draft.object.name}`,
        'latticedb.com/release-uid': draft.object.uid,
        'latticedb.com/revision': String(revision.number),
      },
    },
    `registering the task definition of revision ${revision.number} from ${base}`,
    first,
  );
}
