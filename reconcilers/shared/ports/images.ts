/** Container image registry checks for pre-flight. */
export type ImageLookup =
  | { readonly kind: 'found'; readonly digest?: string }
  | { readonly kind: 'missing'; readonly reason: string }
  /** Not an ECR image (e.g. docker.io): we cannot check it; pre-flight reports a warning. */
  | { readonly kind: 'unchecked'; readonly reason: string };

export interface ImageRegistryPort {
  /**
   * `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` or `…@sha256:<hex>`: found or missing
   * (no such repository or image). Any other reference is unchecked. Throttling and access errors
   * are thrown, not reported as missing.
   */
  lookup(image: string): Promise<ImageLookup>;
}
