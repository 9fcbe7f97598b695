// The layer rules in eslint.config.js hold at any depth: a plan/ file (and the kit) never imports
// adapters, the runtime helpers, Redis, the AWS SDK or the Kubernetes client, and a kind never
// imports another kind. Linted with the repository's own config, type-aware rules switched off.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function restricted(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
  });
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

const IMPURE = [
  "import { Redis } from 'ioredis';",
  "import { ECSClient } from '@aws-sdk/client-ecs';",
  "import { KubeConfig } from '@kubernetes/client-node';",
  "import { AwsClients } from '../../../shared/adapters/aws/clients.js';",
  "import { awsClientsFor } from '../../../shared/runtime/index.js';",
];

describe('layer lint rules', () => {
  it.each(IMPURE)('refuses %s in a nested scalepolicy/plan file', async (line) => {
    expect(
      await restricted('reconcilers/scalepolicy/plan/deep/probe.ts', `${line}\n`),
    ).toHaveLength(1);
  });

  it.each(IMPURE)('refuses %s in a nested flagrollout/plan file', async (line) => {
    expect(
      await restricted('reconcilers/flagrollout/plan/deep/probe.ts', `${line}\n`),
    ).toHaveLength(1);
  });

  it('refuses another kind in flagrollout at any depth; the flags package is allowed', async () => {
    expect(
      await restricted(
        'reconcilers/flagrollout/changes/probe.ts',
        "import { ReleaseKind } from '../../release/api.js';\n",
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        'reconcilers/flagrollout/plan/probe.ts',
        "import { percentToBasisPoints } from '../../../flags/model.js';\n",
      ),
    ).toEqual([]);
  });

  it('keeps the published flags package from importing reconcilers', async () => {
    expect(
      await restricted(
        'flags/cli/probe.ts',
        "import { FlagRolloutKind } from '../../reconcilers/flagrollout/api.js';\n",
      ),
    ).toHaveLength(1);
  });

  it('refuses impure imports in the kit', async () => {
    expect(
      await restricted('reconcilers/shared/kit/probe.ts', `${IMPURE[1] ?? ''}\n`),
    ).toHaveLength(1);
  });

  it('refuses another kind at any depth, and allows shared code', async () => {
    expect(
      await restricted(
        'reconcilers/scalepolicy/plan/probe.ts',
        "import { ReleaseKind } from '../../release/api.js';\n",
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        'reconcilers/scalepolicy/plan/probe.ts',
        "import { earliest } from '../../shared/kit/index.js';\n",
      ),
    ).toEqual([]);
  });
});
