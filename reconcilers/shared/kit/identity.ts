// Who an object is, as decide and the owner tags on AWS/Redis resources need it: namespace, name
// and UID (the UID is what makes a re-created object another owner).
import type { CustomObject } from '../../../controller/index.js';

export interface ObjectIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export function identityOf(obj: Pick<CustomObject, 'metadata'>): ObjectIdentity {
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? '',
  };
}
