/**
 * client-node 2.0 builds a new undici Agent for every request when the cluster has TLS settings
 * (always: in-cluster, and with any kubeconfig carrying a CA): every request then opens its own
 * TCP + TLS connection (a full handshake, the CA parsed into a fresh secure context), which stays
 * open until undici's idle timeout. A busy controller held hundreds of such connections — most of
 * the memory outside the V8 heap at a few hundred objects — and each status write paid a
 * handshake. Here one dispatcher serves every request of a KubeConfig while its TLS settings stay
 * the same; when they change (a rotated client certificate) a new one is built and the old one
 * closed once its requests have finished.
 */
import type { KubeConfig } from '@kubernetes/client-node';

interface Closable {
  close(): Promise<void>;
}

type CreateDispatcher = (cluster: unknown, agentOptions: unknown) => Closable | undefined;

const SHARED = Symbol.for('latticedb.sharedDispatcher');

/** Makes `kc` reuse one connection pool (idempotent); returns `kc`. */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  // createDispatcher is private in client-node's typings; it is what applySecurityAuthentication
  // calls for every request. Without it (another client-node version) nothing changes.
  const target = kc as unknown as {
    createDispatcher?: CreateDispatcher;
    createDispatcherOptions: (cluster: never, agentOptions: never) => unknown;
    [SHARED]?: true;
  };
  const create = target.createDispatcher;
  if (typeof create !== 'function' || target[SHARED] === true) return kc;
  let current: { key: string; dispatcher: Closable | undefined } | undefined;
  target.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify(
      target.createDispatcherOptions.call(kc, cluster as never, agentOptions as never),
    );
    if (current?.key === key) return current.dispatcher;
    const previous = current?.dispatcher;
    current = { key, dispatcher: create.call(kc, cluster, agentOptions) };
    // close() lets the requests in flight (watches included) finish first.
    previous?.close().catch(() => undefined);
    return current.dispatcher;
  };
  target[SHARED] = true;
  return kc;
}
