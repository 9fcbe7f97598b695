// The package's public entry points (`exports` ./flags and ./openfeature, `bin` latticedb-flags)
// name files that `npm run build` emits: each maps back to a source file under flags/, the client
// package, so a move of the SDK or the CLI cannot leave package.json pointing at nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface PackageJson {
  exports: Record<string, string>;
  bin: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;

/** `./dist/flags/index.js` → `flags/index.ts` (tsc's rootDir is the repository). */
const sourceOf = (built: string): string =>
  built
    .replace(/^\.\//, '')
    .replace(/^dist\//, '')
    .replace(/\.js$/, '.ts');

describe('package entry points', () => {
  it('keep their published names', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['./flags', './openfeature']);
    expect(Object.keys(pkg.bin)).toContain('latticedb-flags');
  });

  it.each([
    ['exports ./flags', pkg.exports['./flags']],
    ['exports ./openfeature', pkg.exports['./openfeature']],
    ['bin latticedb-flags', pkg.bin['latticedb-flags']],
  ])('%s is built from a source file of the client package (flags/)', (_what, built) => {
    expect(built).toMatch(/^(\.\/)?dist\//);
    const source = sourceOf(built ?? '');
    expect(source).toMatch(/^flags\//);
    expect(existsSync(join(REPO, source))).toBe(true);
  });
});
