// Runtime dependencies are what the image keeps after `npm prune --omit=dev`: each must be imported
// by the shipped code (controller/, reconcilers/, flags/ — what tsc builds into dist/) or be a peer
// dependency such an import needs. Tools for tests and scripts (js-yaml, tsx, …) are dev-only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

describe('runtime dependencies', () => {
  const dependencies = readJson(join(REPO, 'package.json')).dependencies ?? {};
  const imported = new Set<string>();
  for (const file of [...sources('controller'), ...sources('reconcilers'), ...sources('flags')]) {
    const text = readFileSync(file, 'utf8');
    const statics = text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm);
    const dynamics = text.matchAll(/\bimport\('([^']+)'\)/g);
    for (const m of [...statics, ...dynamics]) {
      const spec = m[1]!;
      if (!spec.startsWith('.') && !spec.startsWith('node:')) imported.add(packageOf(spec));
    }
  }
  const peers = new Set(
    [...imported].flatMap((name) =>
      Object.keys(
        readJson(join(REPO, 'node_modules', name, 'package.json')).peerDependencies ?? {},
      ),
    ),
  );

  it('are each imported by the shipped code or a peer dependency of such an import', () => {
    const unused = Object.keys(dependencies).filter((d) => !imported.has(d) && !peers.has(d));
    expect(unused).toEqual([]);
  });

  it('cover every package the shipped code imports', () => {
    const missing = [...imported].filter((d) => !(d in dependencies));
    expect(missing).toEqual([]);
  });
});
