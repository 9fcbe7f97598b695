// The registration of a kind whose reconciler has not been written yet: the CRD is served and its
// objects are validated, but nothing outside the cluster is touched. Status says so honestly
// (Stalled, reason NotImplemented) instead of pretending progress, so GitOps health checks do not
// report such an object as healthy; one Warning event when an object first gets there tells
// `kubectl describe` readers the same.
import {
  findCondition,
  withKStatus,
  type BaseStatus,
  type EventSpec,
  type FieldError,
  type KindRegistration,
  type KindSetup,
} from '../../controller/index.js';
import type { CustomObject, KindDescriptor } from './api/kind.js';
import { CommonReason, ConditionType } from './api/conditions.js';

export const NOT_IMPLEMENTED = CommonReason.NotImplemented;

interface NotImplementedStatus extends BaseStatus {
  message?: string;
}

export function notImplementedSetup<K extends string, Spec>(
  names: KindDescriptor<K>,
  validate: (obj: Pick<CustomObject<K, Spec, unknown>, 'spec'>) => FieldError[],
): KindSetup {
  return (): KindRegistration<Spec, NotImplementedStatus> => ({
    kind: names.kind,
    resource: { group: names.group, version: names.version, plural: names.plural },
    handler: {
      validate: (obj) => validate(obj),
      reconcile(obj) {
        const message = `The ${names.kind} reconciler is not implemented in this version of the controller; the spec is valid but nothing is applied.`;
        const already =
          findCondition(obj.status?.conditions, ConditionType.Stalled)?.reason === NOT_IMPLEMENTED;
        const events: EventSpec[] = already
          ? []
          : [{ type: 'Warning', reason: NOT_IMPLEMENTED, message }];
        return Promise.resolve({
          status: {
            ...obj.status,
            message,
            conditions: withKStatus(obj.status?.conditions, 'Stalled', NOT_IMPLEMENTED, message),
          },
          events,
        });
      },
    },
  });
}
