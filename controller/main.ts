#!/usr/bin/env node
/**
 * Composition root: the only module of controller/ that knows about reconcilers/. Everything else
 * (configuration, logger, manager, signals, exit codes) is in app.ts.
 */
import { nodeVersionProblem } from './node-version.js';

const tooOld = nodeVersionProblem(
  process.versions.node,
  process.execPath,
  'dist/controller/main.js',
);
if (tooOld !== undefined) {
  process.stderr.write(tooOld);
  process.exit(1);
}
// Imported only now: on an old Node these imports are what fails, with an undici TypeError.
const { setups } = await import('../reconcilers/index.js');
const { runController } = await import('./app.js');

const code = await runController({ argv: process.argv.slice(2), env: process.env, setups });
// Exit explicitly: a lingering keep-alive socket must not keep a stopped controller alive.
process.exit(code);
