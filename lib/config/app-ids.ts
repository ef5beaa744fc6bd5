import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppsConfigError } from '../errors';
import { isPlatform, type Platform } from '../platforms';
import { type AppsSourceOptions, DEFAULT_APPS_FILE } from './apps-source';
import { DEFAULT_APPS_MAX_AGE_SECONDS } from './defaults';
import { createCachedParameterReader, createSsmClient } from './ssm-parameter';

/** An app as `GET /apps` names it: its ids, never a secret. */
export interface AppRef {
  readonly platform: Platform;
  readonly appId: string;
}

export type LoadAppRefs = () => Promise<AppRef[]>;

/**
 * The ids of the apps document, in document order. Only `platform` and `appId` are read: the query
 * function lists apps without loading every vendor's validator (ingest validates the document), and
 * nothing else of an entry, secrets included, is ever copied. A JSON error is reported without the
 * parser's message, which quotes the source.
 */
export function appRefsOf(text: string, source: string): AppRef[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new AppsConfigError(`Invalid apps document ${source}: not valid JSON`);
  }
  const apps = (document as { apps?: unknown } | null)?.apps;
  if (!Array.isArray(apps)) throw new AppsConfigError(`Invalid apps document ${source}: "apps" must be an array`);
  const refs: AppRef[] = [];
  for (const entry of apps as unknown[]) {
    const { platform, appId } = (entry ?? {}) as { platform?: unknown; appId?: unknown };
    if (typeof platform === 'string' && isPlatform(platform) && typeof appId === 'string' && appId !== '') {
      refs.push({ platform, appId });
    }
  }
  return refs;
}

/** The same sources as the apps loader (a file wins over the SSM parameter), reading ids only. */
export function createAppRefsLoader(options: AppsSourceOptions): LoadAppRefs {
  if (options.file || !options.parameterName) {
    const path = resolve(options.file ?? DEFAULT_APPS_FILE);
    let loaded: Promise<AppRef[]> | undefined;
    return function loadAppRefsFromFile() {
      loaded ??= readFile(path, 'utf8').then(
        (text) => appRefsOf(text, path),
        (cause: Error) => {
          loaded = undefined;
          throw new AppsConfigError(`Cannot read apps document ${path}: ${cause.message}`, { cause });
        },
      );
      return loaded;
    };
  }
  const name = options.parameterName;
  const maxAge = options.parameterMaxAgeSeconds ?? DEFAULT_APPS_MAX_AGE_SECONDS;
  let getParameter = options.getParameter;
  return async function loadAppRefsFromParameter() {
    getParameter ??= createCachedParameterReader(createSsmClient());
    const text = await getParameter(name, { maxAge });
    if (typeof text !== 'string') throw new AppsConfigError(`SSM parameter ${name} is empty or missing`);
    return appRefsOf(text, `SSM parameter ${name}`);
  };
}
