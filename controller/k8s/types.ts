/**
 * Plain-JSON shapes of the Kubernetes objects the runtime handles. Custom objects travel as raw
 * JSON through client-node (timestamps stay strings), so these are deliberately structural.
 */

/** Identifies a custom resource collection and the kind stored in it. */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  /** Lower-case plural, as in the URL: `releases`. */
  readonly plural: string;
}

/** A {@link GroupVersionResource} plus the kind name, enough to build Event `involvedObject`s. */
export interface ResourceDescriptor extends GroupVersionResource {
  readonly kind: string;
}

export function apiVersionOf(res: GroupVersionResource): string {
  return res.group === '' ? res.version : `${res.group}/${res.version}`;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A custom object with a typed `spec` and `status`. */
export interface CustomObject<Spec = unknown, Status = unknown> extends KubeObject {
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  readonly items: T[];
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string };
}

/** RFC 6902 operations the runtime uses. */
export type JsonPatchOperation =
  | { readonly op: 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** The fields of a core/v1 Event the recorder writes (RFC 3339 strings for times). */
export interface CoreEvent {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
}

/** `namespace/name` of an object (`name` when cluster-scoped). */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}
