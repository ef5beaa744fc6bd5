import { WebhooksConfigError } from '../errors';
import { isPlatform, PLATFORMS, type Platform } from '../platforms';
import { WEBHOOK_TYPES, type WebhookType } from '../webhooks/webhook-message';
import { jsonErrorPlace } from './apps';
import { SecretSet } from './secrets';

/** One configured receiver of signed webhooks (README, "Configuring webhook endpoints"). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  /** Every secret signs each message (rotation); redacted whenever logged or serialized. */
  readonly secrets: SecretSet;
  /** Filters: undefined means every type, platform, app. */
  readonly types?: readonly WebhookType[];
  readonly platforms?: readonly Platform[];
  readonly appIds?: readonly string[];
}

/** The validated webhooks document: its endpoints, in document order. */
export class WebhookEndpoints {
  readonly #byId: ReadonlyMap<string, WebhookEndpoint>;

  constructor(endpoints: readonly WebhookEndpoint[]) {
    this.#byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  }

  find(id: string): WebhookEndpoint | undefined {
    return this.#byId.get(id);
  }

  list(): WebhookEndpoint[] {
    return [...this.#byId.values()];
  }
}

export const NO_WEBHOOK_ENDPOINTS = new WebhookEndpoints([]);

/** `[a-z0-9-]{1,64}`: an endpoint id is a key part and a path segment. */
export const ENDPOINT_ID_PATTERN = /^[a-z0-9-]{1,64}$/;
/** `whsec_` and base64 of 24–64 random bytes (Standard Webhooks' secret format). */
const SECRET_PATTERN = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const SECRET_BYTES = { min: 24, max: 64 } as const;
const KNOWN_FIELDS = new Set(['id', 'url', 'secrets', 'types', 'platforms', 'appIds']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Validates the webhooks document. Throws a `WebhooksConfigError` naming the source and the bad entry
 * (by index and id), never a secret or a URL (a URL may carry a token in its query).
 */
export function parseWebhooksDocument(document: unknown, source: string): WebhookEndpoints {
  const fail = (where: string, problem: string): never => {
    throw new WebhooksConfigError(`Invalid webhooks document ${source}: ${where}: ${problem}`);
  };
  if (!isPlainObject(document) || !Array.isArray(document.endpoints)) {
    return fail('top level', 'expected an object with an "endpoints" array');
  }
  const seen = new Set<string>();
  const endpoints = document.endpoints.map((entry: unknown, index: number): WebhookEndpoint => {
    let at = `endpoints[${index}]`;
    if (!isPlainObject(entry)) return fail(at, 'expected an object');
    const { id, url, secrets, types, platforms, appIds } = entry;
    if (typeof id !== 'string' || !ENDPOINT_ID_PATTERN.test(id)) {
      return fail(at, '"id" must match [a-z0-9-]{1,64}');
    }
    at = `${at} (${id})`;
    if (seen.has(id)) fail(at, `"id" is used twice`);
    seen.add(id);
    for (const field of Object.keys(entry)) if (!KNOWN_FIELDS.has(field)) fail(at, `unknown field "${field}"`);
    if (typeof url !== 'string' || !isAllowedUrl(url)) {
      fail(at, '"url" must be an https:// URL (http:// only to a loopback host, for tests)');
    }
    if (!Array.isArray(secrets) || secrets.length === 0) fail(at, '"secrets" must be a non-empty array');
    (secrets as unknown[]).forEach((secret, secretIndex) => {
      if (!isValidSecret(secret)) {
        fail(at, `"secrets"[${secretIndex}] must be "whsec_" and base64 of 24 to 64 bytes`);
      }
    });
    return {
      id,
      url: url as string,
      secrets: new SecretSet(secrets as string[]),
      types: optionalList(types, 'types', (value): value is WebhookType => WEBHOOK_TYPE_NAMES.includes(value), at),
      platforms: optionalList(platforms, 'platforms', isPlatform, at, PLATFORMS),
      appIds: optionalList(appIds, 'appIds', (value): value is string => value !== '', at),
    };

    function optionalList<T extends string>(
      value: unknown,
      field: string,
      isMember: (value: string) => value is T,
      where: string,
      allowed: readonly string[] = field === 'types' ? WEBHOOK_TYPE_NAMES : [],
    ): readonly T[] | undefined {
      if (value === undefined) return undefined;
      const hint = allowed.length > 0 ? ` (${allowed.join(', ')})` : '';
      if (!Array.isArray(value) || value.length === 0)
        return fail(where, `"${field}" must be a non-empty array${hint}`);
      return value.map((item, itemIndex) =>
        typeof item === 'string' && isMember(item)
          ? item
          : fail(where, `"${field}"[${itemIndex}] is not allowed${hint}`),
      );
    }
  });
  return new WebhookEndpoints(endpoints);
}

/** Parses the document's text; a JSON error is placed by line and column, never quoted (it may hold a secret). */
export function parseWebhooksDocumentText(text: string, source: string): WebhookEndpoints {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new WebhooksConfigError(`Invalid webhooks document ${source}: not valid JSON${jsonErrorPlace(text, error)}`);
  }
  return parseWebhooksDocument(document, source);
}

const WEBHOOK_TYPE_NAMES: readonly string[] = Object.values(WEBHOOK_TYPES);

function isAllowedUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.username !== '' || url.password !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

function isValidSecret(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const encoded = SECRET_PATTERN.exec(value)?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0) return false;
  const bytes = Buffer.from(encoded, 'base64').length;
  return bytes >= SECRET_BYTES.min && bytes <= SECRET_BYTES.max;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
