/**
 * API errors, normalised. client-node throws `ApiException` whose `body` is the raw `V1Status`
 * JSON string; the adapter converts it to {@link KubeApiError} so callers (and the in-memory fake)
 * share one type and these helpers.
 *
 * Two 409s mean different things: `Conflict` (stale resourceVersion: re-read and retry) and
 * `AlreadyExists` (create raced: adopt). A failed JSON Patch `test` is a 422 `Invalid`, not a
 * 409: it means "the object changed under us", so treat it like a conflict (requeue), see
 * {@link isStaleWrite}.
 */
import { ApiException } from '@kubernetes/client-node';

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  /** HTTP status code. */
  readonly code: number;
  /** `V1Status.reason`, e.g. `Conflict`, `AlreadyExists`, `NotFound`, `Invalid`, `Expired`. */
  readonly reason: string;
  /** `V1Status.details.causes[].message`, joined; the apiserver puts patch failures there. */
  readonly details: string;
  /** The apiserver's `Audit-Id` response header: finds the request in its audit log. */
  readonly auditId: string | undefined;

  constructor(
    code: number,
    reason: string,
    message: string,
    options?: { readonly cause?: unknown; readonly details?: string; readonly auditId?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = reason;
    this.details = options?.details ?? '';
    this.auditId = options?.auditId;
  }
}

interface StatusBody {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly causes?: readonly { readonly message?: string }[] };
}

/**
 * Converts client-node's `ApiException` (or anything else) to a `KubeApiError` when possible.
 * The `ApiException` is not kept as `cause`: its message repeats the whole response body and
 * headers, which would turn every logged API error into kilobytes; the status, reason, message,
 * causes and audit id are what an operator needs.
 */
export function toKubeApiError(err: unknown): unknown {
  if (err instanceof KubeApiError || !(err instanceof ApiException)) return err;
  const code = typeof err.code === 'number' ? err.code : 0;
  const body = parseStatus(err.body);
  const message = body.message ?? `HTTP ${code}`;
  const details = (body.details?.causes ?? []).map((c) => c.message ?? '').join('; ');
  const headers = (err as { headers?: Record<string, string> }).headers ?? {};
  const auditId = headers['audit-id'];
  return new KubeApiError(code, body.reason ?? '', message, { details, auditId });
}

function parseStatus(body: unknown): StatusBody {
  if (typeof body === 'object' && body !== null) return body;
  if (typeof body !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

function status(err: unknown): { code?: number; reason?: string; message: string } {
  const e = toKubeApiError(err);
  if (e instanceof KubeApiError) {
    return { code: e.code, reason: e.reason, message: `${e.message} ${e.details}` };
  }
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return { code: typeof code === 'number' ? code : undefined, message: String(e) };
}

/** 409 caused by a stale `resourceVersion` (not `AlreadyExists`). */
export function isConflict(err: unknown): boolean {
  const s = status(err);
  return s.code === 409 && s.reason !== 'AlreadyExists';
}

/** 409 `AlreadyExists` from a create. */
export function isAlreadyExists(err: unknown): boolean {
  const s = status(err);
  return s.code === 409 && s.reason === 'AlreadyExists';
}

export function isNotFound(err: unknown): boolean {
  return status(err).code === 404;
}

/** 403: RBAC does not allow the request. */
export function isForbidden(err: unknown): boolean {
  return status(err).code === 403;
}

/** 410 Gone / `Expired`: a resourceVersion or continue token too old to serve. */
export function isGone(err: unknown): boolean {
  return status(err).code === 410;
}

/** 422 `Invalid` (schema or validation rejected the write), excluding failed patch tests. */
export function isInvalid(err: unknown): boolean {
  return status(err).code === 422 && !isFailedPatchTest(err);
}

/**
 * What kube-apiserver (1.34) answers when a JSON Patch cannot be applied, e.g. a `test` operation
 * that did not match: 422 `Invalid` with this generic message and no field causes. A schema or
 * validation failure is also 422 `Invalid`, but names the object and lists the fields.
 */
const PATCH_NOT_APPLICABLE = 'the server rejected our request due to an error in our request';

/** 422 from a JSON Patch `test` operation that did not match (the object changed). */
export function isFailedPatchTest(err: unknown): boolean {
  const e = toKubeApiError(err);
  if (!(e instanceof KubeApiError) || e.code !== 422) return false;
  return (
    (e.message === PATCH_NOT_APPLICABLE && e.details === '') ||
    /test(ing value .*)? failed/i.test(e.details)
  );
}

/** Our write was based on an outdated object: 409 Conflict or a failed `test` guard. Requeue. */
export function isStaleWrite(err: unknown): boolean {
  return isConflict(err) || isFailedPatchTest(err);
}
