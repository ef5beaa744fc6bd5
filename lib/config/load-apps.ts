import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppsConfigError } from '../errors';
import { type AppDirectory, parseAppsDocumentText } from './apps';
import { type AppsSourceOptions, DEFAULT_APPS_FILE } from './apps-source';
import { DEFAULT_APPS_MAX_AGE_SECONDS } from './defaults';
import { createCachedParameterReader, createSsmClient } from './ssm-parameter';

export { type AppsSourceOptions, appsSourceFromEnv, DEFAULT_APPS_FILE } from './apps-source';

export type LoadApps = () => Promise<AppDirectory>;

/**
 * Returns a loader for the validated apps document. A file is read and validated once; an SSM
 * parameter is re-read after `parameterMaxAgeSeconds` and re-validated only when its text changed.
 */
export function createAppsLoader(options: AppsSourceOptions): LoadApps {
  if (options.file || !options.parameterName) {
    const path = resolve(options.file ?? DEFAULT_APPS_FILE);
    let loaded: Promise<AppDirectory> | undefined;
    return function loadAppsFromFile() {
      loaded ??= readAppsFile(path);
      return loaded;
    };
  }
  const name = options.parameterName;
  const maxAge = options.parameterMaxAgeSeconds ?? DEFAULT_APPS_MAX_AGE_SECONDS;
  let getParameter = options.getParameter;
  let cached: { text: string; apps: AppDirectory } | undefined;
  return async function loadAppsFromParameter() {
    // Built on first use, so a file-based run needs no AWS region or credentials.
    getParameter ??= createCachedParameterReader(createSsmClient());
    const text = await getParameter(name, { maxAge });
    if (typeof text !== 'string') throw new AppsConfigError(`SSM parameter ${name} is empty or missing`);
    if (cached?.text !== text) cached = { text, apps: parseAppsDocumentText(text, `SSM parameter ${name}`) };
    return cached.apps;
  };
}

export async function readAppsFile(path: string): Promise<AppDirectory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AppsConfigError(`Cannot read apps document ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseAppsDocumentText(text, path);
}
