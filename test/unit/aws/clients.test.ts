import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AwsClients,
  type AwsOutgoingRequest,
} from '../../../reconcilers/shared/adapters/aws/clients.js';
import { classifyAwsError } from '../../../reconcilers/shared/adapters/aws/errors.js';
import { withReconcileSignal } from '../../../controller/reconcile-scope.js';
import { startLocalAwsServer, throttled, type LocalAwsServer } from './local-aws-server.js';

const credentials = { accessKeyId: 'AKIATESTTESTTESTTEST', secretAccessKey: 'very-secret-key' };
let server: LocalAwsServer | undefined;
let clients: AwsClients | undefined;

afterEach(async () => {
  clients?.destroy();
  await server?.close();
  server = undefined;
  clients = undefined;
});

describe('AwsClients', () => {
  it('builds each client once per region and again after destroy', () => {
    clients = new AwsClients({ region: 'us-east-1', credentials });
    const ecs = clients.ecs();
    expect(clients.ecs('us-east-1')).toBe(ecs);
    expect(clients.ecs('us-west-2')).not.toBe(ecs);
    expect(clients.cloudWatch()).toBe(clients.cloudWatch('us-east-1'));
    for (const make of [
      () => clients!.elbv2(),
      () => clients!.rds(),
      () => clients!.ecr(),
      () => clients!.route53(),
      () => clients!.applicationAutoScaling(),
    ]) {
      expect(make()).toBe(make());
    }
    clients.destroy();
    expect(clients.ecs()).not.toBe(ecs);
  });

  it('refuses an empty default region', () => {
    expect(() => new AwsClients({ region: '' })).toThrow('default region');
  });

  it('on an emulator (explicitly), CloudWatch speaks AWS JSON 1.0 and the hook can add headers', async () => {
    server = await startLocalAwsServer([{ status: 200, body: { MetricAlarms: [] } }]);
    const hooked: AwsOutgoingRequest[] = [];
    clients = new AwsClients({
      region: 'eu-west-1',
      endpoint: server.endpoint,
      emulator: true,
      credentials,
      onRequest: (r) => {
        hooked.push({ ...r, headers: { ...r.headers } });
        r.headers['x-moto-account-id'] = '111111111111';
      },
    });
    await clients.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNames: ['a'] }));
    const [seen] = server.seen;
    expect(seen!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen!.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.DescribeAlarms');
    expect(seen!.headers['x-moto-account-id']).toBe('111111111111');
    expect(seen!.headers.authorization).toMatch(/\/eu-west-1\/monitoring\/aws4_request/);
    expect(JSON.parse(seen!.body)).toEqual({ AlarmNames: ['a'] });
    expect(hooked.map((h) => [h.service, h.region, h.commandName])).toEqual([
      ['cloudwatch', 'eu-west-1', 'DescribeAlarmsCommand'],
    ]);
  });

  it('refuses to send, retries included, once the reconcile it runs for was aborted (lost leadership)', async () => {
    server = await startLocalAwsServer([throttled, { status: 200, body: { MetricAlarms: [] } }]);
    clients = new AwsClients({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials,
      maxAttempts: 3,
    });
    const cw = clients.cloudWatch();
    const lost = new AbortController();
    lost.abort(new Error('leader election lost'));
    await expect(
      withReconcileSignal(lost.signal, () => cw.send(new DescribeAlarmsCommand({}))),
    ).rejects.toThrow('leader election lost');
    expect(server.seen).toHaveLength(0);

    // Aborted while the first attempt was being throttled: the retry is not sent.
    const running = new AbortController();
    const call = withReconcileSignal(running.signal, () => cw.send(new DescribeAlarmsCommand({})));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (server!.seen.length === 1) {
          clearInterval(poll);
          resolve();
        }
      }, 1);
    });
    running.abort(new Error('leader election lost'));
    // The SDK cuts its retry delay short on the signal: an AbortError whose cause is the reason.
    await expect(call).rejects.toMatchObject({
      name: 'AbortError',
      cause: new Error('leader election lost'),
    });
    expect(server.seen).toHaveLength(1);
    // Outside a reconcile (or while it runs) calls go through.
    const out = await cw.send(new DescribeAlarmsCommand({}));
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it("cancels a call in flight when the reconcile's signal aborts: the request ends unanswered, no retry", async () => {
    // A server that holds every request and notes when the caller hangs up.
    const held: { closed: boolean }[] = [];
    const hold = createServer((req, res) => {
      const entry = { closed: false };
      held.push(entry);
      res.on('close', () => {
        entry.closed = !res.writableFinished;
      });
      req.resume();
    });
    await new Promise<void>((resolve) => hold.listen(0, '127.0.0.1', resolve));
    try {
      clients = new AwsClients({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${(hold.address() as AddressInfo).port}`,
        credentials,
        maxAttempts: 3,
      });
      const cw = clients.cloudWatch();
      const running = new AbortController();
      const call = withReconcileSignal(running.signal, () =>
        cw.send(new DescribeAlarmsCommand({})),
      );
      await expect.poll(() => held.length).toBe(1);
      running.abort(new Error('leader election lost'));
      const error: unknown = await call.catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'AbortError', cause: new Error('leader election lost') });
      await expect.poll(() => held[0]?.closed).toBe(true);
      expect(held).toHaveLength(1);

      // The caller's own signal still works alongside the reconcile's.
      const own = new AbortController();
      const second = withReconcileSignal(new AbortController().signal, () =>
        cw.send(new DescribeAlarmsCommand({}), { abortSignal: own.signal }),
      );
      await expect.poll(() => held.length).toBe(2);
      own.abort();
      expect(await second.catch((e: unknown) => e)).toMatchObject({ name: 'AbortError' });
    } finally {
      clients?.destroy();
      clients = undefined;
      hold.closeAllConnections();
      await new Promise<void>((resolve) => {
        hold.close(() => {
          resolve();
        });
      });
    }
  });

  it('the SDK retries throttling itself (standard mode)', async () => {
    server = await startLocalAwsServer([throttled, { status: 200, body: { MetricAlarms: [] } }]);
    clients = new AwsClients({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials,
      maxAttempts: 3,
    });
    const out = await clients.cloudWatch().send(new DescribeAlarmsCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    expect(server.seen).toHaveLength(2);
  });

  it('with maxAttempts 1 a throttle surfaces, classified as Throttling', async () => {
    server = await startLocalAwsServer([throttled]);
    clients = new AwsClients({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials,
      maxAttempts: 1,
    });
    const error: unknown = await clients
      .cloudWatch()
      .send(new DescribeAlarmsCommand({}))
      .catch((e: unknown) => e);
    expect(classifyAwsError(error)).toBe('Throttling');
    expect(server.seen).toHaveLength(1);
  });

  it('logs one sanitised record per call: no input, output or credentials', async () => {
    server = await startLocalAwsServer([
      {
        status: 200,
        body: { MetricAlarms: [{ AlarmName: 'db-password=hunter2', StateValue: 'OK' }] },
      },
    ]);
    const records: { obj: object; msg?: string | undefined }[] = [];
    const sink = {
      debug: (obj: object, msg?: string) => records.push({ obj, msg }),
      warn: (obj: object, msg?: string) => records.push({ obj, msg }),
    };
    clients = new AwsClients({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials,
      maxAttempts: 1,
      logger: sink,
    });
    await clients.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'hunter2' }));
    server.replies = [throttled];
    await clients
      .cloudWatch()
      .send(new DescribeAlarmsCommand({}), {})
      .catch(() => undefined);
    expect(records).toEqual([
      {
        msg: 'aws call',
        obj: {
          service: 'cloudwatch',
          region: 'us-east-1',
          command: 'DescribeAlarmsCommand',
          httpStatusCode: 200,
          requestId: 'req-1',
          attempts: 1,
          totalRetryDelayMs: 0,
        },
      },
      {
        msg: 'aws call failed',
        obj: expect.objectContaining({
          service: 'cloudwatch',
          command: 'DescribeAlarmsCommand',
          httpStatusCode: 400,
          error: 'Throttling',
        }) as object,
      },
    ]);
    const text = JSON.stringify(records);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('very-secret-key');
    expect(text).not.toContain('AKIA');
  });
});
