// The demo's local stack: the test environment (kube-apiserver + etcd, redis-server, moto), with
// moto started here first so it can be told that services run their desired tasks
// (MOTO_ECS_SERVICE_RUNNING): by default moto starts every ECS service with 0 running tasks and a
// rollout IN_PROGRESS forever, and a Release's pre-flight would (rightly) refuse such a service.
// The envtest-style overrides of test/env (existing cluster, REDIS_URL, AWS_ENDPOINT_URL) are
// honoured: with AWS_ENDPOINT_URL set, that endpoint is used as it is.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  binDir,
  ensurePrerequisites,
  startEnvironment,
  startMoto,
  type MotoServer,
  type TestEnvironment,
} from '../env/index.js';
import { createStateDir } from '../env/state-dir.js';

/** Tasks every seeded service runs (the scenarios seed with this desired count). */
export const SEEDED_RUNNING_TASKS = 4;

export interface DemoStack {
  readonly env: TestEnvironment;
  stop(): Promise<void>;
}

export async function startDemoStack(options: {
  readonly keepStateDir: boolean;
  readonly log: (line: string) => void;
}): Promise<DemoStack> {
  const { log } = options;
  if (process.env.LATTICEDB_USE_EXISTING_CLUSTER !== 'true' && !hasControlPlane()) {
    log(
      `First run on this machine: kube-apiserver, etcd and kubectl are built from Go modules ` +
        `into ${binDir()} (about 4 minutes, once). Progress is in the state dir's build-k8s.log.`,
    );
  }
  ensurePrerequisites(
    {
      redis: process.env.REDIS_URL === undefined,
      moto: process.env.AWS_ENDPOINT_URL === undefined,
    },
    process.env,
    log,
  );
  const stateDir = createStateDir();
  let moto: MotoServer | undefined;
  if (process.env.AWS_ENDPOINT_URL === undefined) {
    moto = await startMoto({
      dir: stateDir,
      env: { MOTO_ECS_SERVICE_RUNNING: String(SEEDED_RUNNING_TASKS) },
    });
  }
  let env: TestEnvironment;
  try {
    env = await startEnvironment({
      stateDir,
      keepStateDir: options.keepStateDir,
      env: moto ? { ...process.env, AWS_ENDPOINT_URL: moto.endpoint } : process.env,
      log,
    });
  } catch (err) {
    await moto?.stop();
    throw err;
  }
  return {
    env,
    async stop() {
      await moto?.stop(); // before env.stop(), which deletes the state dir holding moto's log
      await env.stop();
    },
  };
}

function hasControlPlane(): boolean {
  return existsSync(join(binDir(), 'kube-apiserver')) && existsSync(join(binDir(), 'kubectl'));
}
