import type { DynamoDbTableOptions } from '../../lib/adapters/dynamodb-table';
import { DynamoDbEventWriter } from '../../lib/adapters/event-writer';
import { DynamoDbRecordingReader } from '../../lib/adapters/recording-reader';
import { DynamoDbStaleRecordings } from '../../lib/adapters/stale-recordings';

/**
 * Every reader and writer of the recordings table in one object, for tests that write events and
 * read them back: each method is the real adapter's (process's writer, the query's and the
 * publisher's readers, the sweep's), on the same table and clock.
 */
export class RecordingStore {
  readonly #writer: DynamoDbEventWriter;
  readonly #reader: DynamoDbRecordingReader;
  readonly #stale: DynamoDbStaleRecordings;

  constructor(options: DynamoDbTableOptions) {
    this.#writer = new DynamoDbEventWriter(options);
    this.#reader = new DynamoDbRecordingReader(options);
    this.#stale = new DynamoDbStaleRecordings(options);
  }

  applyRecordingEvent: DynamoDbEventWriter['applyRecordingEvent'] = (...args) =>
    this.#writer.applyRecordingEvent(...args);
  applyRoomEvent: DynamoDbEventWriter['applyRoomEvent'] = (...args) => this.#writer.applyRoomEvent(...args);
  markStale: DynamoDbEventWriter['markStale'] = (...args) => this.#writer.markStale(...args);
  getRecording: DynamoDbRecordingReader['getRecording'] = (...args) => this.#reader.getRecording(...args);
  getSummary: DynamoDbRecordingReader['getSummary'] = (...args) => this.#reader.getSummary(...args);
  getSummaryVersion: DynamoDbRecordingReader['getSummaryVersion'] = (...args) =>
    this.#reader.getSummaryVersion(...args);
  versionFiles: DynamoDbRecordingReader['versionFiles'] = (...args) => this.#reader.versionFiles(...args);
  listFiles: DynamoDbRecordingReader['listFiles'] = (...args) => this.#reader.listFiles(...args);
  listEvents: DynamoDbRecordingReader['listEvents'] = (...args) => this.#reader.listEvents(...args);
  listRecordings: DynamoDbRecordingReader['listRecordings'] = (...args) => this.#reader.listRecordings(...args);
  getRoom: DynamoDbRecordingReader['getRoom'] = (...args) => this.#reader.getRoom(...args);
  staleRecordings: DynamoDbStaleRecordings['staleRecordings'] = (...args) => this.#stale.staleRecordings(...args);
}
