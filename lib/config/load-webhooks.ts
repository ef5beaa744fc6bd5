import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Env, getNumberFromEnv } from '../env';
import { WebhooksConfigError } from '../errors';
import { DEFAULT_APPS_MAX_AGE_SECONDS } from './defaults';
import { createCachedParameterReader, createSsmClient, type GetParameter } from './ssm-parameter';
import { NO_WEBHOOK_ENDPOINTS, parseWebhooksDocumentText, type WebhookEndpoints } from './webhooks';

export interface WebhooksSourceOptions {
  /** A local JSON file (RECORDING_WEBHOOKS_FILE); wins over the parameter. */
  file?: string;
  /** An SSM SecureString (RECORDING_WEBHOOKS_PARAMETER), decrypted and cached for `parameterMaxAgeSeconds`. */
  parameterName?: string;
  parameterMaxAgeSeconds?: number;
  getParameter?: GetParameter;
}

export type LoadWebhookEndpoints = () => Promise<WebhookEndpoints>;

/** Reads RECORDING_WEBHOOKS_FILE, RECORDING_WEBHOOKS_PARAMETER and RECORDING_WEBHOOKS_MAX_AGE_SECONDS once. */
export function webhooksSourceFromEnv(env: Env = process.env): WebhooksSourceOptions {
  return {
    file: env.RECORDING_WEBHOOKS_FILE || undefined,
    parameterName: env.RECORDING_WEBHOOKS_PARAMETER || undefined,
    parameterMaxAgeSeconds: getNumberFromEnv({
      key: 'RECORDING_WEBHOOKS_MAX_AGE_SECONDS',
      defaultValue: DEFAULT_APPS_MAX_AGE_SECONDS,
      allowZero: true,
      env,
    }),
  };
}

/**
 * A loader for the validated webhooks document, as the apps loader: a file is read once; a parameter
 * is re-read after its max age and re-validated only when its text changed. Neither given: no
 * endpoints, so nothing is delivered and nothing fails. A parameter that does not exist (never put)
 * means no endpoints too; any other failure to read it is an error, never a stale document.
 */
export function createWebhooksLoader(options: WebhooksSourceOptions): LoadWebhookEndpoints {
  if (options.file) {
    const path = resolve(options.file);
    let loaded: Promise<WebhookEndpoints> | undefined;
    return function loadWebhooksFromFile() {
      loaded ??= readWebhooksFile(path);
      return loaded;
    };
  }
  const name = options.parameterName;
  if (name === undefined) return async () => NO_WEBHOOK_ENDPOINTS;
  const maxAge = options.parameterMaxAgeSeconds ?? DEFAULT_APPS_MAX_AGE_SECONDS;
  let getParameter = options.getParameter;
  let cached: { text: string; endpoints: WebhookEndpoints } | undefined;
  return async function loadWebhooksFromParameter() {
    getParameter ??= createCachedParameterReader(createSsmClient({ totalTimeoutMs: 3_000 }));
    let text: string | undefined;
    try {
      text = await getParameter(name, { maxAge });
    } catch (error) {
      if ((error as { code?: string }).code === 'ParameterNotFound') return NO_WEBHOOK_ENDPOINTS;
      throw error;
    }
    if (typeof text !== 'string') return NO_WEBHOOK_ENDPOINTS;
    if (cached?.text !== text) cached = { text, endpoints: parseWebhooksDocumentText(text, `SSM parameter ${name}`) };
    return cached.endpoints;
  };
}

export async function readWebhooksFile(path: string): Promise<WebhookEndpoints> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new WebhooksConfigError(
      `Cannot read webhooks document ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      {
        cause,
      },
    );
  }
  return parseWebhooksDocumentText(text, path);
}
