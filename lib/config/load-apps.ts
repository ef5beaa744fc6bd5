import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { getNumberFromEnv } from '../env';
import { AppsConfigError } from '../errors';
import { type AppDirectory, parseAppsDocumentText } from './apps';
import { DEFAULT_APPS_MAX_AGE_SECONDS } from './defaults';
import { createCachedParameterReader, createSsmClient, type GetParameter } from './ssm-parameter';

export const DEFAULT_APPS_FILE = 'config/apps.local.json';

export interface AppsSourceOptions {
  /** A local JSON file. Wins over `parameterName` so that `serverless invoke local` can point at a file. */
  file?: string;
  /** An SSM SecureString parameter, decrypted and cached for `parameterMaxAgeSeconds`. */
  parameterName?: string;
  /** How long a fetched parameter is trusted before it is read again, so rotations reach warm Lambdas. */
  parameterMaxAgeSeconds?: number;
  /** How the parameter is read; by default SSM, with Lambda's credentials. */
  getParameter?: GetParameter;
}

export type LoadApps = () => Promise<AppDirectory>;

/** Reads the environment once (RECORDING_APPS_FILE, RECORDING_APPS_PARAMETER, RECORDING_APPS_MAX_AGE_SECONDS). */
export function appsSourceFromEnv(env: NodeJS.ProcessEnv = process.env): AppsSourceOptions {
  return {
    file: env.RECORDING_APPS_FILE || undefined,
    parameterName: env.RECORDING_APPS_PARAMETER || undefined,
    parameterMaxAgeSeconds: getNumberFromEnv({
      key: 'RECORDING_APPS_MAX_AGE_SECONDS',
      defaultValue: DEFAULT_APPS_MAX_AGE_SECONDS,
      allowZero: true,
      env,
    }),
  };
}

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
