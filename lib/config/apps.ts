import { AppsConfigError } from '../errors';
import { type Endpoint, isPlatform, type Platform } from '../platforms';
import { SecretSet } from './secrets';

export interface TrtcApp {
  readonly platform: 'trtc';
  readonly appId: string;
  /** Chat webhook token; when empty, Chat callbacks are accepted on the SdkAppid match alone (seed 000). */
  readonly imToken: SecretSet;
  /** TRTC callback key; when empty, the tencent-trtc endpoint refuses this app. */
  readonly callbackKey: SecretSet;
}

export interface GmeApp {
  readonly platform: 'gme';
  readonly appId: string;
  readonly secretKey: SecretSet;
}

export interface SparkRtcApp {
  readonly platform: 'sparkrtc';
  readonly appId: string;
  readonly authKey: SecretSet;
  /** Only consulted when no `authKey` is set: SparkRTC then sends no auth headers at all. */
  readonly allowUnsigned: boolean;
}

export type AppConfig = TrtcApp | GmeApp | SparkRtcApp;
export type AppFor<P extends Platform> = Extract<AppConfig, { platform: P }>;

/** The validated apps document: a lookup by platform and app id. */
export class AppDirectory {
  readonly #apps: ReadonlyMap<string, AppConfig>;

  constructor(apps: readonly AppConfig[]) {
    this.#apps = new Map(apps.map((app) => [appKey(app.platform, app.appId), app]));
  }

  find<P extends Platform>(platform: P, appId: string): AppFor<P> | undefined {
    return this.#apps.get(appKey(platform, appId)) as AppFor<P> | undefined;
  }

  list(): AppConfig[] {
    return [...this.#apps.values()];
  }
}

function appKey(platform: Platform, appId: string): string {
  return `${platform}#${appId}`;
}

const SECRET_FIELDS = {
  trtc: ['imToken', 'callbackKey'],
  gme: ['secretKey'],
  sparkrtc: ['authKey'],
} as const satisfies Record<Platform, readonly string[]>;

/**
 * Validates the apps document (CONTRACT §3). Throws an `AppsConfigError` that names the source and
 * the bad entry, never a secret value.
 */
export function parseAppsDocument(document: unknown, source: string): AppDirectory {
  const fail = (where: string, problem: string): never => {
    throw new AppsConfigError(`Invalid apps document ${source}: ${where}: ${problem}`);
  };
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { apps?: unknown }).apps)) {
    return fail('top level', 'expected an object with an "apps" array');
  }
  const entries = (document as { apps: unknown[] }).apps;
  const seen = new Set<string>();
  const apps = entries.map((entry, index): AppConfig => {
    const at = `apps[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(at, 'expected an object');
    const record = entry as Record<string, unknown>;
    const { platform, appId } = record;
    if (typeof platform !== 'string' || !isPlatform(platform)) {
      return fail(at, `"platform" must be one of trtc, gme, sparkrtc`);
    }
    if (typeof appId !== 'string' || appId.trim() === '' || appId.includes('#')) {
      // '#' separates the parts of our DynamoDB keys.
      return fail(at, '"appId" must be a non-empty string without "#"');
    }
    const where = `${at} (${platform} ${appId})`;
    if (seen.has(appKey(platform, appId))) return fail(where, 'duplicate platform and appId');
    seen.add(appKey(platform, appId));

    const secret = (field: (typeof SECRET_FIELDS)[Platform][number], required: boolean): SecretSet => {
      const value = record[field];
      if (value === undefined && !required) return new SecretSet([]);
      const list = typeof value === 'string' ? [value] : value;
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        !list.every((key) => typeof key === 'string' && key.length > 0)
      ) {
        return fail(where, `"${field}" must be a non-empty string or a non-empty array of non-empty strings`);
      }
      return new SecretSet(list as string[]);
    };

    if (platform === 'trtc') {
      return { platform, appId, imToken: secret('imToken', false), callbackKey: secret('callbackKey', false) };
    }
    if (platform === 'gme') return { platform, appId, secretKey: secret('secretKey', true) };
    const { allowUnsigned } = record;
    if (allowUnsigned !== undefined && typeof allowUnsigned !== 'boolean') {
      return fail(where, '"allowUnsigned" must be true or false');
    }
    return { platform, appId, authKey: secret('authKey', false), allowUnsigned: allowUnsigned === true };
  });
  return new AppDirectory(apps);
}

/** Parses the document's text, adding the JSON error to the message. */
export function parseAppsDocumentText(text: string, source: string): AppDirectory {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new AppsConfigError(`Invalid apps document ${source}: not valid JSON (${(cause as Error).message})`, {
      cause,
    });
  }
  return parseAppsDocument(document, source);
}

/** The key a vendor signs a given endpoint's callbacks with, for tools that re-sign (replay, samples). */
export function signingKeysFor(app: AppConfig, endpoint: Endpoint): SecretSet {
  switch (app.platform) {
    case 'trtc':
      return endpoint === 'tencent-im' ? app.imToken : app.callbackKey;
    case 'gme':
      return app.secretKey;
    case 'sparkrtc':
      return app.authKey;
  }
}
