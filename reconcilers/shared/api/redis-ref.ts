// `redisRef`: where a resource's flags live, when not in the controller's default Redis. The URL
// comes from a Secret in the resource's namespace (AUTH goes in the URL: redis://:password@host:6379/0,
// rediss:// for TLS), never from the spec itself.
import { Type, type Static, type TObject, type TOptional, type TString } from '@sinclair/typebox';
import { withRules, described } from './schema.js';

const SECRET_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A key of a Secret in the same namespace. */
export function secretKeyRef(
  defaultKey: string,
): TObject<{ name: TString; key: TOptional<TString> }> {
  return Type.Object(
    {
      name: Type.String({
        pattern: SECRET_NAME_PATTERN,
        minLength: 1,
        maxLength: 253,
        description: 'Name of the Secret, in the namespace of this resource.',
      }),
      key: Type.Optional(
        Type.String({
          pattern: '^[-._a-zA-Z0-9]+$',
          maxLength: 253,
          default: defaultKey,
          description: `Key in the Secret (default ${defaultKey}).`,
        }),
      ),
    },
    { description: 'A key of a Secret in the same namespace.' },
  );
}

export const RedisTls = withRules(
  Type.Object(
    {
      enabled: Type.Optional(
        Type.Boolean({ default: true, description: 'Connect with TLS (as a rediss:// URL does).' }),
      ),
      caSecretRef: Type.Optional(
        described(
          secretKeyRef('ca.crt'),
          'PEM CA bundle to trust (default key ca.crt); absent: the system roots.',
        ),
      ),
      insecureSkipVerify: Type.Optional(
        Type.Boolean({
          default: false,
          description: 'Do not verify the server certificate (testing only).',
        }),
      ),
    },
    { description: 'TLS settings for the connection.' },
  ),
  [
    {
      rule: '!has(self.caSecretRef) || !has(self.insecureSkipVerify) || !self.insecureSkipVerify',
      message: 'caSecretRef and insecureSkipVerify: true contradict each other',
      fieldPath: '.insecureSkipVerify',
      check: (self) => self.caSecretRef === undefined || self.insecureSkipVerify !== true,
    },
  ],
);

export const RedisRef = Type.Object(
  {
    secretRef: described(
      secretKeyRef('url'),
      'Secret key holding the redis:// or rediss:// URL (default key url).',
    ),
    tls: Type.Optional(RedisTls),
  },
  {
    description:
      'Redis connection from a Secret key holding a redis:// or rediss:// URL (AUTH in the URL). Absent: the controller default.',
  },
);
export type RedisRef = Static<typeof RedisRef>;
