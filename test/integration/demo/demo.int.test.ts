// `npm run demo -- --duration` as a smoke test of the whole chain a newcomer runs: CRDs installed,
// moto seeded through the shared fixture, every example templated and applied, the controller
// started as its own process (controller/main.ts) and reconciling each of them, then a clean stop.
// The demo runs against this run's stack through test/env's envtest-style overrides (existing
// cluster, REDIS_URL, AWS_ENDPOINT_URL), so no second stack starts. The demo's own exit code is
// its verdict (every applied object has status.observedGeneration = generation, no scenario failed).
// Notifications go to the demo's local receiver, which prints them.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { loadExample } from '../../demo/examples.js';
import { resetAws, testEnv, uniqueName } from '../../env/fixtures.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../manifests/examples/', import.meta.url));

it('runs every example through the controller and stops cleanly', async () => {
  await resetAws();
  const env = testEnv();
  const namespace = uniqueName('demo');
  const run = await runDemo(['--duration', '30s', '--namespace', namespace, '--keep'], {
    ...process.env,
    LATTICEDB_USE_EXISTING_CLUSTER: 'true',
    KUBECONFIG: env.kubeconfigPath,
    REDIS_URL: env.redisUrl,
    AWS_ENDPOINT_URL: env.awsEndpoint,
  });
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toContain('\npassed\n');
  const applied = new Set(
    [...run.stdout.matchAll(/applied (\w+)\/([a-z0-9-]+)/g)].map((m) => `${m[1]}/${m[2]}`),
  );
  const examples = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => loadExample(f))
    .map((o) => `${o.kind}/${o.metadata.name}`);
  for (const example of examples) expect(applied).toContain(example);
  const kept = /state kept in (\S+)/.exec(run.stderr)?.[1];
  expect(kept, run.stderr).toBeDefined();
  // The Redis URL carries the password: the controller's log (its "starting" line included)
  // must not, however the demo hands the URL over.
  const password = new URL(env.redisUrl).password;
  expect(password.length).toBeGreaterThan(0);
  const log = readFileSync(join(kept ?? '', 'controller.log'), 'utf8');
  expect(log).toContain('starting controller');
  expect(log).not.toContain(password);
  // env.sh (for another terminal) points at this stack and is the owner's only.
  const envFile = join(kept ?? '', 'env.sh');
  expect(readFileSync(envFile, 'utf8')).toContain(`export REDIS_URL='${env.redisUrl}'`);
  expect(statSync(envFile).mode & 0o077).toBe(0);
  rmSync(kept ?? '', { recursive: true, force: true });
  // The messages the controller sent to the demo's stand-in Slack and webhook receiver.
  expect(run.stdout).toMatch(/slack: \*Release \S+\/\S+\* \(revision \d+\) — revision-started: /);
  expect(run.stdout).toMatch(/webhook: revision-started Release \S+ \(signed sha256=/);
}, 150_000);

function runDemo(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/demo/main.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
