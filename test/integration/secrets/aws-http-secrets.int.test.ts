// No AWS credential and no smoke-test credential leaves the process. AWS: the controller's
// credentials come from the environment (the SDK's default chain), planted; a private moto that
// enforces IAM answers its CloudWatch calls with 403s — an access key it does not know, a known
// key with the wrong secret (signature mismatch), and the right key of a user without any policy
// (access denied). HTTP: a blue/green Release whose smoke test sends a bearer token, a cookie and
// URL credentials to a server that refuses it and echoes them back. Every log line (debug, the
// production logger), every status, every Event and /metrics are searched for each value.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupFlagRolloutWith } from '../../../reconcilers/flagrollout/setup.js';
import { setupReleaseWith } from '../../../reconcilers/release/setup.js';
import { createTestNamespace, waitFor } from '../../env/fixtures.js';
import type { MotoServer } from '../../env/moto.js';
import {
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import {
  createRollout,
  errorRateAnalysis,
  installCrd as installFlagRolloutCrd,
  waitForStatus,
} from '../flagrollout/support.js';
import {
  createRelease,
  installCrd as installReleaseCrd,
  waitForRelease,
} from '../release/support.js';
import { blueGreenSpec, seedWorld } from '../release/scenario.js';
import {
  captureLog,
  expectNoSecrets,
  expectSeen,
  metricsText,
  namespaceSurface,
  plant,
  startStrictMoto,
  type CapturedLog,
} from './support.js';

const savedEnv = {
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
  AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN,
};
let moto: MotoServer | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  await installFlagRolloutCrd();
  await installReleaseCrd();
}, 120_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  restore('AWS_ACCESS_KEY_ID', savedEnv.AWS_ACCESS_KEY_ID);
  restore('AWS_SECRET_ACCESS_KEY', savedEnv.AWS_SECRET_ACCESS_KEY);
  restore('AWS_SESSION_TOKEN', savedEnv.AWS_SESSION_TOKEN);
});

afterAll(async () => {
  await moto?.stop();
});

function restore(name: keyof typeof savedEnv, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}

/** The credentials the next controller's SDK clients find in the environment. */
function useCredentials(accessKeyId: string, secretAccessKey: string, sessionToken?: string): void {
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  if (sessionToken === undefined) delete process.env.AWS_SESSION_TOKEN;
  else process.env.AWS_SESSION_TOKEN = sessionToken;
}

/** A private moto with one IAM user (no policies) and its key, enforcing IAM from then on. */
async function strictMoto(): Promise<{ endpoint: string; keyId: string; secret: string }> {
  const strict = await startStrictMoto();
  moto = strict.moto;
  return strict;
}

/**
 * What moto answers these credentials, through a query-protocol (XML) client: the controller's
 * CloudWatch client speaks JSON and cannot read moto's XML error bodies (it sees "unreadable
 * response (HTTP 403)"), so this shows the three cases are the three different refusals.
 */
async function motoRefusal(endpoint: string): Promise<string> {
  const elb = new ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', maxAttempts: 1 });
  try {
    await elb.send(new DescribeLoadBalancersCommand({}));
    return 'accepted';
  } catch (err) {
    return (err as Error).name;
  } finally {
    elb.destroy();
  }
}

/** Runs a FlagRollout with CloudWatch analysis until its analysis reports the AWS failure. */
async function analysisFailsWith(
  log: CapturedLog,
  endpoint: string,
  label: string,
): Promise<{ surface: { objects: string; events: string }; metrics: string }> {
  const ns = await createTestNamespace(`secrets-aws-${label}`);
  const controller: RunningController = startInProcessController(
    ns,
    setupFlagRolloutWith({ pollMs: 500 }),
    { logger: log.logger, awsEndpoint: endpoint },
  );
  cleanups.push(() => controller.stop());
  const flag = `aws_${label}_${Math.random().toString(16).slice(2, 8)}`;
  await createRollout(ns, 'gated', {
    flag,
    steps: [{ percentage: 0, hold: '1s' }, { percentage: 50, hold: '1s' }, { percentage: 100 }],
    analysis: errorRateAnalysis(flag),
  });
  await waitForStatus(
    ns,
    'gated',
    (s) => /403|AccessDenied|Signature|security token/i.test(JSON.stringify(s)),
    {
      timeoutMs: 60_000,
      message: `the ${label} AWS failure in status`,
    },
  );
  const surface = await namespaceSurface(ns, 'flagrollouts');
  const metrics = await metricsText(controller);
  await controller.stop();
  return { surface, metrics };
}

describe('AWS credentials', () => {
  it('never reach logs (debug included), status, Events or /metrics on unknown-key, signature and access-denied errors', async () => {
    const { endpoint, keyId, secret: realSecret } = await strictMoto();
    const unknownKeyId = `AKIA${plant('k').slice(-12).toUpperCase()}PLNT`;
    const secrets = {
      unknownKeyId,
      unknownSecret: plant('aws-secret-unknown-key'),
      sessionToken: plant('aws-session-token'),
      wrongSecret: plant('aws-secret-wrong'),
      realSecret,
    };
    const log = captureLog();
    const places: Record<string, string> = {};

    useCredentials(unknownKeyId, secrets.unknownSecret, secrets.sessionToken);
    expect(await motoRefusal(endpoint)).toBe('InvalidClientTokenId');
    const unknown = await analysisFailsWith(log, endpoint, 'unknown');
    useCredentials(keyId, secrets.wrongSecret);
    expect(await motoRefusal(endpoint)).toBe('SignatureDoesNotMatch');
    const signature = await analysisFailsWith(log, endpoint, 'signature');
    useCredentials(keyId, realSecret);
    expect(await motoRefusal(endpoint)).toBe('AccessDenied');
    const denied = await analysisFailsWith(log, endpoint, 'denied');
    for (const [name, r] of Object.entries({ unknown, signature, denied })) {
      places[`${name} status`] = r.surface.objects;
      places[`${name} events`] = r.surface.events;
      places[`${name} metrics`] = r.metrics;
      expectSeen(
        r.surface.objects,
        /403|AccessDenied|Signature/i,
        `${name}: the failure in status`,
      );
    }
    places.logs = log.text();
    expectSeen(places.logs, /"level":"debug"/, 'debug lines');
    expectSeen(places.logs, /aws call failed/, 'the failed AWS calls');
    expectNoSecrets(places, secrets);
  });
});

interface EchoingServer {
  readonly port: number;
  readonly hits: () => number;
  close(): Promise<void>;
}

/** Refuses every request with 401 and echoes its credentials back in headers and body. */
async function refusingEchoServer(): Promise<EchoingServer> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    const echoed = JSON.stringify({
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
    });
    res.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': `Bearer error="invalid_token", echo="${req.headers.authorization ?? ''}"`,
    });
    res.end(echoed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

describe('smoke-test credentials', () => {
  it('a failing smoke test with a bearer token, a cookie and URL credentials shows none of them', async () => {
    const secrets = {
      bearer: plant('bearer-token'),
      cookie: plant('session-cookie'),
      urlPassword: plant('url-password'),
      awsSecret: plant('aws-secret-smoke'),
    };
    useCredentials('AKIAIOSFODNN7EXAMPLE', secrets.awsSecret);
    const target = await refusingEchoServer();
    cleanups.push(() => target.close());
    const s = await seedWorld();
    const ns = await createTestNamespace('secrets-smoke');
    const log = captureLog();
    const controller = startInProcessController(
      ns,
      setupReleaseWith({ afterActionMs: 100, pollMs: 500, probeMs: 50 }),
      { logger: log.logger },
    );
    cleanups.push(() => controller.stop());
    const smoke = [
      {
        name: 'health',
        url: `http://smoke:${secrets.urlPassword}@127.0.0.1:${target.port}/health`,
        headers: { authorization: `Bearer ${secrets.bearer}`, cookie: `session=${secrets.cookie}` },
        retries: 1,
        timeout: '2s',
      },
    ];
    await createRelease(ns, 'ldb', blueGreenSpec(s, { approval: 'Auto' }, { checks: { smoke } }));
    const rolledBack = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'RolledBack',
      'the rollback on the refused smoke test',
    );
    expect(rolledBack.attempt?.rollback).toMatchObject({ reason: 'SmokeTestFailed' });
    await waitFor(() => target.hits() > 0, { message: 'the smoke test reached the server' });
    const surface = await namespaceSurface(ns, 'releases');
    const metrics = await metricsText(controller);
    await controller.stop();
    const logs = log.text();
    expectSeen(surface.objects, /401/, 'the refused smoke test in status');
    expectSeen(logs, /"level":"debug"/, 'debug lines');
    expectNoSecrets({ logs, status: surface.objects, events: surface.events, metrics }, secrets);
  });
});
