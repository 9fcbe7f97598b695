// What status says when a kind cannot read the world (observe threw): every kind, the same way.
// Without it the object kept whatever status it had — none at all on first sight — and only
// ReconcileError Warnings and logs told of the problem, which kstatus and Argo CD do not read.
// Pure: a function of the previous status and the error (its safe shape, never the raw error: no
// credential, header or body reaches status).
import {
  safeErrorShape,
  withKStatus,
  type BaseStatus,
  type KStatusState,
  type SafeErrorShape,
} from '../../../controller/index.js';
import { bounded } from './history.js';

/** Reasons of the kstatus condition a failed observation sets. */
export const ObserveFailure = {
  /** The credentials were refused (access denied, unknown key, bad signature): a person must act. */
  AccessDenied: 'AccessDenied',
  /** No credentials could be loaded, or they expired: retried (IRSA, Pod Identity may be late). */
  CredentialsUnavailable: 'CredentialsUnavailable',
  /** The endpoint did not answer (refused, reset, DNS, timeout): retried. */
  EndpointUnreachable: 'EndpointUnreachable',
  /** Anything else (throttling, a 5xx, an unexpected answer): retried. */
  ObserveFailed: 'ObserveFailed',
} as const;
export type ObserveFailure = (typeof ObserveFailure)[keyof typeof ObserveFailure];

export interface ObserveProblem {
  /** Stalled: a person must fix it (retries continue, at the runtime's backoff); else Reconciling. */
  readonly state: Extract<KStatusState, 'Stalled' | 'Reconciling'>;
  readonly reason: ObserveFailure;
  /** `Type: message`, scrubbed (controller/observability/safe-error.ts) and bounded. */
  readonly message: string;
}

// AWS (Query, JSON and REST answers), STS and the Kubernetes API's names for a refused caller.
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
  'AuthFailure',
  'AuthorizationError',
  'Forbidden',
  'Unauthorized',
]);
const NO_CREDENTIALS = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
]);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
]);

/** The error and everything nested in it, outermost first (wrappers keep the cause). */
function chain(shape: SafeErrorShape): SafeErrorShape[] {
  return [
    shape,
    ...(shape.cause === undefined ? [] : chain(shape.cause)),
    ...(shape.errors ?? []).flatMap(chain),
  ];
}

function reasonOf(shape: SafeErrorShape): ObserveFailure | undefined {
  const names = [shape.type, shape.reason, typeof shape.code === 'string' ? shape.code : undefined];
  if (names.some((n) => n !== undefined && DENIED.has(n))) return ObserveFailure.AccessDenied;
  if (names.some((n) => n !== undefined && NO_CREDENTIALS.has(n)))
    return ObserveFailure.CredentialsUnavailable;
  if (names.some((n) => n !== undefined && UNREACHABLE.has(n)))
    return ObserveFailure.EndpointUnreachable;
  // A refusal whose body the client could not read (moto answers JSON clients in XML).
  const status = shape.httpStatusCode ?? (typeof shape.code === 'number' ? shape.code : undefined);
  if (status === 401 || status === 403) return ObserveFailure.AccessDenied;
  return undefined;
}

/**
 * Classifies why observing failed. Only a refusal is Stalled: the same credentials will be
 * refused again until someone changes the IAM policy or the Secret. Missing credentials are
 * retried as an outage (a web-identity token or a metadata endpoint can be late), so is an
 * unreachable endpoint and anything not recognised (never Stalled on a guess).
 */
export function observeProblem(error: unknown): ObserveProblem {
  const shape = safeErrorShape(error);
  const found = chain(shape)
    .map(reasonOf)
    .find((r) => r !== undefined);
  const reason = found ?? ObserveFailure.ObserveFailed;
  const text = shape.type === 'Error' ? shape.message : `${shape.type}: ${shape.message}`;
  return {
    state: reason === ObserveFailure.AccessDenied ? 'Stalled' : 'Reconciling',
    reason,
    message: bounded(`cannot observe: ${text}`),
  };
}

/**
 * The status stored when observe throws: the previous status (nothing was read, so nothing else
 * can be decided), the kstatus trio saying why, the message. PHASE claims no progress: it keeps
 * what the failure interrupted (an outage does not change where the object stands; nothing when
 * there was none yet) and reads the kind's stalled phase when a person must act.
 */
export function observeFailedStatus<Status extends BaseStatus>(
  previous: Status | undefined,
  error: unknown,
  stalledPhase?: string,
): Status {
  const problem = observeProblem(error);
  const conditions = withKStatus(
    previous?.conditions,
    problem.state,
    problem.reason,
    problem.message,
  );
  return {
    ...(previous ?? ({} as Status)),
    ...(problem.state === 'Stalled' && stalledPhase !== undefined ? { phase: stalledPhase } : {}),
    conditions,
    message: problem.message,
  };
}
