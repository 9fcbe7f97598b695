import { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it, vi } from 'vitest';
import { assertSetups, runController } from '../../../controller/app.js';
import { createExternalConnections } from '../../../controller/external.js';
import type { BaseStatus, CustomObject, KindSetup } from '../../../controller/index.js';
import { kstatusConditions } from '../../../controller/index.js';

interface DemoSpec {
  readonly target: { readonly region: string };
}
interface DemoStatus extends BaseStatus {
  phase?: 'Pending' | 'Ready';
}

// Compile-time check: a kind typed with its own Spec/Status is a KindSetup.
const setupDemo: KindSetup = (deps) => ({
  kind: 'Demo',
  resource: { group: 'delivery.latticedb.com', version: 'v1alpha1', plural: 'demos' },
  handler: {
    validate: (obj: CustomObject<DemoSpec, DemoStatus>) =>
      obj.spec.target.region === '' ? [{ field: 'spec.target.region', message: 'required' }] : [],
    reconcile: (obj: CustomObject<DemoSpec, DemoStatus>) => {
      deps.aws.client(ECSClient, obj.spec.target.region);
      return Promise.resolve({
        status: { phase: 'Ready' as const, conditions: kstatusConditions('Ready', 'Ok', '') },
      });
    },
  },
});

describe('runController', () => {
  it('exits 2 with every problem and the usage on bad configuration', async () => {
    let stderr = '';
    const code = await runController({
      argv: ['--workers=0', '--log-level=loud'],
      env: {},
      setups: [setupDemo],
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error: invalid value "0" for --workers: must be an integer from 1 to 100',
    );
    expect(stderr).toContain('error: invalid value "loud" for --log-level');
    expect(stderr).toContain('Usage: latticedb-controller [flags]');
  });

  it('prints the usage and exits 0 on --help', async () => {
    let stdout = '';
    expect(
      await runController({ argv: ['--help'], env: {}, setups: [], stdout: (t) => (stdout += t) }),
    ).toBe(0);
    expect(stdout).toContain('--shutdown-timeout');
  });
});

describe('assertSetups', () => {
  it('accepts an array of functions and rejects anything else', () => {
    expect(assertSetups({ setups: [setupDemo] })).toEqual([setupDemo]);
    expect(() => assertSetups({})).toThrow('must export `setups: readonly KindSetup[]`');
    expect(() => assertSetups({ setups: [1] })).toThrow(TypeError);
  });
});

describe('createExternalConnections', () => {
  it('builds one AWS client per class and region with the configured endpoint, destroyed on close', async () => {
    const ext = createExternalConnections({
      aws: { defaultRegion: 'us-east-1', endpoint: 'http://127.0.0.1:5000', maxAttempts: 4 },
      redis: undefined,
    });
    const east = ext.aws.client(ECSClient);
    expect(ext.aws.client(ECSClient, 'us-east-1')).toBe(east);
    const west = ext.aws.client(ECSClient, 'us-west-2');
    expect(west).not.toBe(east);
    expect(await west.config.region()).toBe('us-west-2');
    expect(await west.config.maxAttempts()).toBe(4);
    expect(ext.aws.configFor('eu-west-1')).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 4,
    });
    const destroy = vi.spyOn(east, 'destroy');
    await ext.close();
    expect(destroy).toHaveBeenCalledOnce();
  });

  it('shares Redis connections by key and closes them at shutdown', async () => {
    const ext = createExternalConnections({
      aws: { defaultRegion: 'us-east-1', maxAttempts: 3 },
      redis: { url: 'redis://127.0.0.1:6379' },
    });
    const close = vi.fn(() => Promise.resolve('OK'));
    const create = vi.fn(() => ({ name: 'conn' }));
    const a = ext.redis.shared('default', create, close);
    expect(ext.redis.shared('default', create, close)).toBe(a);
    expect(create).toHaveBeenCalledOnce();
    expect(ext.redis.defaults).toEqual({ url: 'redis://127.0.0.1:6379' });
    await ext.close();
    expect(close).toHaveBeenCalledWith(a);
  });
});
