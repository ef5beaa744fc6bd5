import { decodeQueueMessage, isSweepMessage } from '../model/queued-callback';
import { type ProcessDependencies, type ProcessOutcome, processCallback } from './process-callback';
import { processSweepMessage } from './process-sweep-message';

/**
 * Applies one queue message: a callback, or a fact from the sweep. A message that cannot be
 * understood throws `PoisonMessageError`: the batch reports it failed, SQS redelivers it, and after
 * `maxReceiveCount` it lands in the DLQ. A store failure throws too, and the redelivery is safe
 * because every write is conditional.
 */
export async function processQueueMessage(messageBody: string, deps: ProcessDependencies): Promise<ProcessOutcome> {
  const message = decodeQueueMessage(messageBody);
  return isSweepMessage(message) ? processSweepMessage(message, deps) : processCallback(message, deps);
}
