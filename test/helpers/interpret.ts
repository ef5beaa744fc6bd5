import { parseJsonObject } from '../../lib/json';
import type { RecordingEvent } from '../../lib/model/events';
import {
  type AppliedEvent,
  deriveRecordingState,
  eventSortKey,
  type RecordingState,
} from '../../lib/model/recording-state';
import { createProviderRegistry } from '../../lib/providers/registry';
import type { Sample } from './samples';

const providers = createProviderRegistry();

/** Runs a sample through its provider's `interpret`, exactly as process does, and expects a recording event. */
export function interpretSample(sample: Sample): RecordingEvent {
  const provider = providers.get(sample.endpoint);
  if (!provider) throw new Error(`no provider for ${sample.endpoint}`);
  const result = provider.interpret({
    appId: sample.appId,
    query: sample.query ?? {},
    body: parseJsonObject(sample.body),
  });
  if (result.kind !== 'event' || result.event.kind !== 'recording')
    throw new Error(`${sample.name} is not a recording event`);
  return result.event;
}

/**
 * The store's semantics without the store: the first delivery of each (type, content) is kept,
 * later copies are duplicates. The integration tests check DynamoDB does exactly this.
 */
export function applyDeliveries(deliveries: readonly RecordingEvent[], now = 0): RecordingState {
  const first = deliveries[0];
  if (!first) throw new Error('no deliveries');
  const applied = new Map<string, AppliedEvent>();
  deliveries.forEach((event, index) => {
    const key = eventSortKey(event);
    if (!applied.has(key)) applied.set(key, { ...event, appliedAt: now + index });
  });
  return deriveRecordingState(first, [...applied.values()], { now, staleAfterMs: Number.POSITIVE_INFINITY });
}
