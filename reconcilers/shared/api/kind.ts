// The API group, and what each kind's api.ts declares about itself: names for the client (GVR) and
// the CRD-level extras (printer columns, root CEL rules) that crds/generate.ts turns into YAML.
import type { ObjectMeta } from '../../../controller/index.js';
import type { TSchema } from '@sinclair/typebox';
import type { CelRule } from './schema.js';

export const API_GROUP = 'delivery.latticedb.com';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;
export const CATEGORY = 'latticedb';

/** Group/version/resource and names of a kind, as the client and the CRD need them. */
export interface KindDescriptor<K extends string = string> {
  readonly group: typeof API_GROUP;
  readonly version: typeof API_VERSION;
  readonly plural: string;
  readonly singular: string;
  readonly kind: K;
  readonly listKind: `${K}List`;
  readonly shortNames: readonly string[];
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  /** 0 = default view; 1 = only with `-o wide`. */
  readonly priority?: number;
  readonly format?: string;
}

/** Everything crds/generate.ts needs to write one CRD. */
export interface CrdDefinition {
  readonly names: KindDescriptor;
  readonly description: string;
  readonly spec: TSchema;
  readonly status: TSchema;
  readonly printerColumns: readonly PrinterColumn[];
  /** CEL rules on the whole object (`self.metadata`, `self.spec`, ...). */
  readonly validations?: readonly CelRule[];
}

/**
 * A stored custom resource of one of our kinds, as JSON (timestamps are strings; client-node's
 * V1ObjectMeta would type them as Date). Assignable to the runtime's CustomObject<Spec, Status>.
 */
export interface CustomObject<K extends string, Spec, Status> {
  apiVersion: typeof API_GROUP_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** The AGE column every kind ends with (kubectl's default for CRDs without columns). */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/** The Ready condition's status, for a READY column. */
export function readyColumn(priority = 0): PrinterColumn {
  const column = {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  } as const;
  return priority === 0 ? column : { ...column, priority };
}

/**
 * The Ready condition's reason: one word that says why it is (not) ready (`Holding`,
 * `InvalidSpec`, `ServiceNotFound`), short enough for the default view.
 */
export function reasonColumn(priority = 0): PrinterColumn {
  const column = {
    name: 'Reason',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    description: "Why the object is (not) Ready: the Ready condition's reason.",
  } as const;
  return priority === 0 ? column : { ...column, priority };
}

/** `status.message`, the one-line summary; long, so `-o wide` only by default. */
export function messageColumn(priority = 1): PrinterColumn {
  const column = {
    name: 'Message',
    type: 'string',
    jsonPath: '.status.message',
    description: 'Human-readable summary of the phase.',
  } as const;
  return priority === 0 ? column : { ...column, priority };
}
