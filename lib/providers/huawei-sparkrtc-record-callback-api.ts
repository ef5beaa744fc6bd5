/**
 * Huawei SparkRTC's "Configuring a Recording Event Callback" API (PROTOCOLS.md §4):
 * `PUT {endpoint}/v2/apps/{app_id}/record-callback` with `{url, auth_key}`, authenticated by an
 * IAM token (`X-Auth-Token`) or AK/SK signing (`SDK-HMAC-SHA256`).
 */
import { signHuaweiApiRequest } from './huawei-api-signature';

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

export async function putRecordCallback(request: RecordCallbackRequest): Promise<RecordCallbackResult> {
  const target = `${request.endpoint.replace(/\/+$/, '')}/v2/apps/${encodeURIComponent(request.appId)}/record-callback`;
  const payload = { url: request.url, auth_key: request.authKey };
  const requestBody = JSON.stringify(payload);
  const contentType = { 'Content-Type': 'application/json' };
  const headers =
    'token' in request.auth
      ? { ...contentType, 'X-Auth-Token': request.auth.token }
      : signHuaweiApiRequest({
          method: 'PUT',
          url: new URL(target),
          headers: { ...contentType, 'X-Project-Id': request.auth.projectId },
          body: requestBody,
          accessKey: request.auth.accessKey,
          secretKey: request.auth.secretKey,
          now: Date.now(),
        });

  let response: Response;
  try {
    response = await fetch(target, {
      method: 'PUT',
      headers,
      body: requestBody,
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
