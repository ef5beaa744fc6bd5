/**
 * Huawei SparkRTC's "Configuring a Recording Event Callback" API (seed 002):
 * `PUT {endpoint}/v2/apps/{app_id}/record-callback` with `{url, auth_key}`, authenticated by an
 * IAM token (`X-Auth-Token`) or AK/SK signing (`SDK-HMAC-SHA256`).
 */
import { createRequire } from 'node:module';

export const DEFAULT_SPARKRTC_API_ENDPOINT = 'https://rtc-api.myhuaweicloud.com';
/** The events our status rules need (README, "Status rules"). */
export const REQUIRED_SUBSCRIPTIONS = ['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE'] as const;

export type SparkRtcApiAuth = { token: string } | { accessKey: string; secretKey: string; projectId: string };

export interface RecordCallbackRequest {
  endpoint: string;
  appId: string;
  url: string;
  authKey: string;
  auth: SparkRtcApiAuth;
  timeoutMs: number;
}

export interface RecordCallbackConfig {
  appId: string;
  url: string;
  authKey: string | undefined;
  notifyEventSubscription: string[];
  updateTime: string | undefined;
}

export type RecordCallbackResult =
  | { kind: 'ok'; requestId: string | null; config: RecordCallbackConfig }
  | { kind: 'vendor_error'; status: number; requestId: string | null; errorCode: string; errorMsg: string }
  | { kind: 'bad_answer'; status: number; requestId: string | null; detail: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'network_error'; detail: string };

interface AkSkSigner {
  sign(
    request: { endpoint: string; method: string; headers: Record<string, string>; data: unknown; queryParams: object },
    credential: { getAk(): string; getSk(): string },
  ): Record<string, string>;
}

/** Huawei's own SDK-HMAC-SHA256 signer, loaded only when AK/SK is used (it pulls in lodash and moment). */
function loadAkSkSigner(): AkSkSigner {
  const require = createRequire(import.meta.url);
  return (require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as { AKSKSigner: AkSkSigner }).AKSKSigner;
}

export async function putRecordCallback(request: RecordCallbackRequest): Promise<RecordCallbackResult> {
  const target = `${request.endpoint.replace(/\/+$/, '')}/v2/apps/${encodeURIComponent(request.appId)}/record-callback`;
  const payload = { url: request.url, auth_key: request.authKey };
  let headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if ('token' in request.auth) {
    headers['X-Auth-Token'] = request.auth.token;
  } else {
    const { accessKey, secretKey, projectId } = request.auth;
    headers['X-Project-Id'] = projectId;
    // The signer hashes JSON.stringify(data), which is exactly the body we send.
    headers = loadAkSkSigner().sign(
      { endpoint: target, method: 'PUT', headers, data: payload, queryParams: {} },
      { getAk: () => accessKey, getSk: () => secretKey },
    );
    delete headers.host; // fetch sets Host from the URL, to the same value the signer used
  }

  let response: Response;
  try {
    response = await fetch(target, {
      method: 'PUT',
      headers,
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { kind: 'timeout', timeoutMs: request.timeoutMs };
    const cause = (error as Error & { cause?: Error }).cause;
    return { kind: 'network_error', detail: cause?.message ?? (error as Error).message };
  }
  const requestId = response.headers.get('x-request-id');
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body !== 'object' || body === null) throw new Error('not an object');
  } catch {
    return {
      kind: 'bad_answer',
      status: response.status,
      requestId,
      detail: `the answer is not JSON: ${snippet(text)}`,
    };
  }

  if (response.status === 200) {
    const callback = body.record_callback as Record<string, unknown> | undefined;
    if (typeof body.app_id !== 'string' || typeof callback !== 'object' || callback === null) {
      return { kind: 'bad_answer', status: 200, requestId, detail: 'the answer lacks app_id or record_callback' };
    }
    const subscription = Array.isArray(callback.notify_event_subscription)
      ? callback.notify_event_subscription.filter((item): item is string => typeof item === 'string')
      : [];
    return {
      kind: 'ok',
      requestId,
      config: {
        appId: body.app_id,
        url: typeof callback.url === 'string' ? callback.url : '',
        authKey: typeof callback.auth_key === 'string' ? callback.auth_key : undefined,
        notifyEventSubscription: subscription,
        updateTime: typeof callback.update_time === 'string' ? callback.update_time : undefined,
      },
    };
  }
  if (typeof body.error_code === 'string' || typeof body.error_msg === 'string') {
    return {
      kind: 'vendor_error',
      status: response.status,
      requestId,
      errorCode: String(body.error_code ?? ''),
      errorMsg: String(body.error_msg ?? ''),
    };
  }
  return { kind: 'bad_answer', status: response.status, requestId, detail: `unexpected answer: ${snippet(text)}` };
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty)';
}
