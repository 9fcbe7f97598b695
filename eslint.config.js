// ESLint flat config: type-aware typescript-eslint rules plus the layer boundaries that keep the
// generic runtime (controller/) free of domain code and the reconcilers free of each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** A kind imports another kind at no depth (`../release/**`, `../../release/plan/**`, …). */
const OTHER_KINDS = (self) => ({
  group: ['release', 'flagrollout', 'scalepolicy', 'failoverplan']
    .filter((kind) => kind !== self)
    .map((kind) => `**/${kind}/**`),
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
  ],
  message:
    'plan/ and the reconciler kit are pure: no adapters, SDKs, Redis, Kubernetes or Node I/O.',
};

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
    files: ['reconcilers/release/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../flagrollout/**', '../scalepolicy/**', '../failoverplan/**'],
              message: 'Reconcilers share code through reconcilers/shared only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['reconcilers/flagrollout/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [OTHER_KINDS('flagrollout')] }],
    },
  },
  {
    files: ['reconcilers/scalepolicy/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [OTHER_KINDS('scalepolicy')] }],
    },
  },
  // Decisions are pure: a plan/ folder (and the kit it is built from) never reaches the world.
  // Listed after the kind blocks because a later block's no-restricted-imports replaces an earlier one.
  {
    files: ['reconcilers/flagrollout/plan/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [OTHER_KINDS('flagrollout'), PLAN_IS_PURE] }],
    },
  },
  {
    files: ['reconcilers/scalepolicy/plan/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [OTHER_KINDS('scalepolicy'), PLAN_IS_PURE] }],
    },
  },
  {
    files: ['reconcilers/shared/kit/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [PLAN_IS_PURE] }],
    },
  },
  {
    files: ['reconcilers/failoverplan/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../release/**', '../flagrollout/**', '../scalepolicy/**'],
              message: 'Reconcilers share code through reconcilers/shared only.',
            },
          ],
        },
      ],
    },
  },
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
