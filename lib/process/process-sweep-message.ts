import { PoisonMessageError } from '../errors';
import { parseJsonObject } from '../json';
import { OUTCOME_METRICS } from '../metrics';
import type { RecordingEvent } from '../model/events';
import { type ReconciliationMessage, reconciliationFactEvent, type SweepMessage } from '../model/sweep-message';
import type { ProcessDependencies, ProcessOutcome } from './process-callback';

/**
 * Applies what the sweep queued (CONTRACT §7): a stale notice becomes a bookkeeping item, written
 * once per quiet period, that the publisher announces; a vendor answer becomes a reconciliation
 * fact, an event like any other, with LiveKit's `EgressInfo` applied as the webhook it mirrors.
 */
export async function processSweepMessage(message: SweepMessage, deps: ProcessDependencies): Promise<ProcessOutcome> {
  const recording = { platform: message.platform, appId: message.appId, taskId: message.taskId };
  if (message.kind === 'stale') {
    const outcome = await deps.store.markStale(recording, message.quietSince);
    deps.logger.info(`stale notice ${outcome}`, { outcome, ...recording, quietSince: message.quietSince });
    deps.countOutcome(OUTCOME_METRICS.staleNotice, { platform: message.platform, outcome });
    return outcome;
  }
  const mirrored = mirroredEvent(message, deps);
  if (mirrored) await deps.store.applyRecordingEvent(mirrored, message.checkedAt);
  const fact = reconciliationFactEvent(message);
  const outcome = await deps.store.applyRecordingEvent(fact, message.checkedAt);
  deps.logger.info(`reconciliation fact ${outcome}`, {
    outcome,
    ...recording,
    vendorStatus: message.finding.vendorStatus,
    detail: message.finding.detail,
    eventId: fact.eventId,
  });
  deps.countOutcome(OUTCOME_METRICS[outcome], { platform: message.platform });
  return outcome;
}

/** The vendor's own record of the task, interpreted by its provider as the callback it mirrors. */
function mirroredEvent(message: ReconciliationMessage, deps: ProcessDependencies): RecordingEvent | undefined {
  const { mirroredCallback } = message.finding;
  if (mirroredCallback === undefined) return undefined;
  const provider = [...deps.providers.values()].find((candidate) => candidate.platform === message.platform);
  if (!provider) throw new PoisonMessageError(`no provider for ${message.platform}`);
  let interpretation: ReturnType<typeof provider.interpret>;
  try {
    interpretation = provider.interpret({
      appId: message.appId,
      query: {},
      // Read as a callback body is read: numbers stay exact.
      body: parseJsonObject(JSON.stringify(mirroredCallback)),
      receivedAt: message.checkedAt,
    });
  } catch (cause) {
    throw new PoisonMessageError('mirrored callback not understood', { cause });
  }
  const event = interpretation.kind === 'event' ? interpretation.event : undefined;
  if (event?.kind !== 'recording' || event.taskId !== message.taskId) {
    throw new PoisonMessageError('mirrored callback is not about the task asked about');
  }
  // The id is a lazy getter on the interpreted event: copy it by name (lib/model/event-id.ts).
  return { ...event, eventId: event.eventId, reconciled: true };
}
