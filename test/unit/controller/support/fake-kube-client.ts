/**
 * In-memory KubeClient with the apiserver behaviours the runtime relies on: a global
 * resourceVersion counter bumped on every write, 409 Conflict on a stale resourceVersion, 422 on a
 * failed JSON Patch `test`, `generation` bumped only by spec changes, status isolation (the status
 * subresource changes only `status`, the main resource never changes `status`), deletion with
 * finalizers. Every call is logged (`calls`) so tests can assert exact request bodies, and
 * `intercept` injects faults.
 */
import type {
  KubeClient,
  ListOptions,
  SecretData,
  StatusPatch,
} from '../../../../controller/k8s/client.js';
import { KubeApiError } from '../../../../controller/k8s/errors.js';
import { jsonEqual } from '../../../../controller/k8s/merge-patch.js';
import type {
  CoreEvent,
  CustomObject,
  GroupVersionResource,
  JsonPatchOperation,
  ObjectList,
} from '../../../../controller/k8s/types.js';

export type FakeCall =
  | { verb: 'get' | 'list' | 'getSecret'; key: string }
  | { verb: 'patchStatus'; key: string; body: StatusPatch }
  | { verb: 'jsonPatch'; key: string; body: readonly JsonPatchOperation[] }
  | { verb: 'createEvent'; key: string; body: CoreEvent }
  | { verb: 'patchEvent'; key: string; body: unknown };

export class FakeKubeClient implements KubeClient {
  readonly calls: FakeCall[] = [];
  readonly events = new Map<string, CoreEvent>();
  /** Secrets by `namespace/name` (decoded data), as `getSecret` returns them. */
  readonly secrets = new Map<string, Record<string, string>>();
  readonly #objects = new Map<string, CustomObject>();
  #rv = 100;
  #uid = 0;
  #interceptor: ((call: FakeCall) => Error | undefined) | undefined;

  /** Fails calls for which `fn` returns an error (return undefined to let a call through). */
  intercept(fn: ((call: FakeCall) => Error | undefined) | undefined): void {
    this.#interceptor = fn;
  }

  /** Creates an object as the apiserver would (uid, resourceVersion, generation 1). */
  create<T extends CustomObject>(res: GroupVersionResource, obj: T): T {
    const stored = structuredClone(obj);
    stored.metadata.uid ??= `uid-${++this.#uid}`;
    stored.metadata.generation = 1;
    stored.metadata.resourceVersion = this.#nextRv();
    stored.metadata.creationTimestamp ??= '2026-11-26T09:00:00Z';
    this.#objects.set(
      key(res, stored.metadata.namespace ?? '', stored.metadata.name ?? ''),
      stored,
    );
    return structuredClone(stored);
  }

  /** A user edit of spec/metadata (status is ignored, as on the main resource). */
  update<T extends CustomObject>(res: GroupVersionResource, obj: T): T {
    const k = key(res, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    return this.#write(k, structuredClone(obj)) as T;
  }

  /** `kubectl delete`: sets deletionTimestamp while finalizers remain, else removes. */
  delete(res: GroupVersionResource, namespace: string, name: string): void {
    const k = key(res, namespace, name);
    const current = this.#mustGet(k);
    if ((current.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(k);
      return;
    }
    const next = structuredClone(current);
    next.metadata.deletionTimestamp = '2026-11-26T10:30:00Z';
    next.metadata.resourceVersion = this.#nextRv();
    this.#objects.set(k, next);
  }

  /** The current object (a copy), or undefined. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- caller names the kind
  peek<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
  ): T | undefined {
    const o = this.#objects.get(key(res, namespace, name));
    return o === undefined ? undefined : (structuredClone(o) as T);
  }

  async get<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
  ): Promise<T> {
    const k = key(res, namespace, name);
    this.#record({ verb: 'get', key: k });
    return Promise.resolve(structuredClone(this.#mustGet(k)) as T);
  }

  async list<T extends CustomObject>(
    res: GroupVersionResource,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const prefix = `${res.plural}.${res.group}/`;
    this.#record({ verb: 'list', key: prefix });
    const items = [...this.#objects.entries()]
      .filter(
        ([k, o]) =>
          k.startsWith(prefix) &&
          (options.namespace === undefined || o.metadata.namespace === options.namespace),
      )
      .map(([, o]) => structuredClone(o) as T);
    return Promise.resolve({ items, metadata: { resourceVersion: String(this.#rv) } });
  }

  async patchStatus<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
    body: StatusPatch,
  ): Promise<T> {
    const k = key(res, namespace, name);
    this.#record({ verb: 'patchStatus', key: k, body: structuredClone(body) });
    const current = this.#mustGet(k);
    if (body.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(name);
    const next = structuredClone(current);
    next.status = mergePatch(current.status ?? {}, body.status);
    next.metadata.resourceVersion = this.#nextRv();
    this.#objects.set(k, next);
    return Promise.resolve(structuredClone(next) as T);
  }

  async jsonPatch<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
    operations: readonly JsonPatchOperation[],
  ): Promise<T> {
    const k = key(res, namespace, name);
    this.#record({ verb: 'jsonPatch', key: k, body: structuredClone(operations) });
    const patched = applyJsonPatch(structuredClone(this.#mustGet(k)), operations);
    const written = this.#write(k, patched);
    if (
      written.metadata.deletionTimestamp !== undefined &&
      (written.metadata.finalizers ?? []).length === 0
    ) {
      this.#objects.delete(k);
    }
    return Promise.resolve(structuredClone(written) as T);
  }

  async getSecret(namespace: string, name: string): Promise<SecretData> {
    const k = `${namespace}/${name}`;
    this.#record({ verb: 'getSecret', key: k });
    const data = this.secrets.get(k);
    if (data === undefined) throw new KubeApiError(404, 'NotFound', `secrets "${name}" not found`);
    return Promise.resolve({ namespace, name, resourceVersion: '1', data: { ...data } });
  }

  async createEvent(event: CoreEvent): Promise<CoreEvent> {
    const k = `${event.metadata.namespace}/${event.metadata.name}`;
    this.#record({ verb: 'createEvent', key: k, body: structuredClone(event) });
    if (this.events.has(k))
      throw new KubeApiError(
        409,
        'AlreadyExists',
        `events "${event.metadata.name}" already exists`,
      );
    this.events.set(k, structuredClone(event));
    return Promise.resolve(structuredClone(event));
  }

  async patchEvent(
    namespace: string,
    name: string,
    patch: Pick<CoreEvent, 'count' | 'lastTimestamp'>,
  ): Promise<CoreEvent> {
    const k = `${namespace}/${name}`;
    this.#record({ verb: 'patchEvent', key: k, body: structuredClone(patch) });
    const e = this.events.get(k);
    if (e === undefined) throw new KubeApiError(404, 'NotFound', `events "${name}" not found`);
    const next = { ...e, ...patch };
    this.events.set(k, next);
    return Promise.resolve(structuredClone(next));
  }

  /** Main-resource write: status untouched, generation bumped when spec changed. */
  #write(k: string, next: CustomObject): CustomObject {
    const current = this.#mustGet(k);
    if (
      next.metadata.resourceVersion !== undefined &&
      next.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(next.metadata.name ?? '');
    }
    next.status = structuredClone(current.status);
    next.metadata.uid = current.metadata.uid;
    next.metadata.generation =
      (current.metadata.generation ?? 1) + (jsonEqual(current.spec, next.spec) ? 0 : 1);
    next.metadata.resourceVersion = this.#nextRv();
    this.#objects.set(k, next);
    return next;
  }

  #mustGet(k: string): CustomObject {
    const o = this.#objects.get(k);
    if (o === undefined) throw new KubeApiError(404, 'NotFound', `${k} not found`);
    return o;
  }

  #record(call: FakeCall): void {
    this.calls.push(call);
    const err = this.#interceptor?.(call);
    if (err !== undefined) throw err;
  }

  #nextRv(): string {
    return String(++this.#rv);
  }
}

function key(res: GroupVersionResource, namespace: string, name: string): string {
  return `${res.plural}.${res.group}/${namespace}/${name}`;
}

function conflict(name: string): KubeApiError {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${name}: the object has been modified; please apply your changes to the latest version and try again`,
  );
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return structuredClone(patch);
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function applyJsonPatch(doc: CustomObject, ops: readonly JsonPatchOperation[]): CustomObject {
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop() ?? '';
    let parent = doc as unknown as Record<string, unknown> | unknown[];
    for (const p of parts) {
      parent = (Array.isArray(parent) ? parent[Number(p)] : parent[p]) as Record<string, unknown>;
    }
    const current = Array.isArray(parent) ? parent[Number(last)] : parent[last];
    switch (op.op) {
      case 'test':
        if (!jsonEqual(current, op.value)) {
          // kube-apiserver 1.34 says no more than this (checked in writes.int.test.ts).
          throw new KubeApiError(
            422,
            'Invalid',
            'the server rejected our request due to an error in our request',
          );
        }
        break;
      case 'add':
        if (Array.isArray(parent))
          parent.splice(last === '-' ? parent.length : Number(last), 0, structuredClone(op.value));
        else parent[last] = structuredClone(op.value);
        break;
      case 'replace':
        if (Array.isArray(parent)) parent[Number(last)] = structuredClone(op.value);
        else parent[last] = structuredClone(op.value);
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else Reflect.deleteProperty(parent, last);
        break;
    }
  }
  return doc;
}
