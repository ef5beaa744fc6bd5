import { type JsonObject, parseJsonObject } from '../json';
import { finding, type VendorFinding } from '../model/reconciliation';
import type { ProviderEnv, VendorQueryContext } from './provider';

/** A vendor's HTTP answer, its body read within the query's time budget. */
export interface VendorHttpAnswer {
  readonly status: number;
  readonly text: string;
}

export interface VendorHttpRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type SendVendorRequest = (url: string, request: VendorHttpRequest) => Promise<VendorHttpAnswer>;

/**
 * Ends a query with an `unknown` finding. Its detail is one of a few fixed words, never an error
 * message, which could quote a URL, a header or the vendor's text.
 */
export class VendorQueryFailure extends Error {
  constructor(readonly detail: 'network error' | 'bad answer' | 'bad endpoint') {
    super(detail);
    this.name = 'VendorQueryFailure';
  }
}

/**
 * Runs one vendor query (README, "Lost callbacks"): every request it sends shares one time budget, and it never
 * throws. A timeout, a network error, an unreadable answer or a bug becomes an `unknown` finding.
 */
export async function runVendorQuery(
  context: VendorQueryContext,
  ask: (send: SendVendorRequest) => Promise<VendorFinding>,
): Promise<VendorFinding> {
  const signal = AbortSignal.timeout(context.timeoutMs);
  const send: SendVendorRequest = async (url, request) => {
    try {
      const response = await context.fetch(url, { ...request, signal });
      return { status: response.status, text: await response.text() };
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new VendorQueryFailure('network error');
    }
  };
  try {
    return await ask(send);
  } catch (error) {
    if (signal.aborted) return finding('unknown', 'timeout');
    if (error instanceof VendorQueryFailure) return finding('unknown', error.detail);
    return finding('unknown', 'query error');
  }
}

/** The answer as a JSON object, parsed losslessly, or a `bad answer` failure. */
export function readJsonAnswer(text: string): JsonObject {
  try {
    return parseJsonObject(text);
  } catch {
    throw new VendorQueryFailure('bad answer');
  }
}

/** A vendor's base URL from the environment (`TRTC_API_ENDPOINT`, …), or its public host; no trailing slash. */
export function vendorBaseUrl(env: ProviderEnv, name: string, fallback: string): string {
  const text = env[name] || fallback;
  if (!URL.canParse(text)) throw new VendorQueryFailure('bad endpoint');
  return text.replace(/\/+$/, '');
}

/**
 * Whether a vendor's error code can go into a finding's detail as it is: an identifier such as
 * `ResourceNotFound.TaskNotExist`, `APIGW.0301` or `not_found`, never free text.
 */
export function isVendorCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_.]{0,79}$/.test(value);
}

/** A top-level error code of a vendor's error answer (`error_code`, Twirp's `code`), when it is one. */
export function readErrorCode(text: string, key: string): string | undefined {
  try {
    const code = parseJsonObject(text)[key];
    return isVendorCode(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `HTTP 502`, with the vendor's error code when its answer names one. */
export function httpFailure(status: number, code: string | undefined): VendorFinding {
  return finding('unknown', code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code}`);
}
