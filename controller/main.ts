#!/usr/bin/env node
/**
 * Composition root: the only module of controller/ that knows about reconcilers/.
 *
 * `reconcilers/index.ts` must export `setups: readonly KindSetup[]` (see controller/index.ts).
 * It is imported through a variable specifier so this file compiles before that module exists;
 * once it does, this can become `import { setups } from '../reconcilers/index.js'`.
 */
import { assertSetups, runController } from './app.js';

const RECONCILERS = '../reconcilers/index.js';

const setups = assertSetups(await import(RECONCILERS));
const code = await runController({ argv: process.argv.slice(2), env: process.env, setups });
// Exit explicitly: a lingering keep-alive socket must not keep a stopped controller alive.
process.exit(code);
