/**
 * Bundles the compiled controller (tsc output) into one file, the way the image runs it:
 * `node build/bundle.ts [entry] [outfile]`, by default dist/controller/main.js in place (part of
 * `npm run build` and of the Dockerfile's build stage).
 *
 * Why: loading @kubernetes/client-node through its index loads every generated API and model of
 * Kubernetes (~25 MB of JavaScript source, kept in memory as strings beside its compiled code),
 * while the controller uses four API classes. Bundling keeps only what is reachable from the entry
 * (esbuild's tree shaking) and drops the generated code's indentation; measured with
 * `npm run bench -- --suites memory` (README, "Memory with the real reconcilers"): the process
 * starts ~30 MiB smaller.
 *
 * Left outside the bundle (loaded from node_modules as before): packages that locate files next to
 * their own code at run time — pino (its transports run worker files by path) and ioredis (reads
 * its package.json for the client name it reports to Redis).
 */
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

export const EXTERNAL_PACKAGES = ['ioredis', 'pino'] as const;

// CommonJS dependencies (the AWS SDK, ws, …) call require() for Node's built-in modules.
const BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

export async function bundleController(entry: string, outfile: string): Promise<void> {
  // Already a bundle (a second run without tsc in between): bundling it again would declare
  // `require` twice.
  if (readFileSync(entry, 'utf8').slice(0, 500).includes(BANNER)) return;
  await build({
    entryPoints: [entry],
    outfile,
    allowOverwrite: entry === outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: [...EXTERNAL_PACKAGES],
    // Whitespace only: names stay, so stack traces and `error.name` read as before.
    minifyWhitespace: true,
    legalComments: 'none',
    banner: { js: BANNER },
    logLevel: 'warning',
  });
}

if (import.meta.main) {
  const [entry = 'dist/controller/main.js', outfile = entry] = process.argv.slice(2);
  await bundleController(entry, outfile);
}
