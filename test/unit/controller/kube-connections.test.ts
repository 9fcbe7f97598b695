// reuseConnections: client-node 2.0 gives every request a new undici Agent (its own TLS
// connection) when the cluster has TLS settings; with reuseConnections one dispatcher serves every
// request while the TLS settings stay the same, and a change of them (a rotated client
// certificate) gets a new one.
import { KubeConfig, RequestContext, HttpMethod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reuseConnections } from '../../../controller/k8s/connections.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nnot parsed here\n-----END CERTIFICATE-----\n');

function kubeConfig(certData = 'Y2VydA=='): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: CA.toString('base64') }],
    users: [{ name: 'u', certData, keyData: 'a2V5' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context.getDispatcher();
}

describe('reuseConnections', () => {
  it('client-node alone builds a dispatcher per request (what this works around)', async () => {
    const kc = kubeConfig();
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).not.toBe(first);
  });

  it('serves every request of a KubeConfig from one dispatcher', async () => {
    const kc = reuseConnections(kubeConfig());
    const first = await dispatcherOf(kc);
    expect(first).toBeDefined();
    expect(await dispatcherOf(kc)).toBe(first);
    expect(reuseConnections(kc)).toBe(kc); // idempotent
    expect(await dispatcherOf(kc)).toBe(first);
  });

  it('builds a new dispatcher when the TLS settings change (rotated client certificate)', async () => {
    const kc = reuseConnections(kubeConfig());
    const first = await dispatcherOf(kc);
    const user = kc.getCurrentUser();
    if (user === null) throw new Error('no user');
    (user as { certData?: string }).certData = 'cm90YXRlZA==';
    const second = await dispatcherOf(kc);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await dispatcherOf(kc)).toBe(second);
  });
});
