// Parses container image references that point at Amazon ECR. Pure: shared by the ECR adapter and
// the in-memory registry used in unit tests.

export interface EcrImageReference {
  readonly registryId: string;
  readonly region: string;
  readonly repository: string;
  /** Exactly one of tag and digest is set. */
  readonly tag?: string;
  readonly digest?: string;
}

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repo>[:tag|@sha256:hex]
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export type EcrParseResult =
  | { readonly kind: 'ecr'; readonly ref: EcrImageReference }
  | { readonly kind: 'not-ecr' }
  | { readonly kind: 'invalid'; readonly reason: string };

export function parseEcrImage(image: string): EcrParseResult {
  const slash = image.indexOf('/');
  const host = ECR_HOST.exec(slash < 0 ? '' : image.slice(0, slash));
  if (host === null) return { kind: 'not-ecr' };
  const [, registryId = '', region = ''] = host;
  const rest = image.slice(slash + 1);
  const at = rest.indexOf('@');
  let repository: string;
  let tag: string | undefined;
  let digest: string | undefined;
  if (at >= 0) {
    repository = rest.slice(0, at);
    digest = rest.slice(at + 1);
    if (!DIGEST.test(digest)) return { kind: 'invalid', reason: `bad digest in ${image}` };
  } else {
    const colon = rest.lastIndexOf(':');
    repository = colon < 0 ? rest : rest.slice(0, colon);
    tag = colon < 0 ? 'latest' : rest.slice(colon + 1);
    if (!TAG.test(tag)) return { kind: 'invalid', reason: `bad tag in ${image}` };
  }
  if (!REPOSITORY.test(repository)) {
    return { kind: 'invalid', reason: `bad repository name in ${image}` };
  }
  return {
    kind: 'ecr',
    ref: { registryId, region, repository, ...(tag === undefined ? { digest } : { tag }) },
  };
}

/** `repo:tag` or `repo@sha256:…`, for messages. */
export function describeEcrImage(ref: EcrImageReference): string {
  return ref.digest === undefined
    ? `${ref.repository}:${ref.tag ?? ''}`
    : `${ref.repository}@${ref.digest}`;
}
