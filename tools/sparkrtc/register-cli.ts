import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_SPARKRTC_API_ENDPOINT } from '../../lib/providers/huawei-sparkrtc';
import {
  putRecordCallback,
  REQUIRED_SUBSCRIPTIONS,
  type SparkRtcApiAuth,
} from '../../lib/providers/huawei-sparkrtc-record-callback-api';
import { setSparkRtcAuthKey } from './update-apps-file';

/** Exit codes, one per outcome, so scripts can tell them apart. */
export const EXIT = {
  ok: 0,
  usage: 2,
  badRequest: 3, // vendor 400
  notFound: 4, // vendor 404: the app does not exist
  serverError: 5, // vendor 500
  otherStatus: 6, // any other non-200 status
  unreachable: 7, // network error or timeout
  badAnswer: 8, // an answer that is not the documented JSON
  appsFile: 9, // registered, but the apps document could not be updated
} as const;

export const USAGE = `usage: npm run register:sparkrtc -- --app-id ID --url URL (--auth-key KEY | --generate-key)
         (--token X_AUTH_TOKEN | --ak AK --sk SK --project-id PID)
         [--endpoint ${DEFAULT_SPARKRTC_API_ENDPOINT}] [--write-apps FILE] [--show-key] [--timeout-ms 10000]

Registers URL and KEY as SparkRTC app ID's recording callback (PUT /v2/apps/{app_id}/record-callback).
  --generate-key     a cryptographically random 48-character key
  --write-apps FILE  then set the app's authKey in this apps document, keeping the previous key for rotation
  --show-key         print the key (it is never printed otherwise)`;

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 48 characters from a 62-letter alphabet, by rejection sampling so every letter is equally likely. */
export function generateAuthKey(length = 48): string {
  let key = '';
  while (key.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && key.length < length) key += KEY_ALPHABET[byte % 62];
    }
  }
  return key;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

class UsageError extends Error {}

function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'app-id': { type: 'string' },
      url: { type: 'string' },
      'auth-key': { type: 'string' },
      'generate-key': { type: 'boolean', default: false },
      token: { type: 'string' },
      ak: { type: 'string' },
      sk: { type: 'string' },
      'project-id': { type: 'string' },
      endpoint: { type: 'string', default: DEFAULT_SPARKRTC_API_ENDPOINT },
      'write-apps': { type: 'string' },
      'show-key': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '10000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true } as const;
  const appId = values['app-id']?.trim();
  if (!appId) throw new UsageError('--app-id is required and must not be empty');
  const url = values.url ?? '';
  if (!isHttpUrl(url)) throw new UsageError('--url must be an http:// or https:// URL');
  if (values['auth-key'] !== undefined && values['generate-key']) {
    throw new UsageError('give --auth-key or --generate-key, not both');
  }
  if (values['auth-key'] === undefined && !values['generate-key']) {
    // Without a key SparkRTC sends unsigned callbacks, which ingest refuses unless the app allows them.
    throw new UsageError('give --auth-key KEY or --generate-key');
  }
  if (values['generate-key'] && !values['write-apps'] && !values['show-key']) {
    throw new UsageError('--generate-key needs --write-apps FILE or --show-key, or the new key would be lost');
  }
  const authKey = values['auth-key'] ?? generateAuthKey();
  if (authKey.length < 32 || authKey.length > 64) throw new UsageError('the key must be 32 to 64 characters long');
  let auth: SparkRtcApiAuth;
  const akSk = [values.ak, values.sk, values['project-id']];
  if (values.token !== undefined && akSk.every((value) => value === undefined)) {
    if (values.token === '') throw new UsageError('--token must not be empty');
    auth = { token: values.token };
  } else if (values.token === undefined && akSk.every((value) => value)) {
    auth = {
      accessKey: values.ak as string,
      secretKey: values.sk as string,
      projectId: values['project-id'] as string,
    };
  } else {
    throw new UsageError('authenticate with --token, or with all of --ak, --sk and --project-id');
  }
  if (!isHttpUrl(values.endpoint)) throw new UsageError('--endpoint must be an http:// or https:// URL');
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout-ms must be a positive integer');
  return {
    help: false,
    appId,
    url,
    authKey,
    generated: values['generate-key'],
    auth,
    endpoint: values.endpoint,
    writeApps: values['write-apps'],
    showKey: values['show-key'],
    timeoutMs,
  } as const;
}

/** `npm run register:sparkrtc`: validates everything before any request, then reports the vendor's answer. */
export async function runRegisterCli(argv: string[], io: CliIo): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (options.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const keyText = (key: string | undefined) =>
    key === undefined
      ? '(none)'
      : options.showKey
        ? key
        : `${'*'.repeat(8)} (${key.length} characters; --show-key prints it)`;

  io.out(`PUT ${options.endpoint}/v2/apps/${options.appId}/record-callback  url=${options.url}`);
  const result = await putRecordCallback(options);
  const requestId = (id: string | null) => `X-request-Id: ${id ?? '(none)'}`;
  switch (result.kind) {
    case 'timeout':
      io.err(
        `error: no answer from ${options.endpoint} within ${result.timeoutMs} ms; nothing is known to have changed`,
      );
      return EXIT.unreachable;
    case 'network_error':
      io.err(`error: cannot reach ${options.endpoint}: ${result.detail}`);
      return EXIT.unreachable;
    case 'bad_answer':
      io.err(`error: HTTP ${result.status} with ${result.detail}\n  ${requestId(result.requestId)}`);
      return EXIT.badAnswer;
    case 'vendor_error': {
      const meaning =
        {
          400: 'the request was not understood or a parameter is wrong',
          404: 'the app does not exist',
          500: 'server error at SparkRTC',
        }[result.status] ?? 'unexpected status';
      io.err(
        `error: HTTP ${result.status}, ${meaning}\n  error_code: ${result.errorCode}\n  error_msg: ${result.errorMsg}\n  ${requestId(result.requestId)}`,
      );
      return result.status === 400
        ? EXIT.badRequest
        : result.status === 404
          ? EXIT.notFound
          : result.status === 500
            ? EXIT.serverError
            : EXIT.otherStatus;
    }
    case 'ok':
      break;
  }

  const { config } = result;
  io.out(
    [
      'registered:',
      `  app_id: ${config.appId}`,
      `  url: ${config.url}`,
      `  auth_key: ${keyText(options.authKey)}${options.generated ? ' (generated)' : ''}`,
      `  notify_event_subscription: ${config.notifyEventSubscription.join(', ') || '(none)'}`,
      `  update_time: ${config.updateTime ?? '(none)'}`,
      `  ${requestId(result.requestId)}`,
    ].join('\n'),
  );
  const missing = REQUIRED_SUBSCRIPTIONS.filter((event) => !config.notifyEventSubscription.includes(event));
  if (missing.length > 0) {
    io.err(
      `warning: the subscription lacks ${missing.join(' and ')}; recording state will be incomplete until you subscribe to it`,
    );
  }
  if (config.authKey !== undefined && config.authKey !== options.authKey) {
    io.err('warning: SparkRTC reports a different auth_key than the one sent; check the app in the SparkRTC console');
  }

  if (options.writeApps) {
    try {
      const update = await setSparkRtcAuthKey(options.writeApps, options.appId, options.authKey);
      io.out(
        `${options.writeApps}: sparkrtc app ${options.appId} ${update.existed ? 'updated' : 'added'}, ${update.keyCount} key(s), the new one first.\n` +
          `Upload it for a deployed stage with:\n  aws ssm put-parameter --name /rtc-recording-callbacks/<stage>/apps --type SecureString --value file://${options.writeApps} --overwrite`,
      );
    } catch (error) {
      io.err(`error: registered with SparkRTC, but ${options.writeApps} was not updated: ${(error as Error).message}`);
      return EXIT.appsFile;
    }
  }
  return EXIT.ok;
}
