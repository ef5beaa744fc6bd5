import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a webhook receiver saw, with what a consumer checking it with `standardwebhooks` would find. */
export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  readonly at: number;
  /** How many of `secrets` verified the request (each secret checked alone, as a consumer holding one does). */
  readonly verifiedSecrets: number;
  readonly answered: number | 'no answer' | 'dropped';
}

/**
 * What the receiver answers to the n-th request (1-based) of one webhook-id: a status, no answer
 * ('hang'), or the connection closed at once, as a host that is down ('drop').
 */
export type Answer = (attemptOfId: number) => { status: number; headers?: Record<string, string> } | 'hang' | 'drop';

/**
 * A Standard Webhooks consumer on a free loopback port: verifies each request with the
 * `standardwebhooks` library for every secret it knows, records it, and answers as `answer` says.
 */
export async function startWebhookReceiver(options: { secrets: readonly string[]; answer: Answer }) {
  const received: ReceivedWebhook[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      const verifiedSecrets = options.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      }).length;
      const attemptOfId = received.filter((entry) => entry.id === headers['webhook-id']).length + 1;
      const answer = options.answer(attemptOfId);
      received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        at: Date.now(),
        verifiedSecrets,
        answered: answer === 'hang' ? 'no answer' : answer === 'drop' ? 'dropped' : answer.status,
      });
      if (answer === 'drop') {
        request.socket.destroy();
        return;
      }
      if (answer === 'hang') {
        hanging.push(response);
        return;
      }
      response.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    /** Ids, each once, in first-arrival order. */
    ids: () => [...new Set(received.map((entry) => entry.id))],
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
