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

/** Registers the password (and the whole URL) of a `scheme://user:password@host` URL. */
export function registerUrlSecrets(url: string | undefined): void {
  if (url === undefined) return;
  registerSecret(url);
  // Userinfo ends at the last '@' before the path; a password with unencoded '#', '?' or '/'
  // would cut the authority short in a URL parser, so take it textually.
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^@]*)@/i.exec(url.trim());
  const userinfo = match?.[1];
  if (userinfo === undefined) return;
  const colon = userinfo.indexOf(':');
  if (colon >= 0) registerSecret(userinfo.slice(colon + 1));
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
