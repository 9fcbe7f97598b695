// `npm run demo -- --duration` as a smoke test of the whole chain a newcomer runs: CRDs installed,
// moto seeded through the shared fixture, every example templated and applied, the controller
// started as its own process (controller/main.ts) and reconciling each of them, then a clean stop.
// The demo runs against this run's stack through test/env's envtest-style overrides (existing
// cluster, REDIS_URL, AWS_ENDPOINT_URL), so no second stack starts. The demo's own exit code is
// its verdict (every applied object has status.observedGeneration = generation, no scenario failed).
// Notifications go to the demo's local receiver, which prints them.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
  const run = await runDemo(['--duration', '30s', '--namespace', namespace], {
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
  expect(run.stderr).toContain('stopped; state dir removed');
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
