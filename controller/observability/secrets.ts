/**
 * The secret values this process holds (Redis passwords, AWS keys from the environment, HTTP
 * check header values), so that text leaving the process — log lines, status, Events, CLI
 * output — can be scrubbed of them by value, whatever shape carried them there. Patterns
 * (`sanitizeMessage`) catch secrets by their look; this catches the ones that look like anything.
 *
 * Values shorter than MIN_SECRET_LENGTH are not registered: scrubbing "test" or "admin" from
 * every message would mangle ordinary text, and such values are no secret anyway.
 */

export const MIN_SECRET_LENGTH = 8;
/** Oldest values are forgotten first; rotations add values, they never shrink the set by themselves. */
const MAX_SECRETS = 512;
const MASK = '***';

const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** Remembers `value` (and its percent-encoded form, as it appears in URLs) as a secret. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const forms = [value, encodeURIComponent(value)];
  try {
    forms.push(decodeURIComponent(value));
  } catch {
    // not percent-encoded: nothing more to add
  }
  let added = false;
  for (const form of forms) {
    if (form.length < MIN_SECRET_LENGTH || secrets.has(form)) continue;
    secrets.add(form);
    added = true;
  }
  while (secrets.size > MAX_SECRETS) {
    const oldest = secrets.values().next().value;
    if (oldest === undefined) break;
    secrets.delete(oldest);
  }
  if (added) pattern = undefined;
}

/**
 * Registers a URL that is itself a credential (a Redis URL from a Secret or a flag): its password
 * and, when it has one, the whole value. Taken textually up to the last '@', because a password
 * with an unencoded '#', '?', '/' or '@' cuts the authority short in a URL parser.
 */
export function registerUrlSecrets(url: string | undefined): void {
  if (url === undefined) return;
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/is.exec(url.trim())?.[1];
  const colon = userinfo?.indexOf(':') ?? -1;
  if (userinfo === undefined || colon < 0) return;
  registerSecret(userinfo.slice(colon + 1));
  registerUrlPassword(url);
  registerSecret(url.trim());
}

/** Registers the password of a parseable `scheme://user:password@host` URL (the URL may be shown). */
export function registerUrlPassword(url: string): void {
  try {
    const password = new URL(url).password;
    if (password !== '') registerSecret(password);
  } catch {
    // not a URL: it carries no password a parser would find
  }
}

/** Header names whose values are credentials (Authorization, cookies, API keys, tokens…). */
const CREDENTIAL_HEADER = /auth|cookie|token|secret|key|session|password|signature/i;

/** Registers the values of credential-bearing headers (by name; other headers are not secret). */
export function registerHeaderSecrets(headers: Readonly<Record<string, string>> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!CREDENTIAL_HEADER.test(name)) continue;
    registerSecret(value);
    // `Bearer <token>`, `Basic <credentials>`: the token alone may be echoed too.
    const token = /^\S+\s+(\S+)$/.exec(value.trim())?.[1];
    registerSecret(token);
  }
}

/** Environment variables whose values are credentials, wherever they are set. */
export const CREDENTIAL_ENV_VARS = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

/** Registers the credential variables of `env` and the password of its `REDIS_URL`. */
export function registerEnvironmentSecrets(
  env: Readonly<Record<string, string | undefined>>,
): void {
  for (const name of CREDENTIAL_ENV_VARS) registerSecret(env[name]);
  registerUrlSecrets(env.REDIS_URL);
}

/** `text` with every registered secret replaced by `***`. */
export function scrubSecrets(text: string): string {
  if (secrets.size === 0) return text;
  pattern ??= new RegExp(
    // Longest first, so a value containing another is masked whole.
    [...secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return text.replace(pattern, MASK);
}

/** For tests: forget every registered value. */
export function forgetSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

/** A copy of a JSON value with every string scrubbed (status bodies, before they are written). */
export function scrubSecretsDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  return scrubJson(value) as T;
}

function scrubJson(value: unknown): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (Array.isArray(value)) return value.map(scrubJson);
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubJson(v);
  return out;
}
