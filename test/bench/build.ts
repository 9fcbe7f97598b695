// Compiles the benchmarked process (noop-controller.ts and what it imports) with tsc, as the
// production image runs the controller (`node dist/controller/main.js`). Running it through the
// tsx loader instead would add ~85 MiB RSS and ~30 MiB heap of loader and transpiler state to
// every memory figure (measured on this project), which is not the controller's.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./noop-controller.ts', import.meta.url));

/**
 * Emits JavaScript under `<dir>/out` (mirroring the repository's layout) and returns the path of
 * the compiled entry. `dir` must lie inside the repository so the output resolves node_modules.
 * Type errors (possibly in someone's work in progress) are reported, not fatal: tsc still emits.
 */
export async function compileNoopController(
  dir: string,
  log: (line: string) => void,
  entryTs: string = ENTRY,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(dir, 'tsconfig.json');
  const outDir = join(dir, 'out');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO_ROOT, 'tsconfig.json'),
      compilerOptions: {
        rootDir: REPO_ROOT,
        outDir,
        noEmit: false,
        noEmitOnError: false,
        sourceMap: false,
        declaration: false,
      },
      include: [],
      files: [entryTs],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', tsconfig], { cwd: REPO_ROOT });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    log(
      `tsc reported errors (output emitted anyway):\n${out.trim().split('\n').slice(0, 10).join('\n')}`,
    );
  }
  const entry = join(outDir, relative(REPO_ROOT, entryTs).replace(/\.ts$/, '.js'));
  if (!existsSync(entry)) throw new Error(`tsc did not emit ${entry}`);
  return entry;
}
