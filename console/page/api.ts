/** Every request the page makes goes to the server that served it, under /console/api/. */
export const API_BASE = '/console/api';

/** A failed request, with a message naming what failed, shown as is. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * `what` names the request for the error message: "Loading the apps failed: HTTP 503 the apps document is
 * unavailable". Network failures say so too.
 */
export async function requestJson<T>(what: string, path: string, init: { method?: 'GET' | 'POST' } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method: init.method ?? 'GET',
      // A header a cross-site form cannot send: the console server refuses POSTs without it.
      headers: { accept: 'application/json', 'x-console-request': '1' },
    });
  } catch (error) {
    throw new ApiError(`${what} failed: the console server did not answer (${(error as Error).message})`, null);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | null)?.message;
    throw new ApiError(
      `${what} failed: HTTP ${response.status}${typeof message === 'string' ? ` ${message}` : ''}`,
      response.status,
    );
  }
  return body as T;
}

export const segment = (value: string) => encodeURIComponent(value);

export interface AppRef {
  platform: string;
  appId: string;
}

export interface Reconciliation {
  checkedAt: string;
  vendorStatus: string;
  detail?: unknown;
}

export interface RecordingEntry {
  platform: string;
  appId: string;
  taskId: string;
  roomId: string | null;
  status: string;
  fileCount: number;
  eventCount: number;
  stale: boolean;
  updatedAt: string;
  reconciliation?: Reconciliation | null;
}

export interface FileEntry {
  name: string;
  url: string | null;
  status: string;
}

export interface RecordingState extends RecordingEntry {
  files: FileEntry[];
  filesNextCursor: string | null;
}

export interface TimelineEvent {
  eventType: string;
  occurredAt: string | null;
  appliedAt: string;
  eventId: string;
}

export interface DeadLetterMessage {
  id: string;
  sentAt: string | null;
  receiveCount: number;
  source: string;
  appId: string | null;
  recording: string | null;
  time: string | null;
  reason: string | null;
}

export interface DeadLetterQueue {
  name: string;
  label: string;
  depth: number;
  visible: number;
  inFlight: number;
  redrive: string | null;
  hint: string | null;
  messages: DeadLetterMessage[];
}

export interface Delivery {
  endpointId: string;
  webhookId: string;
  type: string;
  recording: { platform: string; appId: string; taskId: string };
  status: string;
  attempts: { at: string; statusCode: number | null; error: string | null; ms: number | null }[];
  nextAttemptAt: string | null;
}
