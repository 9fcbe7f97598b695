// ESLint flat config: type-aware typescript-eslint rules plus the layer boundaries that keep the
// generic runtime (controller/) free of domain code and the reconcilers free of each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../release/**', '../scalepolicy/**', '../failoverplan/**'],
              message: 'Reconcilers share code through reconcilers/shared only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['reconcilers/scalepolicy/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../release/**', '../flagrollout/**', '../failoverplan/**'],
              message: 'Reconcilers share code through reconcilers/shared only.',
            },
          ],
        },
      ],
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
