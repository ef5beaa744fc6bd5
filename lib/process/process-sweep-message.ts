import { parseJsonObject } from '../json';
import { OUTCOME_METRICS } from '../metrics';
import type { RecordingEvent } from '../model/events';
import { type ReconciliationMessage, reconciliationFactEvent, type SweepMessage } from '../model/sweep-message';
import type { ProcessDependencies, ProcessOutcome } from './process-callback';

/**
 * Applies what the sweep queued (README, "Lost callbacks"): a stale notice becomes a bookkeeping item, written
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
  // The answer stands on its own: a mirror we cannot read is dropped (logged), never the fact.
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

/**
 * The vendor's own record of the task, interpreted by its provider as the callback it mirrors; or
 * nothing, logged, when it cannot be read or is about another task. Redelivering would not help:
 * the next sweep asks again.
 */
function mirroredEvent(message: ReconciliationMessage, deps: ProcessDependencies): RecordingEvent | undefined {
  const { mirroredCallback } = message.finding;
  if (mirroredCallback === undefined) return undefined;
  const provider = [...deps.providers.values()].find((candidate) => candidate.platform === message.platform);
  const dropped = (reason: string) => {
    deps.logger.warn('mirrored callback dropped', {
      platform: message.platform,
      appId: message.appId,
      taskId: message.taskId,
      reason,
    });
    deps.countOutcome(OUTCOME_METRICS.unmodelled, { endpoint: provider?.endpoint ?? message.platform });
    return undefined;
  };
  if (!provider) return dropped('no provider');
  let interpretation: ReturnType<typeof provider.interpret>;
  try {
    interpretation = provider.interpret({
      appId: message.appId,
      query: {},
      // Read as a callback body is read: numbers stay exact.
      body: parseJsonObject(JSON.stringify(mirroredCallback)),
    });
  } catch (error) {
    return dropped(error instanceof Error ? error.name : 'not understood');
  }
  const event = interpretation.kind === 'event' ? interpretation.event : undefined;
  if (event?.kind !== 'recording' || event.taskId !== message.taskId) return dropped('not about the task asked about');
  // The id is a lazy getter on the interpreted event: copy it by name (lib/model/event-id.ts).
  return { ...event, eventId: event.eventId, reconciled: true };
}
