import { PoisonMessageError } from '../errors';
import { type JsonObject, toQueueSafeJson } from '../json';
import { isPlatform } from '../platforms';
import { deriveEventId } from './event-id';
import type { RecordingEvent } from './events';
import { VENDOR_STATUSES, type VendorFinding, type VendorStatus } from './reconciliation';
import type { RecordingKey } from './recording-state';

/**
 * What the sweep queues for process, on the callbacks queue, so that its facts take the same path
 * as callbacks: deduplicated by one conditional write, retried, dead-lettered, never dropped.
 */
export type SweepMessage = ReconciliationMessage | StaleNoticeMessage;

/** A vendor's answer about a task: a reconciliation fact (README, "Lost callbacks"). */
export interface ReconciliationMessage extends RecordingKey {
  readonly version: 1;
  readonly kind: 'reconciliation';
  /** The quiet period asked about: the recording's `updatedAt` (ms) when the sweep read it. */
  readonly quietSince: number;
  readonly checkedAt: number;
  readonly finding: VendorFinding;
}

/** The recording is stale in this quiet period: announce it once (`Recording Stale`). */
export interface StaleNoticeMessage extends RecordingKey {
  readonly version: 1;
  readonly kind: 'stale';
  readonly quietSince: number;
}

export const SWEEP_MESSAGE_KINDS: ReadonlySet<string> = new Set<SweepMessage['kind']>(['reconciliation', 'stale']);

export function encodeSweepMessage(message: SweepMessage): string {
  return toQueueSafeJson(message);
}

/** A parsed queue message with a sweep `kind`, checked; throws a `PoisonMessageError` naming the bad part. */
export function toSweepMessage(message: Readonly<Record<string, unknown>>): SweepMessage {
  const { version, kind, platform, appId, taskId, quietSince } = message;
  if (version !== 1) throw new PoisonMessageError(`unsupported sweep message version ${String(version)}`);
  if (typeof platform !== 'string' || !isPlatform(platform)) throw new PoisonMessageError('sweep message platform');
  if (typeof appId !== 'string' || appId === '') throw new PoisonMessageError('sweep message has no appId');
  if (typeof taskId !== 'string' || taskId === '') throw new PoisonMessageError('sweep message has no taskId');
  if (typeof quietSince !== 'number') throw new PoisonMessageError('sweep message has no quietSince');
  const key = { platform, appId, taskId };
  if (kind === 'stale') return { version: 1, kind, ...key, quietSince };
  if (kind !== 'reconciliation') throw new PoisonMessageError('unknown sweep message kind');
  const { checkedAt, finding } = message;
  if (typeof checkedAt !== 'number') throw new PoisonMessageError('reconciliation message has no checkedAt');
  if (!isObject(finding) || !isVendorStatus(finding.vendorStatus) || typeof finding.detail !== 'string') {
    throw new PoisonMessageError('reconciliation message has no finding');
  }
  const mirroredCallback = finding.mirroredCallback as JsonObject | undefined;
  if (mirroredCallback !== undefined && !isObject(mirroredCallback)) {
    throw new PoisonMessageError('reconciliation message mirroredCallback is not an object');
  }
  return {
    version: 1,
    kind,
    ...key,
    quietSince,
    checkedAt,
    finding: {
      vendorStatus: finding.vendorStatus,
      detail: finding.detail,
      ...(mirroredCallback && { mirroredCallback }),
    },
  };
}

const isVendorStatus = (value: unknown): value is VendorStatus =>
  typeof value === 'string' && (VENDOR_STATUSES as readonly string[]).includes(value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The event a vendor's answer becomes (README, "Lost callbacks"). Its identity is the answer and the quiet
 * period: the same answer twice in one period is one fact, while a new period asks afresh.
 */
export function reconciliationFactEvent(message: ReconciliationMessage): RecordingEvent {
  const { vendorStatus, detail } = message.finding;
  const fact = { vendorStatus, detail, quietSince: message.quietSince };
  return {
    kind: 'recording',
    platform: message.platform,
    appId: message.appId,
    taskId: message.taskId,
    roomId: null,
    eventType: `reconciliation:${vendorStatus}`,
    code: null,
    seqNo: null,
    files: [],
    occurredAt: null,
    eventId: deriveEventId({ ...fact, quietSince: String(fact.quietSince) }),
    indexInRoom: false,
    reconciled: true,
    reconciliation: fact,
  };
}
