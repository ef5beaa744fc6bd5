import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAppsDocument } from '../../lib/config/apps';
import { incomingCallbackOf } from '../../lib/http/callback-request';
import { handleCallback, MAX_BODY_BYTES } from '../../lib/ingest/handle-callback';
import { createProviderRegistry } from '../../lib/providers/registry';
import { createLocalHttpServer, MAX_REQUEST_BYTES } from '../../local/http-server';
import { MemoryQueue } from '../helpers/memory-queue';

// README, "Routes and answers": over 256 KiB ingest answers 413 in the vendor's shape; over 10 MB API
// Gateway answers its own generic 413 before any Lambda runs, and the local server mimics it without
// reading (or buffering) the rest of the body.
const server = createLocalHttpServer({
  ingest: () => async (event) => {
    const { answer } = await handleCallback(incomingCallbackOf(event), {
      providers: createProviderRegistry(),
      loadApps: async () => parseAppsDocument({ apps: [] }, 'test'),
      queue: new MemoryQueue(),
      logger: new Logger({ logLevel: 'SILENT' }),
      countOutcome: () => {},
    });
    return { statusCode: answer.statusCode, headers: { 'content-type': 'application/json' }, body: answer.body };
  },
  query: () => undefined,
  health: () => ({ ready: true, parts: {} }),
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * POSTs `bytes` of JSON-ish filler, generated as it is sent (never held in memory), and resolves with
 * the answer as soon as it arrives, however much of the body is still unsent.
 */
function post(path: string, bytes: number, options: { chunked: boolean }) {
  const started = Date.now();
  return new Promise<{ status: number; body: string; ms: number; sent: number }>((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    let answered = false;
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.chunked ? {} : { 'content-length': bytes }) },
    });
    const pump = () => {
      while (!answered && sent < bytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!request.write(piece)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    request.on('response', (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body, ms: Date.now() - started, sent });
        request.destroy();
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    pump();
  });
}

describe('request body limits of the local HTTP API', () => {
  for (const chunked of [false, true]) {
    it(`over 10 MB (${chunked ? 'chunked' : 'Content-Length 200 MB'}): API Gateway's generic 413, quickly, without reading the whole body`, async () => {
      const answer = await post('/callbacks/agora', 200 * 1024 * 1024, { chunked });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Request Entity Too Large' });
      expect(answer.ms).toBeLessThan(5_000);
      // The client stopped long before 200 MB: the server answered at the limit (or before reading).
      expect(answer.sent).toBeLessThan(MAX_REQUEST_BYTES + 16 * 1024 * 1024);
    });
  }

  it('just over 256 KiB: 413 from ingest, in the vendor’s shape', async () => {
    const answer = await post('/callbacks/agora', MAX_BODY_BYTES + 1024, { chunked: false });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ code: 413, message: expect.any(String) });
  });

  it('the server still answers after refusing', async () => {
    const answer = await post('/callbacks/agora', MAX_REQUEST_BYTES + 1, { chunked: true });
    expect(answer.status).toBe(413);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
  });
});
