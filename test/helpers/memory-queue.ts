import { QueueUnavailableError } from '../../lib/errors';
import type { CallbackQueue } from '../../lib/ingest/handle-callback';
import type { QueuedCallback } from '../../lib/model/queued-callback';

/** A queue double for unit tests of ingest's wiring; integration tests use the real SQS emulator. */
export class MemoryQueue implements CallbackQueue {
  readonly sent: QueuedCallback[] = [];
  failing = false;

  async send(callback: QueuedCallback): Promise<void> {
    if (this.failing) throw new QueueUnavailableError({ cause: new Error('simulated outage') });
    this.sent.push(callback);
  }
}
