import type { Logger } from '@aws-lambda-powertools/logger';
import { BadRequestError, PoisonMessageError } from '../errors';
import { parseJsonObject } from '../json';
import { type CountOutcome, OUTCOME_METRICS } from '../metrics';
import type { Interpretation, RecordingEvent, RoomEvent } from '../model/events';
import { withinBounds } from '../model/input-bounds';
import type { QueuedCallback } from '../model/queued-callback';
import type { RecordingKey } from '../model/recording-state';
import type { ProviderRegistry } from '../providers/provider';

/** What writing one event did: the first time it was applied, a duplicate, or older than what is kept (rooms). */
export type ApplyOutcome = 'applied' | 'duplicate' | 'stale';

/** Where process writes: one conditional write per event, no read (README, "Data model"). */
export interface EventWriter {
  applyRecordingEvent(event: RecordingEvent, receivedAt: number): Promise<ApplyOutcome>;
  applyRoomEvent(event: RoomEvent): Promise<ApplyOutcome>;
  /** A quiet period found stale by the sweep: noted once. */
  markStale(key: RecordingKey, quietSince: number): Promise<'applied' | 'duplicate'>;
}

export interface ProcessDependencies {
  providers: ProviderRegistry;
  store: EventWriter;
  logger: Logger;
  countOutcome: CountOutcome;
}

export type ProcessOutcome = ApplyOutcome | 'unmodelled';

/** Applies one verified callback from ingest (`processQueueMessage` dispatches to it). */
export async function processCallback(callback: QueuedCallback, deps: ProcessDependencies): Promise<ProcessOutcome> {
  const provider = deps.providers.get(callback.endpoint);
  if (!provider) throw new PoisonMessageError(`no provider for ${callback.endpoint}`);
  let interpretation: Interpretation;
  try {
    interpretation = withinBounds(
      provider.interpret({
        appId: callback.appId,
        query: callback.query,
        body: parseJsonObject(callback.body),
      }),
    );
  } catch (error) {
    if (error instanceof BadRequestError) throw new PoisonMessageError(error.message, { cause: error });
    throw error;
  }
  if (interpretation.kind === 'unmodelled') {
    deps.logger.info('queued callback not modelled', {
      endpoint: callback.endpoint,
      label: interpretation.label,
    });
    deps.countOutcome(OUTCOME_METRICS.unmodelled, { endpoint: callback.endpoint });
    return 'unmodelled';
  }
  const { event } = interpretation;
  const outcome =
    event.kind === 'recording'
      ? await deps.store.applyRecordingEvent(event, callback.receivedAt)
      : await deps.store.applyRoomEvent(event);
  deps.logger.info(`event ${outcome}`, {
    outcome,
    platform: event.platform,
    appId: event.appId,
    ...(event.kind === 'recording' ? { taskId: event.taskId, eventType: event.eventType } : { roomId: event.roomId }),
    eventId: event.eventId,
  });
  deps.countOutcome(OUTCOME_METRICS[outcome], { platform: event.platform });
  return outcome;
}
