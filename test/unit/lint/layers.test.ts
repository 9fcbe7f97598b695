// The layer rules of eslint.config.js bite: each is shown an offending snippet through ESLint's
// Node API (the project's own config, on a path inside the tree so the globs and the resolver see
// it as they see real code) and must report it, while the allowed form passes. A rule that cannot
// fail — a glob that matches no file, an import the resolver cannot follow (the zones then skip
// it silently), a file extension import-x ignores (no-cycle then walks nothing) — fails here.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CONFIG = `${ROOT}/eslint.config.js`;
const { KINDS } = (await import(CONFIG)) as { KINDS: readonly string[] };
const LAYER_RULES = new Set([
  'import-x/no-restricted-paths',
  'import-x/no-cycle',
  'no-restricted-imports',
]);

// Only the layer rules run, without type information: the probes are not files of the TS project.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => LAYER_RULES.has(ruleId),
});

/** The layer rules `code` breaks when it is the file at `path` (relative to the repository). */
async function violations(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${path}` });
  if (result === undefined) throw new Error(`nothing linted for ${path}`);
  if (result.messages.some((m) => m.ruleId === null)) {
    throw new Error(`not linted as code: ${JSON.stringify(result.messages)}`);
  }
  return result.messages.map((m) => m.ruleId ?? '');
}

const LINT_TIMEOUT = 120_000;

describe('lint: the layers hold at every depth', { timeout: LINT_TIMEOUT }, () => {
  it('finds the four kinds (a kind is a folder of reconcilers/ with an api.ts)', () => {
    expect(KINDS).toEqual(
      expect.arrayContaining(['failoverplan', 'flagrollout', 'release', 'scalepolicy']),
    );
  });

  it('a kind never imports another kind, from its root or from deep inside it', async () => {
    for (const kind of KINDS) {
      for (const other of KINDS.filter((k) => k !== kind)) {
        const shallow = await violations(
          `reconcilers/${kind}/lint-probe.ts`,
          `import { x } from '../${other}/api.js';\nexport const y = x;\n`,
        );
        expect(shallow, `${kind} → ${other}`).toContain('import-x/no-restricted-paths');
        // `'../other/**'`, the text pattern this rule replaces, misses this one.
        const deep = await violations(
          `reconcilers/${kind}/plan/nested/lint-probe.ts`,
          `import type { X } from '../../../${other}/api.js';\nexport type Y = X;\n`,
        );
        expect(deep, `${kind}/plan/nested → ${other}`).toContain('import-x/no-restricted-paths');
      }
    }
  });

  it('a kind may import reconcilers/shared and its own files', async () => {
    expect(
      await violations(
        'reconcilers/release/plan/nested/lint-probe.ts',
        "import { condition } from '../../../shared/kit/index.js';\n" +
          "import { ReleaseStage } from '../../api.js';\nexport const y = [condition, ReleaseStage];\n",
      ),
    ).toEqual([]);
  });

  it('plan/ (at any depth) and the kit never import adapters or runtime wiring', async () => {
    for (const path of [
      'reconcilers/release/plan/lint-probe.ts',
      'reconcilers/scalepolicy/plan/nested/lint-probe.ts',
      'reconcilers/flagrollout/plan/lint-probe.ts',
    ]) {
      const depth = path.split('/').length - 2;
      const up = '../'.repeat(depth);
      expect(
        await violations(path, `import { x } from '${up}shared/adapters/aws/clients.js';\nx();\n`),
        path,
      ).toContain('import-x/no-restricted-paths');
      expect(
        await violations(path, `import { x } from '${up}shared/runtime/index.js';\nx();\n`),
        path,
      ).toContain('import-x/no-restricted-paths');
    }
    expect(
      await violations(
        'reconcilers/shared/kit/lint-probe.ts',
        "import { x } from '../adapters/aws/clients.js';\nx();\n",
      ),
    ).toContain('import-x/no-restricted-paths');
  });

  it('plan/ and the kit never import Redis, the AWS SDK, the Kubernetes client or Node I/O', async () => {
    for (const path of [
      'reconcilers/release/plan/lint-probe.ts',
      'reconcilers/failoverplan/plan/nested/lint-probe.ts',
      'reconcilers/shared/kit/lint-probe.ts',
    ]) {
      for (const module of [
        'ioredis',
        '@aws-sdk/client-ecs',
        '@kubernetes/client-node',
        'node:fs',
      ]) {
        expect(
          await violations(path, `import { x } from '${module}';\nx();\n`),
          `${path} ← ${module}`,
        ).toContain('no-restricted-imports');
      }
      // Hashing is pure (spec hashes, snapshot ids).
      expect(
        await violations(
          path,
          "import { createHash } from 'node:crypto';\ncreateHash('sha256');\n",
        ),
      ).toEqual([]);
    }
  });

  it('reconcilers reach the runtime only through controller/index.ts', async () => {
    for (const path of [
      'reconcilers/lint-probe.ts',
      'reconcilers/release/lint-probe.ts',
      'reconcilers/release/plan/lint-probe.ts',
      'reconcilers/shared/analysis/lint-probe.ts',
      'reconcilers/shared/adapters/aws/lint-probe.ts',
    ]) {
      const up = '../'.repeat(path.split('/').length - 1);
      expect(
        await violations(
          path,
          `import { parseDuration } from '${up}controller/duration.js';\nparseDuration('1s');\n`,
        ),
        path,
      ).toContain('import-x/no-restricted-paths');
      expect(
        await violations(
          path,
          `import { parseDuration } from '${up}controller/index.js';\nparseDuration('1s');\n`,
        ),
        path,
      ).toEqual([]);
    }
  });

  it('no import cycles: the one plan/migration.ts and plan/flags-left-on.ts had is refused', async () => {
    // As if maintenance-flag.ts imported migration.ts, which imports maintenance-flag.ts.
    const cyclic = await violations(
      'reconcilers/release/plan/maintenance-flag.ts',
      "import { migrationStage } from './migration.js';\nexport const flagAction = migrationStage;\n",
    );
    expect(cyclic).toContain('import-x/no-cycle');
    // A type-only import is erased: no cycle at run time.
    expect(
      await violations(
        'reconcilers/release/plan/maintenance-flag.ts',
        "import type { migrationStage } from './migration.js';\nexport type F = typeof migrationStage;\n",
      ),
    ).toEqual([]);
  });
});
