import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { localClientConfig } from '../../local/emulators';

/** What the fake answers to one PutEvents call: accept, refuse some entries, or fail the whole call. */
export type PutEventsBehaviour =
  | { kind: 'accept' }
  | { kind: 'refuse'; errorCode: string; which: (entry: PutEventsRequestEntry, index: number) => boolean }
  | { kind: 'unavailable' };

/**
 * A minimal EventBridge PutEvents endpoint (the JSON 1.1 protocol the SDK speaks), so the real
 * adapter and SDK client are exercised, partial failures and outages included.
 */
export async function startFakeEventBridge(
  behaviour: (call: number) => PutEventsBehaviour = () => ({ kind: 'accept' }),
) {
  const accepted: PutEventsRequestEntry[] = [];
  const requests: PutEventsRequestEntry[][] = [];
  let calls = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls += 1;
      const answer = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        answer(400, { __type: 'UnknownOperationException' });
        return;
      }
      const { Entries: entries = [] } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Entries?: PutEventsRequestEntry[];
      };
      requests.push(entries);
      const now = behaviour(calls);
      if (now.kind === 'unavailable') {
        answer(503, { __type: 'ServiceUnavailableException', message: 'unavailable' });
        return;
      }
      const results = entries.map((entry, index) => {
        if (now.kind === 'refuse' && now.which(entry, index))
          return { ErrorCode: now.errorCode, ErrorMessage: 'refused' };
        accepted.push(entry);
        return { EventId: randomUUID() };
      });
      answer(200, { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    accepted,
    requests,
    calls: () => calls,
    client: (options: { maxAttempts?: number } = {}) =>
      new EventBridgeClient({ ...localClientConfig(endpoint), maxAttempts: options.maxAttempts ?? 1 }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
