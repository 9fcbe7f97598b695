import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from '../../../controller/node-version.js';

describe('nodeVersionProblem', () => {
  it('requires the major version package.json "engines" names', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${String(REQUIRED_NODE_MAJOR)}`);
  });

  it('accepts Node 24 and newer', () => {
    expect(nodeVersionProblem('24.0.0', '/x/node', 'main.js')).toBeUndefined();
    expect(nodeVersionProblem('25.1.2', '/x/node', 'main.js')).toBeUndefined();
  });

  it('names the running version, its path and what to run instead', () => {
    const message = nodeVersionProblem('20.20.2', '/usr/bin/node', 'dist/controller/main.js');
    expect(message).toContain('needs Node.js 24 or newer; this is Node.js 20.20.2 (/usr/bin/node)');
    expect(message).toContain('node_modules/.bin/node dist/controller/main.js');
    expect(message).toContain('npm start');
  });
});
