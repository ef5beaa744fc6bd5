import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBridgeEnvelope } from '../../local/http-event-publisher';

/**
 * A webhook receiver on a free loopback port: keeps every envelope it answered 2xx to, in
 * arrival order, and answers 503 (keeping nothing) while `failing()` says so.
 */
export async function startEventReceiver(options: { failing?: () => boolean } = {}) {
  const received: { envelope: EventBridgeEnvelope; at: number }[] = [];
  let refused = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (options.failing?.()) {
        refused += 1;
        response.writeHead(503).end();
        return;
      }
      received.push({ envelope: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received,
    refused: () => refused,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
