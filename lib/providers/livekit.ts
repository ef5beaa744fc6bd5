import { SecretSet } from '../config/secrets';
import { getNumberFromEnv } from '../env';
import { BadRequestError, VerificationError } from '../errors';
import { isJsonObject, type JsonObject, type JsonValue, readIdentifier, readObject, readString } from '../json';
import { withEventId } from '../model/event-id';
import { type FileMention, type FileStatus, type Interpretation, unmodelled } from '../model/events';
import { readVendorTime } from '../model/input-bounds';
import { finding, type VendorFinding, type VendorStatus } from '../model/reconciliation';
import { highestStatus, type RecordingStatus, type StatusRule } from '../model/status-rule';
import {
  codeMessageAnswer,
  type Provider,
  type ProviderEnv,
  type RecordingQuery,
  readApiCredentials,
  type SigningKey,
  unknownApp,
  type Vendor,
} from './provider';
import {
  httpFailure,
  isVendorCode,
  readErrorCode,
  readJsonAnswer,
  type VendorHttpAnswer,
  VendorQueryFailure,
  vendorRecordingQuery,
} from './run-vendor-query';
import { assertAnyKeyMatches, decodeBase64Digest, digestsEqual, hmac, sha256 } from './verification';

export interface LiveKitApp {
  readonly platform: 'livekit';
  /** A name the user chose: the namespace, stable while keys rotate (PROTOCOLS.md §7, Dedupe). */
  readonly appId: string;
  /** API key → its secret(s). The JWT's `iss` names the key; several keys is how LiveKit rotates. */
  readonly apiKeys: ReadonlyMap<string, SecretSet>;
  /** The server's API (README, "The apps document"), called with the first API key and its first secret. */
  readonly api?: { readonly url: string };
}

/** LiveKit's own Go receiver allows 60 s of clock skew on `exp` and `nbf` (PROTOCOLS.md §7). */
export const DEFAULT_LIVEKIT_CLOCK_LEEWAY_SECONDS = 60;
/** The vendor's token lives 5 minutes (PROTOCOLS.md §7, JWT). */
const TOKEN_LIFETIME_SECONDS = 300;
const SHA256_BYTES = 32;
const EGRESS_EVENTS = new Set(['egress_started', 'egress_updated', 'egress_ended']);
/** EgressStatus by number (livekit_egress.proto); protojson sends the names. */
const EGRESS_STATUSES = [
  'EGRESS_STARTING',
  'EGRESS_ACTIVE',
  'EGRESS_ENDING',
  'EGRESS_COMPLETE',
  'EGRESS_FAILED',
  'EGRESS_ABORTED',
  'EGRESS_LIMIT_REACHED',
] as const;
type EgressStatus = (typeof EGRESS_STATUSES)[number];
const JWT_HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

/**
 * The `Authorization` value LiveKit sends: a raw HS256 JWT (no `Bearer `) whose `sha256` claim is
 * base64 SHA-256 of the exact body bytes (PROTOCOLS.md §7). Claims in golang-jwt's order.
 */
export function signLiveKitWebhook(
  apiKey: string,
  apiSecret: string,
  body: Buffer | string,
  nowSeconds: number,
): string {
  const claims = {
    iss: apiKey,
    exp: nowSeconds + TOKEN_LIFETIME_SECONDS,
    nbf: nowSeconds,
    iat: nowSeconds,
    sha256: sha256(body).toString('base64'),
  };
  return signHs256Jwt(claims, apiSecret);
}

/** A compact HS256 JWS of `claims`, serialized in their order. */
function signHs256Jwt(claims: Readonly<Record<string, unknown>>, secret: string): string {
  const signingInput = `${JWT_HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${hmac('sha256', secret, signingInput).toString('base64url')}`;
}

export interface LiveKitOptions {
  /** Seconds of clock skew allowed on `exp` and `nbf`, either way. */
  clockLeewaySeconds?: number;
}

/** Reads LIVEKIT_CLOCK_LEEWAY_SECONDS. */
export function liveKitOptionsFromEnv(env: ProviderEnv): LiveKitOptions {
  return {
    clockLeewaySeconds: getNumberFromEnv({
      env,
      key: 'LIVEKIT_CLOCK_LEEWAY_SECONDS',
      defaultValue: DEFAULT_LIVEKIT_CLOCK_LEEWAY_SECONDS,
      allowZero: true,
    }),
  };
}

interface TokenParts {
  readonly signingInput: string;
  readonly signature: Buffer;
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Splits a compact JWS and reads its header and claims; nothing in it is trusted yet. HS256 is one
 * HMAC over `header.payload`, so no JWT library: the whole check is that HMAC, two time claims and
 * the body hash (PROTOCOLS.md §7).
 */
function readToken(token: string): TokenParts {
  const parts = token.split('.');
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || !header || !payload || signature === undefined) {
    // A `Bearer ` prefix lands here too: LiveKit never sends one (PROTOCOLS.md §7).
    throw new VerificationError('bad_signature', 'Authorization is not a compact JWT');
  }
  const decode = (part: string): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Reported below, without the token's text.
    }
    throw new VerificationError('bad_signature', 'Authorization is not a compact JWT');
  };
  if (decode(header).alg !== 'HS256') throw new VerificationError('bad_signature', 'JWT alg must be HS256');
  return {
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
    claims: decode(payload),
  };
}

export function createLiveKitProvider(options: LiveKitOptions = {}): Provider<LiveKitApp> {
  const leeway = options.clockLeewaySeconds ?? DEFAULT_LIVEKIT_CLOCK_LEEWAY_SECONDS;
  return {
    endpoint: 'livekit',
    platform: 'livekit',
    // The token is a signature, not a secret: queued like the other vendors' signature headers, for audit.
    forwardedHeaders: ['content-type', 'authorization'],
    signatureHeaders: ['authorization'],
    signatureQuery: [],

    authenticate(request, { apps }): LiveKitApp {
      const token = request.headers.authorization;
      if (!token) throw new VerificationError('missing_signature', 'Authorization header is missing');
      const { signingInput, signature, claims } = readToken(token);
      // The unverified `iss` only chooses the secret, as LiveKit's own receiver does.
      const apiKey = typeof claims.iss === 'string' ? claims.iss : undefined;
      const app =
        apiKey === undefined ? undefined : apps.list<LiveKitApp>('livekit').find(({ apiKeys }) => apiKeys.has(apiKey));
      if (!app || apiKey === undefined) throw unknownApp('livekit', apiKey, 'the JWT iss API key');
      assertAnyKeyMatches(
        app.apiKeys.get(apiKey) as SecretSet,
        signature.length === SHA256_BYTES ? signature : undefined,
        (secret) => hmac('sha256', secret, signingInput),
      );
      // Verified from here on. `exp` is required, as golang-jwt is told to (PROTOCOLS.md §7).
      const { exp, nbf } = claims;
      if (typeof exp !== 'number') throw new VerificationError('bad_timestamp', 'JWT exp');
      const now = request.receivedAt;
      if (now > (exp + leeway) * 1000) {
        throw new VerificationError('stale_timestamp', `JWT expired more than ${leeway} s ago`);
      }
      if (nbf !== undefined) {
        if (typeof nbf !== 'number') throw new VerificationError('bad_timestamp', 'JWT nbf');
        if (now < (nbf - leeway) * 1000) {
          throw new VerificationError('stale_timestamp', `JWT nbf is more than ${leeway} s ahead`);
        }
      }
      // The body's bytes, never a re-serialization: Go's encoder adds random spaces (PROTOCOLS.md §7).
      const claimed = typeof claims.sha256 === 'string' ? decodeBase64Digest(claims.sha256, SHA256_BYTES) : undefined;
      if (!claimed || !digestsEqual(sha256(request.body), claimed)) {
        throw new VerificationError('bad_signature', 'body does not match the JWT sha256 claim');
      }
      return app;
    },

    interpret({ appId, body }): Interpretation {
      const event = readString(body, 'event');
      if (!event) throw new BadRequestError('event is missing');
      // Room, participant, track and ingress events are verified and acknowledged (README, "Routes and answers").
      if (!EGRESS_EVENTS.has(event)) return unmodelled(event);
      const info = readObject(body, 'egressInfo');
      const taskId = info && readIdentifier(info, 'egressId');
      if (!info || !taskId) throw new BadRequestError('egressInfo.egressId is missing');
      const status = egressStatus(info);
      // createdAt is Unix seconds as an int64 string; egress times are nanoseconds (PROTOCOLS.md §7).
      const createdAt = readVendorTime(body, 'createdAt', 's');
      for (const key of ['startedAt', 'endedAt', 'updatedAt']) {
        // protojson omits a zero, but "0" means unset too.
        if (info[key] !== '0') readVendorTime(info, key, 'ns', `egressInfo.${key}`);
      }
      const id = readString(body, 'id');
      return {
        kind: 'event',
        event: withEventId(
          {
            kind: 'recording',
            platform: 'livekit',
            appId,
            taskId,
            roomId: readIdentifier(info, 'roomName') ?? readIdentifier(info, 'roomId') ?? null,
            eventType: event,
            code: EGRESS_STATUSES.indexOf(status),
            seqNo: null,
            files: liveKitFiles(info, fileStatusFor(status)),
            occurredAt: createdAt ?? null,
            indexInRoom: true,
          } as const,
          // The vendor's id names the event; a retry is byte-identical anyway (PROTOCOLS.md §7, Dedupe).
          () => (id ? { id } : body),
        ),
      };
    },

    answer: codeMessageAnswer,

    sign(request, { key, now }) {
      if (!key) return;
      if (!key.keyId) throw new Error('signing a LiveKit webhook needs the API key (keyId) as well as its secret');
      request.headers.authorization = signLiveKitWebhook(key.keyId, key.secret, request.body, Math.floor(now / 1000));
    },

    claimedApp: (callback, apps) => {
      const token = callback.headers.authorization;
      if (!token) return undefined;
      let apiKey: unknown;
      try {
        apiKey = readToken(token).claims.iss;
      } catch {
        return undefined;
      }
      return apps.list<LiveKitApp>('livekit').find(({ apiKeys }) => typeof apiKey === 'string' && apiKeys.has(apiKey));
    },

    signingKeys: (app) =>
      [...app.apiKeys].flatMap(([keyId, secrets]): SigningKey[] =>
        secrets.reveal().map((secret) => ({ keyId, secret })),
      ),
  };
}

/** A missing `status` is EGRESS_STARTING: protojson omits zero values (PROTOCOLS.md §7). */
function egressStatus(info: JsonObject): EgressStatus {
  const value = info.status;
  if (value === undefined) return 'EGRESS_STARTING';
  const status = EGRESS_STATUSES.find((name) => name === value);
  if (!status) throw new BadRequestError('egressInfo.status is not an EgressStatus');
  return status;
}

function fileStatusFor(status: EgressStatus): FileStatus {
  switch (status) {
    case 'EGRESS_COMPLETE':
    case 'EGRESS_LIMIT_REACHED':
      return 'uploaded';
    case 'EGRESS_FAILED':
    case 'EGRESS_ABORTED':
      return 'failed';
    default:
      return 'recording';
  }
}

/**
 * Files (PROTOCOLS.md §7): `fileResults[]` (and the deprecated `file`) by `filename` with `location`;
 * `segmentResults[]` (and `segments`) by `playlistName` with `playlistLocation`, plus the live
 * playlist; `imageResults[]` by `filenamePrefix`. Streams are not files.
 */
function liveKitFiles(info: JsonObject, status: FileStatus): FileMention[] {
  const files: FileMention[] = [];
  const add = (entry: JsonValue | undefined, nameKey: string, urlKey: string | null) => {
    if (!isJsonObject(entry)) return;
    const name = readString(entry, nameKey);
    if (name) files.push({ name, url: (urlKey && readString(entry, urlKey)) || null, status });
  };
  const each = (key: string, visit: (entry: JsonValue) => void) => {
    const list = info[key];
    if (Array.isArray(list)) list.forEach(visit);
    else if (list !== undefined) visit(list);
  };
  each('fileResults', (entry) => add(entry, 'filename', 'location'));
  each('file', (entry) => add(entry, 'filename', 'location'));
  for (const key of ['segmentResults', 'segments']) {
    each(key, (entry) => {
      add(entry, 'playlistName', 'playlistLocation');
      add(entry, 'livePlaylistName', 'livePlaylistLocation');
    });
  }
  each('imageResults', (entry) => add(entry, 'filenamePrefix', null));
  return files;
}

/**
 * PROTOCOLS.md §7, "Proposed status rule": the set of EgressStatus values seen, failure first, so a
 * contradiction stays visible. `code` is the EgressStatus number.
 */
const LIVEKIT_STATUS_BY_CODE: readonly RecordingStatus[] = [
  'recording', // STARTING
  'recording', // ACTIVE
  'stopped', // ENDING
  'completed', // COMPLETE
  'failed', // FAILED
  'failed', // ABORTED: no output was produced
  'completed', // LIMIT_REACHED: outputs are finalized through EOS, as COMPLETE
];
const LIVEKIT_PRECEDENCE = ['recording', 'stopped', 'completed', 'failed'] as const;

export const LIVEKIT_STATUS_RULE: StatusRule = {
  facts: ({ code }) => [LIVEKIT_STATUS_BY_CODE[code ?? 0] ?? 'recording'],
  status: (facts) => highestStatus(facts, LIVEKIT_PRECEDENCE),
};

/** LiveKit's server SDK gives its API tokens 10 minutes (PROTOCOLS.md §8.4). */
const API_TOKEN_LIFETIME_SECONDS = 600;

/**
 * What the sweep concludes from an egress's status (PROTOCOLS.md §8.4). ENDING is still working
 * (its outputs are not final): `alive`, so the sweep asks again until COMPLETE or FAILED; the
 * mirrored `egress_updated` already makes the recording `stopped`.
 */
const VENDOR_STATUS_BY_EGRESS_STATUS: Readonly<Record<EgressStatus, VendorStatus>> = {
  EGRESS_STARTING: 'alive',
  EGRESS_ACTIVE: 'alive',
  EGRESS_ENDING: 'alive',
  EGRESS_COMPLETE: 'ended',
  EGRESS_FAILED: 'failed',
  EGRESS_ABORTED: 'failed',
  EGRESS_LIMIT_REACHED: 'ended',
};
/** The statuses LiveKit announces with `egress_ended`; the others come with `egress_updated`. */
const FINAL_EGRESS_STATUSES: ReadonlySet<EgressStatus> = new Set([
  'EGRESS_COMPLETE',
  'EGRESS_FAILED',
  'EGRESS_ABORTED',
  'EGRESS_LIMIT_REACHED',
]);
/** Map fields (an S3 upload's `metadata`): protojson keeps their keys as the user wrote them. */
const PROTO_MAP_FIELDS = new Set(['metadata']);

/** A token for the server API that may list egresses: the `roomRecord` grant (PROTOCOLS.md §8.4). */
function signLiveKitApiToken(apiKey: string, apiSecret: string, nowSeconds: number): string {
  return signHs256Jwt(
    { iss: apiKey, exp: nowSeconds + API_TOKEN_LIFETIME_SECONDS, nbf: nowSeconds, video: { roomRecord: true } },
    apiSecret,
  );
}

/** Proto field names to the webhook's JSON names, deeply: `file_results` → `fileResults`; values unchanged. */
function camelCaseKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key.replace(/_([a-z0-9])/g, (_match, next: string) => next.toUpperCase()),
      PROTO_MAP_FIELDS.has(key) ? item : camelCaseKeys(item),
    ]),
  );
}

/**
 * The webhook an `EgressInfo` from ListEgress stands for: the same message (PROTOCOLS.md §8.4), in
 * the webhook's camelCase, with an id that is the same whenever the egress is found unchanged.
 */
function mirroredWebhook(info: JsonObject, egressId: string, status: EgressStatus): JsonObject {
  const egressInfo = camelCaseKeys(info) as JsonObject;
  const updatedAt = readIdentifier(egressInfo, 'updatedAt');
  const nanoseconds = updatedAt !== undefined && /^\d{1,30}$/.test(updatedAt) ? updatedAt : '0';
  // The webhook's createdAt is Unix seconds; updatedAt is in nanoseconds.
  const seconds = (BigInt(nanoseconds) / 1_000_000_000n).toString();
  return {
    event: FINAL_EGRESS_STATUSES.has(status) ? 'egress_ended' : 'egress_updated',
    id: `reconciled-${egressId}-${status}-${nanoseconds}`,
    ...(seconds !== '0' && { createdAt: seconds }),
    egressInfo,
  };
}

/** What ListEgress says about one egress (PROTOCOLS.md §8.4). Twirp errors are `{code, msg}`; only the code is kept. */
function readListEgress({ status, text }: VendorHttpAnswer, egressId: string): VendorFinding {
  if (status !== 200) {
    const code = readErrorCode(text, 'code');
    // Servers delete an egress 24 h after it ends. It existed, since its webhooks came: it has ended.
    if (status === 404 && code === 'not_found') return finding('ended', code);
    return httpFailure(status, code);
  }
  // A server that skips zero values omits an empty list.
  const items = readJsonAnswer(text).items ?? [];
  if (!Array.isArray(items)) throw new VendorQueryFailure('bad answer');
  if (items.length === 0) return finding('ended', 'not_found');
  const info = items.find(
    (item): item is JsonObject =>
      isJsonObject(item) && (readString(item, 'egress_id') ?? readString(item, 'egressId')) === egressId,
  );
  if (!info) throw new VendorQueryFailure('bad answer');
  // Absent is EGRESS_STARTING, the zero value, as in the webhook.
  const name = info.status ?? 'EGRESS_STARTING';
  const egressStatus = EGRESS_STATUSES.find((known) => known === name);
  if (!egressStatus) {
    if (!isVendorCode(name)) throw new VendorQueryFailure('bad answer');
    return finding('unknown', name);
  }
  return finding(
    VENDOR_STATUS_BY_EGRESS_STATUS[egressStatus],
    egressStatus,
    mirroredWebhook(info, egressId, egressStatus),
  );
}

/** ListEgress by egress id, with a token of the app's first API key (PROTOCOLS.md §8.4). */
export const LIVEKIT_RECORDING_QUERY: RecordingQuery<LiveKitApp> = vendorRecordingQuery({
  // Self-hosted servers document no limit: 10 calls per second is gentle on a small one.
  maxCallsPerSecond: 10,
  credentials: (app: LiveKitApp) => {
    const [firstKey] = app.apiKeys;
    if (!app.api || !firstKey) return undefined;
    const [apiKey, secrets] = firstKey;
    return { credentials: { apiKey, url: app.api.url }, secrets };
  },
  // Checked when the apps document is read (`apiBaseUrl`).
  baseUrl: (_env, { url }) => url,
  ask: async ({ taskId, credentials: { apiKey }, secret, baseUrl, context, send }) => {
    const token = signLiveKitApiToken(apiKey, secret, Math.floor(context.now() / 1000));
    const answer = await send(`${baseUrl}/twirp/livekit.Egress/ListEgress`, {
      method: 'POST',
      // The Bearer prefix is required here, unlike in webhooks (PROTOCOLS.md §8.4).
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ egress_id: taskId }),
    });
    return readListEgress(answer, taskId);
  },
});

/**
 * An https base URL without its trailing slash, or undefined. Every query carries a token signed
 * with the app's API secret, so plain http is allowed only to a loopback host (tests, fakes).
 */
function apiBaseUrl(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const { protocol, hostname } = new URL(text);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return protocol === 'https:' || (protocol === 'http:' && loopback) ? text.replace(/\/+$/, '') : undefined;
}

export const LIVEKIT_VENDOR: Vendor<LiveKitApp, 'livekit'> = {
  platform: 'livekit',
  endpoints: ['livekit'],
  secretFields: ['apiKeys'],
  bodyKeys: ['egressInfo', 'fileResults'],
  statusRule: LIVEKIT_STATUS_RULE,
  parseApp: (appId, entry) => {
    const { apiKeys } = entry.fields;
    if (
      typeof apiKeys !== 'object' ||
      apiKeys === null ||
      Array.isArray(apiKeys) ||
      Object.keys(apiKeys).length === 0
    ) {
      return entry.fail('"apiKeys" must be a non-empty object from API key to API secret');
    }
    const keys = new Map<string, SecretSet>();
    for (const [apiKey, secret] of Object.entries(apiKeys)) {
      const list = typeof secret === 'string' ? [secret] : secret;
      if (!apiKey || !Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s)) {
        return entry.fail('"apiKeys" values must be non-empty API secrets');
      }
      keys.set(apiKey, new SecretSet(list as string[]));
    }
    const api = readApiCredentials(entry, { plain: ['url'], secret: [] });
    const url = api && apiBaseUrl(api.url);
    if (api && !url) {
      return entry.fail(
        '"api.url" must be an https:// URL, such as https://my-project.livekit.cloud (http:// only to a loopback host)',
      );
    }
    return { platform: 'livekit', appId, apiKeys: keys, ...(url && { api: { url } }) };
  },
  checkApps: (apps, fail) => {
    const owner = new Map<string, string>();
    for (const app of apps) {
      for (const apiKey of app.apiKeys.keys()) {
        const other = owner.get(apiKey);
        // The key selects the app (README, "The apps document"), so it can belong to one app only.
        if (other !== undefined) fail(`API key ${apiKey} is in both ${other} and ${app.appId}`);
        owner.set(apiKey, app.appId);
      }
    }
  },
  createProviders: (env) => [createLiveKitProvider(liveKitOptionsFromEnv(env))],
  recordingQuery: LIVEKIT_RECORDING_QUERY,
};
