import { PoisonMessageError } from '../errors';
import { toQueueSafeJson } from '../json';
import { type Endpoint, isEndpoint } from '../platforms';
import { SWEEP_MESSAGE_KINDS, type SweepMessage, toSweepMessage } from './sweep-message';

/**
 * What ingest queues: the verified raw request, so process (and any later replay) re-derives meaning
 * from exactly what the vendor sent. `version` lets the format change without stranding old messages.
 */
export interface QueuedCallback {
  readonly version: 1;
  readonly endpoint: Endpoint;
  readonly appId: string;
  readonly receivedAt: number;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as received, decoded as UTF-8 (ingest refused anything else). */
  readonly body: string;
}

export function encodeQueuedCallback(callback: QueuedCallback): string {
  return toQueueSafeJson(callback);
}

/** What process reads from the callbacks queue: a callback from ingest, or a message from the sweep. */
export type QueueMessage = QueuedCallback | SweepMessage;

export const isSweepMessage = (message: QueueMessage): message is SweepMessage => 'kind' in message;

/** Parses a queue message, or throws a `PoisonMessageError` saying which part is wrong. */
export function decodeQueueMessage(text: string): QueueMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new PoisonMessageError('message is not JSON', { cause });
  }
  const message = value as Partial<Record<keyof QueuedCallback, unknown>> | null;
  if (typeof message !== 'object' || message === null) throw new PoisonMessageError('message is not an object');
  if ('kind' in message && SWEEP_MESSAGE_KINDS.has(String(message.kind))) {
    return toSweepMessage(message as Record<string, unknown>);
  }
  if (message.version !== 1) throw new PoisonMessageError(`unsupported message version ${String(message.version)}`);
  if (typeof message.endpoint !== 'string' || !isEndpoint(message.endpoint)) {
    throw new PoisonMessageError('message has no known endpoint');
  }
  if (typeof message.appId !== 'string' || message.appId === '') throw new PoisonMessageError('message has no appId');
  if (typeof message.receivedAt !== 'number') throw new PoisonMessageError('message has no receivedAt');
  if (typeof message.body !== 'string') throw new PoisonMessageError('message has no body');
  return {
    version: 1,
    endpoint: message.endpoint,
    appId: message.appId,
    receivedAt: message.receivedAt,
    query: isStringRecord(message.query) ? message.query : {},
    headers: isStringRecord(message.headers) ? message.headers : {},
    body: message.body,
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string');
}

/** Parses a message that must be a callback from ingest (tools and tests that read ingest's output). */
export function decodeQueuedCallback(text: string): QueuedCallback {
  const message = decodeQueueMessage(text);
  if (isSweepMessage(message)) throw new PoisonMessageError('message is from the sweep, not a callback');
  return message;
}
