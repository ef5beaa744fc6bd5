import { AppsConfigError } from '../errors';
import { isPlatform, PLATFORMS, type Platform } from '../platforms';
import type { AppBase, AppEntryReader, AppLookup, Vendor } from '../providers/provider';
import { VENDORS } from '../providers/registry';
import { SecretSet } from './secrets';

type AppOf<V> = V extends Vendor<infer A, string> ? A : never;

/** One configured app; each vendor's module defines its shape (README, "The apps document"). */
export type AppConfig = AppOf<(typeof VENDORS)[number]>;
export type AppFor<P extends Platform> = Extract<AppConfig, { platform: P }>;

/** The validated apps document: a lookup by platform and app id. */
export class AppDirectory implements AppLookup {
  readonly #apps: ReadonlyMap<string, AppConfig>;

  constructor(apps: readonly AppConfig[]) {
    this.#apps = new Map(apps.map((app) => [appKey(app.platform, app.appId), app]));
  }

  /** The app of that platform and id, as its vendor's `parseApp` made it (so `A` is that vendor's app type). */
  find<A extends AppBase = AppConfig>(platform: A['platform'], appId: string): A | undefined {
    return this.#apps.get(appKey(platform, appId)) as A | undefined;
  }

  /** Every app, or every app of one platform. */
  list<A extends AppBase = AppConfig>(platform?: A['platform']): A[] {
    const apps = [...this.#apps.values()];
    return (platform === undefined ? apps : apps.filter((app) => app.platform === platform)) as unknown as A[];
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function appKey(platform: Platform, appId: string): string {
  return `${platform}#${appId}`;
}

const VENDOR_BY_PLATFORM = new Map<Platform, Vendor<AppConfig, string>>(
  VENDORS.map((vendor) => [vendor.platform, vendor as Vendor<AppConfig, string>]),
);

/**
 * Validates the apps document (README, "The apps document"). Throws an `AppsConfigError` that names the source and
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
    if (!isPlainObject(entry)) return fail(at, 'expected an object');
    const record = entry;
    const { platform, appId } = record;
    if (typeof platform !== 'string' || !isPlatform(platform)) {
      return fail(at, `"platform" must be one of ${PLATFORMS.join(', ')}`);
    }
    if (typeof appId !== 'string' || appId.trim() === '' || appId.includes('#')) {
      // '#' separates the parts of our DynamoDB keys.
      return fail(at, '"appId" must be a non-empty string without "#"');
    }
    const where = `${at} (${platform} ${appId})`;
    if (seen.has(appKey(platform, appId))) return fail(where, 'duplicate platform and appId');
    seen.add(appKey(platform, appId));

    const vendor = VENDOR_BY_PLATFORM.get(platform) as Vendor<AppConfig, string>;
    const entryReader: AppEntryReader = {
      fields: record,
      fail: (problem) => fail(where, problem),
      secret: (field, required) => {
        // The schema and the declared secret fields must agree: the declaration is what docs and audits read.
        if (!vendor.secretFields.includes(field))
          throw new Error(`${platform}: ${field} is not a declared secret field`);
        // A nested secret is named by its path, such as `api.sk` (README, "The apps document").
        const value = field
          .split('.')
          .reduce<unknown>((parent, key) => (isPlainObject(parent) ? parent[key] : undefined), record);
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
      },
    };
    return vendor.parseApp(appId, entryReader);
  });
  for (const vendor of VENDOR_BY_PLATFORM.values()) {
    vendor.checkApps?.(
      apps.filter((app) => app.platform === vendor.platform),
      (problem) => fail(`${vendor.platform} apps`, problem),
    );
  }
  return new AppDirectory(apps);
}

/**
 * Parses the document's text. A JSON error names where the text went wrong, by line and column,
 * but never quotes it: the parser's own message quotes the source, which holds the secrets.
 * The cause is left out for the same reason.
 */
export function parseAppsDocumentText(text: string, source: string): AppDirectory {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new AppsConfigError(`Invalid apps document ${source}: not valid JSON${jsonErrorPlace(text, error)}`);
  }
  return parseAppsDocument(document, source);
}

/** ` at line L, column C` from V8's `position N`, when it gives one. */
export function jsonErrorPlace(text: string, error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` at line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
}
