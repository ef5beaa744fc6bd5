import type { SecretSet } from '../config/secrets';
import { AppNotAllowedError, type CallbackError } from '../errors';
import { type HttpAnswer, jsonAnswer } from '../http/answer';
import type { CallbackRequest, WireCallback } from '../http/callback-request';
import type { JsonObject } from '../json';
import type { Interpretation } from '../model/events';
import type { VendorFinding } from '../model/reconciliation';
import type { StatusRule } from '../model/status-rule';
import type { Endpoint, Platform } from '../platforms';

export interface AuthenticationContext {
  readonly apps: AppLookup;
  /** The body parsed losslessly, memoized; throws a 400 when it is not a JSON object. */
  readonly body: () => JsonObject;
}

/** A verified callback as process sees it again, from the queued message. */
export interface VerifiedCallback {
  readonly appId: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: JsonObject;
}

/** What every configured app has; each vendor adds its secrets (README, "The apps document"). */
export interface AppBase {
  readonly platform: Platform;
  readonly appId: string;
}

/**
 * The configured apps as providers see them (the apps document, `AppDirectory`). An app's type is
 * its vendor's: every entry was made by that vendor's `parseApp`, so a vendor names its own type.
 */
export interface AppLookup {
  find<A extends AppBase>(platform: A['platform'], appId: string): A | undefined;
  list<A extends AppBase>(platform: A['platform']): A[];
}

/** A key to sign with: the secret, and for vendors that name their key in the request (LiveKit `iss`), its id. */
export interface SigningKey {
  readonly secret: string;
  readonly keyId?: string;
}

export interface SignOptions {
  /** The app id the vendor puts in the URL, headers or body. */
  readonly appId: string;
  /** undefined sends the request unsigned, as the vendor does without a key. */
  readonly key: SigningKey | undefined;
  /** Signing time (ms). */
  readonly now: number;
}

/** A request being signed: the provider sets its signature headers or query parameters. */
export interface SigningRequest {
  readonly headers: Record<string, string>;
  readonly query: URLSearchParams;
  readonly body: string | Buffer;
}

/**
 * One vendor endpoint. `O` is what its `sign` reads: a vendor with knobs of its own (GME's digest
 * encoding, SparkRTC's rand) extends `SignOptions` in its own module; callers through the registry
 * pass the shared options only.
 */
export interface Provider<A extends AppBase = AppBase, O extends SignOptions = SignOptions> {
  readonly endpoint: Endpoint;
  readonly platform: Platform;
  /** Headers queued with the event for audit and replay; never a secret. */
  readonly forwardedHeaders: readonly string[];
  /** Headers and query parameters `sign` writes: removed before a capture is re-signed. */
  readonly signatureHeaders: readonly string[];
  readonly signatureQuery: readonly string[];
  /** Finds the app and verifies the request, or throws a 401/403/400 `CallbackError`. */
  authenticate(request: CallbackRequest, context: AuthenticationContext): A;
  /** Pure: what the callback means. Throws a `BadRequestError` when the event lacks its fields. */
  interpret(callback: VerifiedCallback): Interpretation;
  /** The vendor's success answer (`null`) or failure answer, in its exact shape. */
  answer(error: CallbackError | null): HttpAnswer;
  /**
   * Signs as the vendor would, on the production path (as stripe's `generateTestHeaderString`):
   * replay, the sample builder and the tests all sign through it.
   */
  sign(request: SigningRequest, options: O): void;
  /** The configured app a callback on the wire claims, found where this vendor puts it (replay). */
  claimedApp(callback: WireCallback, apps: AppLookup): A | undefined;
  /** The keys the vendor signs this endpoint's callbacks with, current key first. */
  signingKeys(app: A): readonly SigningKey[];
}

export type ProviderEnv = Readonly<Record<string, string | undefined>>;

/** Each callback endpoint's provider (the registry builds it; ingest and process receive it). */
export type ProviderRegistry = ReadonlyMap<Endpoint, Provider>;

/**
 * Everything about one vendor (README, "Adding a vendor"): its platform, endpoints, app
 * schema, status rule and the body keys the log-hygiene check watches. The registry lists vendors;
 * every list of platforms and endpoints derives from it.
 */
export interface Vendor<A extends AppBase, E extends string> {
  readonly platform: A['platform'];
  readonly endpoints: readonly E[];
  /** The app-config fields that hold secrets (README, "The apps document"); a nested one by its path, as `api.sk`. */
  readonly secretFields: readonly string[];
  /** Keys that appear only in this vendor's raw bodies: a log line holding one leaked a body. */
  readonly bodyKeys: readonly string[];
  readonly statusRule: StatusRule;
  /** Validates one app entry of the apps document; `appId` and `platform` are already checked. */
  parseApp(appId: string, entry: AppEntryReader): A;
  /** Rules across this vendor's apps (LiveKit: an API key in one app only). */
  checkApps?(apps: readonly A[], fail: (problem: string) => never): void;
  /** The endpoints' providers, with tolerances read from the environment. */
  createProviders(env: ProviderEnv): readonly Provider<A>[];
  /** How the sweep asks this vendor about a task (README, "Lost callbacks"); absent where the vendor has no such API. */
  readonly recordingQuery?: RecordingQuery<A>;
}

/** What a vendor query may use: its endpoint settings, a clock, a time budget and `fetch`. */
export interface VendorQueryContext {
  /** `TRTC_API_ENDPOINT`, `SPARKRTC_API_ENDPOINT` (base URLs); unset means the vendor's public host. */
  readonly env: ProviderEnv;
  /** Epoch ms, for signing times. */
  readonly now: () => number;
  /** The whole query, every request it makes included, must end within this. */
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

/** A vendor's task query, for reconciliation (PROTOCOLS.md §8). */
export interface RecordingQuery<A extends AppBase> {
  /** Calls per second the sweep allows itself per app: under the vendor's limit, where it has one. */
  readonly maxCallsPerSecond: number;
  /** Whether this app has the `api` credentials a query needs (README, "The apps document"). */
  canQuery(app: A): boolean;
  /**
   * What the vendor says about the task. Never throws: an error, a timeout, a rate limit or an
   * answer it cannot read is `unknown`, with the reason in `detail`.
   */
  query(app: A, taskId: string, context: VendorQueryContext): Promise<VendorFinding>;
}

/** One app entry being validated; `fail` names the entry in its message. */
export interface AppEntryReader {
  readonly fields: Readonly<Record<string, unknown>>;
  /** A secret: a non-empty string or array of strings; empty when absent and not required. */
  secret(field: string, required: boolean): SecretSet;
  fail(problem: string): never;
}

/**
 * The one rule for the app a callback names (README, "Routes and answers"): missing or not configured, it is a
 * 403. Missing is not a 400 because nothing has been verified yet, and both cases mean the same
 * thing to the vendor: this URL does not serve that app.
 */
export function requireApp<A extends AppBase>(
  apps: AppLookup,
  platform: A['platform'],
  appId: string | undefined,
  source: string,
): A {
  const app = findApp<A>(apps, platform, appId);
  if (!app) throw unknownApp(platform, appId, source);
  return app;
}

/** The configured app of that id, if any: for tools, which skip rather than refuse. */
export function findApp<A extends AppBase>(
  apps: AppLookup,
  platform: A['platform'],
  appId: string | null | undefined,
): A | undefined {
  return appId ? apps.find<A>(platform, appId) : undefined;
}

export function unknownApp(platform: Platform, appId: string | undefined, source: string): AppNotAllowedError {
  return new AppNotAllowedError(
    'unknown_app',
    appId ? `${source} is not a configured ${platform} app` : `${source} is missing`,
  );
}

/**
 * The optional vendor API credentials of an app entry, `api` (README, "The apps document"): absent, or an object
 * with exactly these fields, each a non-empty string. The secret ones come back as `SecretSet`s,
 * so that the parsed app can never print them.
 */
export function readApiCredentials<P extends string, S extends string>(
  entry: AppEntryReader,
  fields: { readonly plain: readonly P[]; readonly secret: readonly S[] },
): ({ readonly [K in P]: string } & { readonly [K in S]: SecretSet }) | undefined {
  const { api } = entry.fields;
  if (api === undefined) return undefined;
  const names: readonly string[] = [...fields.plain, ...fields.secret];
  const expected = names.map((name) => `"${name}"`).join(', ');
  if (typeof api !== 'object' || api === null || Array.isArray(api)) {
    return entry.fail(`"api" must be an object with ${expected}`);
  }
  const values = api as Record<string, unknown>;
  // A misspelt field would otherwise leave a credential silently unset.
  const unexpected = Object.keys(values).find((name) => !names.includes(name));
  if (unexpected !== undefined)
    return entry.fail(`"api" has an unexpected field "${unexpected}"; expected ${expected}`);
  const missing = names.find((name) => typeof values[name] !== 'string' || (values[name] as string).trim() === '');
  if (missing !== undefined) return entry.fail(`"api.${missing}" must be a non-empty string`);
  return Object.fromEntries([
    ...fields.plain.map((name) => [name, values[name]]),
    ...fields.secret.map((name) => [name, entry.secret(`api.${name}`, true)]),
  ]) as { readonly [K in P]: string } & { readonly [K in S]: SecretSet };
}

/**
 * The explicit opt-in to accept a vendor's unsigned callbacks on the app id match alone
 * (README, "The apps document"): `"allowUnsigned": true`. Absent is false: secure by default.
 */
export function readAllowUnsigned(entry: AppEntryReader): boolean {
  const { allowUnsigned } = entry.fields;
  if (allowUnsigned !== undefined && typeof allowUnsigned !== 'boolean') {
    return entry.fail('"allowUnsigned" must be true or false');
  }
  return allowUnsigned === true;
}

/** The secrets of a set, as signing keys without ids. */
export function keysOf(secrets: SecretSet): SigningKey[] {
  return secrets.reveal().map((secret) => ({ secret }));
}

/** Tencent TRTC and GME, Agora and LiveKit share this shape (README, "Routes and answers"). */
export function codeMessageAnswer(error: CallbackError | null): HttpAnswer {
  return error === null
    ? jsonAnswer(200, { code: 0 })
    : jsonAnswer(error.status, { code: error.status, message: error.message });
}
