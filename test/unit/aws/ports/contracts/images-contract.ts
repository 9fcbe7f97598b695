// The ImageRegistryPort contract, run against FakeImageRegistry (unit) and EcrImageRegistry on
// moto (integration).
import { beforeEach, describe, expect, it } from 'vitest';
import type { ImageRegistryPort } from '../../../../../reconcilers/shared/ports/images.js';

export interface ImagesContractWorld {
  readonly port: ImageRegistryPort;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>` of an existing repository. */
  readonly repositoryUri: string;
  /** A tag pushed to it and its digest. */
  readonly tag: string;
  readonly digest: string;
}

export function describeImageRegistryContract(setup: () => Promise<ImagesContractWorld>): void {
  let w: ImagesContractWorld;
  beforeEach(async () => {
    w = await setup();
  });

  describe('ImageRegistryPort', () => {
    it('finds an image by tag or by digest', async () => {
      expect(await w.port.lookup(`${w.repositoryUri}:${w.tag}`)).toEqual({
        kind: 'found',
        digest: w.digest,
      });
      expect(await w.port.lookup(`${w.repositoryUri}@${w.digest}`)).toMatchObject({
        kind: 'found',
        digest: w.digest,
      });
    });

    it('reports a missing tag, digest or repository', async () => {
      const registry = w.repositoryUri.slice(0, w.repositoryUri.indexOf('/'));
      for (const image of [
        `${w.repositoryUri}:0.0.0-missing`,
        `${w.repositoryUri}@sha256:${'b'.repeat(64)}`,
        `${registry}/no-such-repo:1.0.0`,
      ]) {
        expect(await w.port.lookup(image)).toMatchObject({ kind: 'missing' });
      }
    });

    it('leaves non-ECR images unchecked', async () => {
      for (const image of ['nginx:1.27', 'docker.io/library/redis:7', 'public.ecr.aws/x/y:1']) {
        expect(await w.port.lookup(image)).toMatchObject({ kind: 'unchecked' });
      }
    });
  });
}
