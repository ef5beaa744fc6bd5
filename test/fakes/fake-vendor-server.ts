import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a fake vendor received it: header names lower-case, the body's exact bytes. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path as sent, percent-encoding included, without the query string. */
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Which API the fake counts it under (TRTC's action, SparkRTC's job collection, a Twirp method). */
  readonly route: string;
  /** Why the fake refused its signature, or undefined when it was accepted. */
  readonly refusal?: string;
}

export interface FakeReply {
  readonly status: number;
  readonly json: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Answers this much later: a slow vendor. */
  readonly delayMs?: number;
}

export interface FakeHandling {
  readonly route: string;
  readonly refusal?: string;
  readonly reply: FakeReply;
}

/** What every fake vendor API offers the tests. */
export interface FakeVendorApi {
  /** Its base URL, `http://127.0.0.1:<port>`: what `TRTC_API_ENDPOINT`, `SPARKRTC_API_ENDPOINT` or `api.url` take. */
  readonly url: string;
  /** Every request received since the start or the last `resetCalls()`. */
  readonly requests: readonly ReceivedRequest[];
  /** Requests received on one route (`DescribeCloudRecording`, `mix-stream-jobs`, `ListEgress`), or on all. */
  callCount(route?: string): number;
  resetCalls(): void;
  /** Stops at once, dropping connections and answers still delayed. */
  close(): Promise<void>;
}

type Handle = (request: Omit<ReceivedRequest, 'route' | 'refusal'>) => FakeHandling;

/** A real HTTP server on 127.0.0.1 and a free port, answering each request with `handle`. */
export async function startFakeVendorServer(handle: Handle): Promise<FakeVendorApi> {
  const requests: ReceivedRequest[] = [];
  const delayed = new Set<NodeJS.Timeout>();
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const [path = '/', query = ''] = (incoming.url ?? '/').split('?', 2);
      const headers = Object.fromEntries(
        Object.entries(incoming.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      );
      const received = { method: incoming.method ?? '', path, query, headers, body: Buffer.concat(chunks) };
      const { route, refusal, reply } = handle(received);
      requests.push({ ...received, route, ...(refusal !== undefined && { refusal }) });
      const send = () => {
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify(reply.json));
      };
      if (!reply.delayMs) return send();
      const timer = setTimeout(() => {
        delayed.delete(timer);
        send();
      }, reply.delayMs);
      delayed.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    callCount: (route) => requests.filter((request) => route === undefined || request.route === route).length,
    resetCalls: () => {
      requests.length = 0;
    },
    close: () => {
      for (const timer of delayed) clearTimeout(timer);
      delayed.clear();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
