/**
 * Scrubs secrets out of free text before it reaches an Event, a status message or a log line
 * (error messages from SDKs and drivers often echo URLs with credentials or tokens): the values
 * registered in ./secrets.ts, then anything shaped like a credential.
 */
import { scrubSecrets } from './secrets.js';

const RULES: readonly (readonly [RegExp, string])[] = [
  // scheme://user:password@host  →  scheme://***@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1***@'],
  // Authorization: Bearer abc / Basic abc
  [/\b(bearer|basic)\s+[a-z0-9._~+/=-]+/gi, '$1 ***'],
  // password=..., "token": "...", secret: ..., x-api-key=...
  [
    /\b(password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|authorization|auth)(["']?\s*[:=]\s*["']?)(?!bearer\b|basic\b)[^\s"',;&]+/gi,
    '$1$2***',
  ],
  // AWS access key ids, and 40-character mixed-case base64 strings (AWS secret keys; a
  // lower-case hex digest is left alone)
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '***'],
  [
    /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    '***',
  ],
];

/** Messages in Events are limited to 1 KiB by convention (events.k8s.io notes). */
export const MAX_MESSAGE_LENGTH = 1024;

export function sanitizeMessage(text: string, maxLength = MAX_MESSAGE_LENGTH): string {
  let out = scrubSecrets(text);
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.length <= maxLength ? out : `${out.slice(0, maxLength - 1)}…`;
}

/**
 * pino `redact` paths: any key named like a credential, at the top level or one deep. A second
 * line of defence: errors are reduced to a safe shape (./safe-error.ts) before this runs.
 */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  'password',
  'token',
  'secret',
  'redisUrl',
  'url',
  '*.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.redisUrl',
  'headers.authorization',
  'req.headers.authorization',
  'config.redisUrl',
];
