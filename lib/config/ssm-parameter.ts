import {
  type AwsJsonClient,
  type AwsJsonClientOptions,
  createAwsJsonClient,
  credentialsFromEnv,
  endpointFromEnv,
  regionFromEnv,
} from '../adapters/aws-json-client';

/** Reads a parameter's value, decrypted; throws when it cannot (a missing parameter included). */
export type GetParameter = (name: string, options: { maxAge: number }) => Promise<string | undefined>;

/**
 * SSM GetParameter (WithDecryption) with the cache Powertools Parameters gave us: a value is kept
 * `maxAge` seconds per name, then fetched again; a failed fetch throws (no stale value is served,
 * nothing is cached); `maxAge` ≤ 0 caches nothing.
 */
export function createCachedParameterReader(client: AwsJsonClient): GetParameter {
  const cache = new Map<string, { value: string; expiresAt: number }>();
  return async function getParameter(name, { maxAge }) {
    const cached = cache.get(name);
    if (cached && cached.expiresAt >= Date.now()) return cached.value;
    const output = await client.call<{ Parameter?: { Value?: string } }>('GetParameter', {
      Name: name,
      WithDecryption: true,
    });
    const value = output.Parameter?.Value;
    if (value === undefined) return undefined;
    if (maxAge > 0) cache.set(name, { value, expiresAt: Date.now() + maxAge * 1000 });
    return value;
  };
}

/**
 * The SSM client ingest uses: Lambda's credentials and region, AWS_ENDPOINT_URL_SSM (or
 * AWS_ENDPOINT_URL) for an emulator. Read once per cold start and per `maxAge`, on the vendor's
 * clock, so it gets less time than SendMessage: together they stay well inside Chat's 2 s.
 */
export function createSsmClient(
  overrides: Partial<Omit<AwsJsonClientOptions, 'service' | 'targetPrefix' | 'jsonVersion'>> = {},
) {
  const region = overrides.region ?? regionFromEnv();
  return createAwsJsonClient({
    service: 'ssm',
    targetPrefix: 'AmazonSSM',
    jsonVersion: '1.1',
    region,
    endpoint: overrides.endpoint ?? endpointFromEnv('ssm', `https://ssm.${region}.amazonaws.com`),
    credentials: overrides.credentials ?? (() => credentialsFromEnv()),
    totalTimeoutMs: 700,
    ...overrides,
  });
}
