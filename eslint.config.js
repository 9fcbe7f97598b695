// ESLint flat config: type-aware typescript-eslint rules plus the layer boundaries that keep the
// generic runtime (controller/) free of domain code and the reconcilers free of each other.
//
// The layers are checked on resolved paths (eslint-plugin-import-x, resolving `.js` specifiers to
// the `.ts` files through eslint-import-resolver-typescript), not on the text of an import: a rule
// written as `'../flagrollout/**'` only catches a direct sibling, while a zone holds at every depth.
// test/unit/lint/layers.test.ts lints an offending snippet against each rule, so none can silently
// stop biting (an import the resolver cannot resolve is skipped by the zones, which that test
// would show).
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const ROOT = import.meta.dirname;

/** A kind is a folder under reconcilers/ with an api.ts: new kinds are covered without an edit. */
export const KINDS = readdirSync(join(ROOT, 'reconcilers'), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && existsSync(join(ROOT, 'reconcilers', entry.name, 'api.ts')),
  )
  .map((entry) => entry.name)
  .sort();

/** Pure decision cores, at any depth: every kind's plan/ and the kit they are built from. */
const PURE = ['reconcilers/**/plan/**', 'reconcilers/shared/kit/**'];

/**
 * Code under reconcilers/ that reaches the runtime only through controller/index.ts. Left out:
 * the programs and the client SDK the package ships (the `latticedb-flags` CLI, the kubectl plugin,
 * `./flags`): they are not reconcilers and import only the leaf modules they use (a duration
 * parser, the error scrubber), not the runtime's barrel with its Kubernetes client and metrics.
 */
const USES_RUNTIME = [
  'reconcilers/*.ts',
  'reconcilers/shared/!(flags)/**',
  ...KINDS.flatMap((kind) => [`reconcilers/${kind}/*.ts`, `reconcilers/${kind}/!(cli)/**`]),
];

/** Path zones (import-x/no-restricted-paths): what a folder never imports, wherever it sits. */
export const LAYER_ZONES = [
  ...KINDS.map((kind) => ({
    target: `reconcilers/${kind}/**`,
    from: KINDS.filter((other) => other !== kind).map((other) => `reconcilers/${other}/**`),
    message: 'A kind never imports another kind: share code through reconcilers/shared only.',
  })),
  {
    target: PURE,
    from: ['reconcilers/shared/adapters/**', 'reconcilers/shared/runtime/**'],
    message: 'plan/ and the reconciler kit are pure: adapters and runtime wiring stay outside.',
  },
  {
    target: USES_RUNTIME,
    // A plain folder (not a glob), so the exception is a path relative to it.
    from: 'controller',
    except: ['./index.ts'],
    message: 'Reconcilers reach the runtime through controller/index.ts, its public surface.',
  },
];

/**
 * The same layers by the text of an import (`no-restricted-imports`), where a text says enough at
 * any depth: package names, and `**` patterns for another kind's folder or the adapters. The
 * zones above are the check on resolved paths; these name the offence in the editor as it is
 * typed, before the resolver runs.
 */
const OTHER_KINDS = (self) => ({
  group: KINDS.filter((kind) => kind !== self).map((kind) => `**/${kind}/**`),
  message: 'Reconcilers share code through reconcilers/shared only.',
});

/** What a pure decision core never imports, at any depth. */
const PLAN_IS_PURE = {
  group: [
    '**/adapters/**',
    '**/shared/runtime/**',
    'ioredis',
    'ioredis/**',
    '@aws-sdk/*',
    '@aws-sdk/**',
    '@kubernetes/*',
    '@kubernetes/**',
    'node:*',
    // Hashing is a pure function (spec hashes, snapshot ids): the one Node module allowed.
    '!node:crypto',
  ],
  message:
    'plan/ and the reconciler kit are pure: no adapters, SDKs, Redis, Kubernetes or Node I/O.',
};

/**
 * no-restricted-imports per folder. A later block's options replace an earlier one's for the
 * same file, so a kind's plan/ block repeats the kind's own patterns.
 */
const TEXT_LAYERS = [
  ...KINDS.map((kind) => ({
    files: [`reconcilers/${kind}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [OTHER_KINDS(kind)] }] },
  })),
  ...KINDS.map((kind) => ({
    files: [`reconcilers/${kind}/**/plan/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [OTHER_KINDS(kind), PLAN_IS_PURE] }],
    },
  })),
  {
    files: ['reconcilers/shared/kit/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [PLAN_IS_PURE] }] },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.test-env/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // client-node's models are data-only classes whose serializer reads fields, never the
      // prototype: plain object literals are what its API expects in practice.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-unnecessary-condition': [
        'error',
        { allowConstantLoopConditions: true },
      ],
    },
  },
  {
    files: ['controller/**/*.ts'],
    ignores: ['controller/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/reconcilers/**'],
              message:
                'controller/ is the generic runtime; only controller/main.ts wires in reconcilers.',
            },
          ],
        },
      ],
    },
  },
  // The flags SDK and CLI (package exports `./flags`, `./openfeature`, bin `latticedb-flags`) are
  // what applications and operators install: they never reach into the controller's reconcilers.
  {
    files: ['flags/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/reconcilers/**'],
              message:
                'flags/ is the published client package; reconcilers import it, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without .ts here import-x skips every TypeScript file it follows, and no-cycle finds none.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: join(ROOT, 'test/tsconfig.json') }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: LAYER_ZONES }],
      // Value imports only (a type-only import is erased and creates no cycle at run time).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  ...TEXT_LAYERS,
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
