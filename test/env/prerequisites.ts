// The programs the local stack runs that npm cannot provide: redis-server (Debian) and moto_server
// (PyPI). A fresh development machine has neither redis-server nor, sometimes, moto; so that
// `npm run demo` and `npm test` work there as the README promises, a missing one is installed the
// way .ci/run installs it — only as root with apt/pip available, and never when
// LATTICEDB_AUTO_INSTALL=false. Otherwise the error names the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';

interface Prerequisite {
  readonly command: string;
  /** Shell command that installs it (printed when we may not run it ourselves). */
  readonly install: string;
}

const REDIS: Prerequisite = {
  command: 'redis-server',
  install: 'apt-get update && apt-get install -y --no-install-recommends redis-server',
};
const MOTO: Prerequisite = {
  command: 'moto_server',
  install: "python3 -m pip install 'moto[server]==5.2.1'",
};

export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    spawnSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore', env }).status === 0
  );
}

/** Makes sure the servers the stack will start exist, installing them where that is allowed. */
export function ensurePrerequisites(
  needs: { readonly redis: boolean; readonly moto: boolean },
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): void {
  const missing = [needs.redis ? REDIS : undefined, needs.moto ? MOTO : undefined].filter(
    (p): p is Prerequisite => p !== undefined && !onPath(p.command, env),
  );
  if (missing.length === 0) return;
  const mayInstall = env.LATTICEDB_AUTO_INSTALL !== 'false' && process.getuid?.() === 0;
  for (const p of missing) {
    if (!mayInstall) {
      throw new Error(
        `${p.command} is not installed; install it with: ${p.install}` +
          ' (or point the tests at an existing server: REDIS_URL / AWS_ENDPOINT_URL)',
      );
    }
    log(
      `${p.command} is missing: installing it (${p.install}); LATTICEDB_AUTO_INSTALL=false stops this`,
    );
    execFileSync('sh', ['-c', p.install], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    // pyenv installs console scripts behind shims that appear only after a rehash.
    if (!onPath(p.command, env) && onPath('pyenv', env)) execFileSync('pyenv', ['rehash'], { env });
    if (!onPath(p.command))
      throw new Error(`${p.command} is still not on PATH after: ${p.install}`);
  }
}
