/** Container image registry checks for pre-flight. */
export type ImageLookup =
  | { readonly kind: 'found'; readonly digest?: string }
  | { readonly kind: 'missing'; readonly reason: string }
  /** Not an ECR image (e.g. docker.io): we cannot check it; pre-flight reports a warning. */
  | { readonly kind: 'unchecked'; readonly reason: string };

export interface ImageRegistryPort {
  lookup(image: string): Promise<ImageLookup>;
}
