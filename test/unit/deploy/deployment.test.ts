// The Deployment and the image agree with the controller: every arg is a flag the config parser
// accepts (after Kubernetes appends them to the image ENTRYPOINT), ports and probes match the
// configured addresses, the pod is "restricted" and outlives the graceful shutdown.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../controller/config.js';
import { parseBindAddress } from '../../../controller/observability/http.js';
import {
  containerCommand,
  containerEnv,
  controllerContainer,
  expand,
  parseFinalStage,
  shippedDeployment,
  shippedImage,
} from './image.js';

const deployment = shippedDeployment();
const container = controllerContainer(deployment);
const image = shippedImage();
const env = containerEnv(container, (v) =>
  v.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace' ? 'latticedb-system' : undefined,
);

describe('the image', () => {
  it('runs node on the built main.js as PID 1, as the non-root user', () => {
    expect(image.from).toMatch(/^gcr\.io\/distroless\/nodejs24-debian\d+:nonroot$/);
    expect(image.entrypoint).toEqual([
      '/nodejs/bin/node',
      '--max-semi-space-size=1',
      '--optimize-for-size',
      'dist/controller/main.js',
    ]);
    expect(image.cmd).toBeUndefined();
    expect(image.workdir).toBe('/app');
    expect(image.user).toBe('65532:65532');
    expect(image.env).toEqual({ NODE_ENV: 'production' });
    expect(image.copies).toEqual(['./package.json', './node_modules', './dist']);
  });

  it('is read with Docker semantics', () => {
    const stage = parseFinalStage(
      [
        'FROM node:24 AS build',
        'CMD ["ignored"]',
        'FROM base:1',
        'CMD ["a"]',
        'ENTRYPOINT ["/bin/x", \\',
        '  "y"]',
        'ENV A=1 B="two"',
        'COPY --from=build /src/dist ./dist',
      ].join('\n'),
    );
    expect(stage).toMatchObject({
      from: 'base:1',
      entrypoint: ['/bin/x', 'y'],
      cmd: undefined, // an ENTRYPOINT resets the CMD set before it
      env: { A: '1', B: 'two' },
      copies: ['./dist'],
    });
    expect(() => parseFinalStage('FROM x\nENTRYPOINT node main.js')).toThrow('exec form');
    expect(expand('--ns=$(POD_NAMESPACE) $$(KEEP) $(UNSET)', { POD_NAMESPACE: 'ops' })).toBe(
      '--ns=ops $(KEEP) $(UNSET)',
    );
  });
});

describe('the Deployment', () => {
  it("passes only flags the controller accepts, appended to the image's entrypoint", () => {
    expect(container.command).toBeUndefined();
    const [node, semiSpace, forSize, script, ...args] = containerCommand(image, container, env);
    expect([node, semiSpace, forSize, script]).toEqual([
      '/nodejs/bin/node',
      '--max-semi-space-size=1',
      '--optimize-for-size',
      'dist/controller/main.js',
    ]);
    expect(args.length).toBeGreaterThan(0);
    for (const arg of args) expect(arg).toMatch(/^--[a-z0-9-]+=/);
    let config;
    try {
      config = parseConfig(args, { ...image.env, ...env });
    } catch (e) {
      throw new Error(e instanceof ConfigError ? `rejected: ${e.problems.join('; ')}` : String(e));
    }
    expect(config).toMatchObject({
      leaderElect: true,
      leaderElectionNamespace: 'latticedb-system',
      leaderElectionId: 'latticedb-controller', // the name the leader-election Role allows
      namespaces: [],
    });
    expect(deployment.spec.replicas).toBe(2);

    const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    expect(parseBindAddress(config.metricsBindAddress)?.port).toBe(ports.get('metrics'));
    expect(parseBindAddress(config.healthProbeBindAddress)?.port).toBe(ports.get('health'));
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    // The kubelet waits this long after SIGTERM before SIGKILL: the drain must fit in it.
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace * 1_000).toBeGreaterThan(config.shutdownTimeoutMs);
  });

  it('takes the default Redis from an optional Secret, never from a literal', () => {
    const redis = container.env?.find((v) => v.name === 'REDIS_URL');
    expect(redis?.value).toBeUndefined();
    expect(redis?.valueFrom?.secretKeyRef).toMatchObject({ key: 'url', optional: true });
  });

  it('runs under the restricted Pod Security Standard', () => {
    const pod = deployment.spec.template.spec.securityContext;
    expect(pod).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(`${pod?.runAsUser}:${pod?.runAsGroup}`).toBe(image.user);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });
});
