// ImageRegistryPort over ECR DescribeImages: the reference is parsed (account, region, repository,
// tag or digest) and looked up in that registry and region. A missing repository or image is
// `missing`; a reference outside ECR is `unchecked`; other errors (throttling, access) are thrown.
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import type { ImageLookup, ImageRegistryPort } from '../../ports/images.js';
import type { AwsClients } from './clients.js';
import { awsErrorFacts } from './errors.js';
import { describeEcrImage, parseEcrImage } from './images-ecr-reference.js';

const MISSING = new Set(['ImageNotFoundException', 'RepositoryNotFoundException']);

export class EcrImageRegistry implements ImageRegistryPort {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async lookup(image: string): Promise<ImageLookup> {
    const parsed = parseEcrImage(image);
    if (parsed.kind === 'not-ecr') return { kind: 'unchecked', reason: 'not an ECR image' };
    if (parsed.kind === 'invalid') return { kind: 'missing', reason: parsed.reason };
    const ref = parsed.ref;
    try {
      const out = await this.#clients.ecr(ref.region).send(
        new DescribeImagesCommand({
          registryId: ref.registryId,
          repositoryName: ref.repository,
          imageIds: [ref.tag === undefined ? { imageDigest: ref.digest } : { imageTag: ref.tag }],
        }),
      );
      const digest = out.imageDetails?.[0]?.imageDigest;
      if (out.imageDetails?.length === 0) {
        return { kind: 'missing', reason: `image ${describeEcrImage(ref)} not found` };
      }
      return digest === undefined ? { kind: 'found' } : { kind: 'found', digest };
    } catch (error) {
      const { name } = awsErrorFacts(error);
      if (!MISSING.has(name)) throw error;
      return {
        kind: 'missing',
        reason:
          name === 'RepositoryNotFoundException'
            ? `repository ${ref.repository} not found`
            : `image ${describeEcrImage(ref)} not found`,
      };
    }
  }
}
