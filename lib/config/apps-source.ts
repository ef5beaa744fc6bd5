import { getNumberFromEnv } from '../env';
import { DEFAULT_APPS_MAX_AGE_SECONDS } from './defaults';
import type { GetParameter } from './ssm-parameter';

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
