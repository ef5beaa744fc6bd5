import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { toApiGatewayEvent } from './api-gateway-event';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

export interface Routes {
  ingest: () => HttpHandler | undefined;
  query: () => HttpHandler | undefined;
  /** The webhook delivery log and resend (`GET /webhooks/deliveries`, `POST …/resend`). */
  webhooks?: () => HttpHandler | undefined;
  health: () => { ready: boolean; parts: Record<string, boolean> };
  /** `/console/…`: the operator console; answers undefined for any other path. */
  console?: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<number | undefined>;
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

/**
 * API Gateway HTTP API's own payload limit: past it API Gateway answers its own generic 413 and no
 * Lambda runs, so this answer is not in a vendor's shape. Ingest enforces its 256 KiB limit itself.
 */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/**
 * Node answers an empty 431 past 16 KiB of headers, before any handler runs. Let ingest see up to
 * this much, so an oversize header gets its documented 400 in the vendor's shape.
 */
const MAX_HEADER_BYTES = 64 * 1024;
/** How long a refused body is still drained, discarded, after the 413 (see refuseTooLarge). */
const LINGER_MS = 1_000;
const CALLBACK_ROUTE = /^\/callbacks\/[^/]+$/;
/** The GET routes of serverless.yml: an app's recordings, a recording, its files, its timeline, a room, the apps. */
const STATE_ROUTE = /^\/(recordings\/[^/]+\/[^/]+(\/[^/]+(\/(files|events))?)?|rooms\/[^/]+\/[^/]+\/[^/]+|apps)$/;
/** A GET route of serverless.yml that the query handler answers. */
export const isStateRoute = (path: string) => STATE_ROUTE.test(path);
const WEBHOOKS_LIST_ROUTE = /^\/webhooks\/deliveries$/;
const WEBHOOKS_RESEND_ROUTE = /^\/webhooks\/deliveries\/[^/]+\/[^/]+\/resend$/;
/** One of the two webhook delivery routes of serverless.yml, which the webhooks handler answers. */
export const isWebhooksRoute = (method: string, path: string) =>
  (method === 'GET' && WEBHOOKS_LIST_ROUTE.test(path)) || (method === 'POST' && WEBHOOKS_RESEND_ROUTE.test(path));
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The local API Gateway: the same routes as serverless.yml, each request turned into a payload 2.0
 * event for the real handler. A small server of our own rather than serverless-offline: no extra
 * plugin process per invocation, exact v2 events, and it starts in milliseconds.
 */
export function createLocalHttpServer(routes: Routes): Server {
  return createServer({ maxHeaderSize: MAX_HEADER_BYTES }, async (request, response) => {
    const started = Date.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    let status = 500;
    try {
      status = await route(request, response, url, method, routes);
    } catch {
      status = send(response, 500, { message: 'Internal Server Error' });
    } finally {
      routes.onRequest?.({ method, path: url.pathname, status, ms: Date.now() - started });
    }
  });
}

async function route(request: IncomingMessage, response: ServerResponse, url: URL, method: string, routes: Routes) {
  if (method === 'GET' && url.pathname === '/health') {
    const health = routes.health();
    return send(response, health.ready ? 200 : 503, health);
  }
  if (routes.console && (url.pathname === '/console' || url.pathname.startsWith('/console/'))) {
    const status = await routes.console(request, response, url);
    if (status !== undefined) return status;
  }
  const handler =
    method === 'POST' && CALLBACK_ROUTE.test(url.pathname)
      ? routes.ingest()
      : method === 'GET' && STATE_ROUTE.test(url.pathname)
        ? routes.query()
        : isWebhooksRoute(method, url.pathname)
          ? routes.webhooks
            ? routes.webhooks()
            : null
          : null;
  if (handler === null) return send(response, 404, { message: 'Not Found' });
  if (handler === undefined) return send(response, 503, { message: 'the local stack is still starting' });

  const body = await readBody(request);
  if (body === undefined) return refuseTooLarge(request, response);
  let text: string | undefined;
  try {
    text = UTF8.decode(body);
  } catch {
    text = undefined;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const result = await handler(
    toApiGatewayEvent({
      method,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      // Like API Gateway: text bodies as text, anything else base64-encoded.
      body: body.length === 0 ? undefined : (text ?? body.toString('base64')),
      isBase64Encoded: body.length > 0 && text === undefined,
      sourceIp: request.socket.remoteAddress,
    }),
  );
  const structured = typeof result === 'string' ? { statusCode: 200, body: result } : result;
  const statusCode = structured.statusCode ?? 200;
  response.writeHead(statusCode, { 'content-type': 'application/json', ...(structured.headers ?? {}) });
  response.end(structured.body ?? '');
  return statusCode;
}

function send(response: ServerResponse, status: number, body: unknown): number {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
  return status;
}

/**
 * The body, or undefined as soon as it passes MAX_REQUEST_BYTES: a declared Content-Length over the
 * limit is refused before a byte is read, and a streamed body stops being read (and buffered) at the
 * chunk that passes it.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
      request.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        stop();
        resolve(undefined);
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * API Gateway's generic 413. The rest of the body is not read while the answer is written; then, like
 * nginx's lingering close, whatever the client still sends is discarded (never buffered) for at most
 * LINGER_MS, so that it reads the 413 instead of a connection reset, and the connection is closed.
 */
function refuseTooLarge(request: IncomingMessage, response: ServerResponse): number {
  response.once('finish', () => {
    const close = setTimeout(() => request.socket.destroy(), LINGER_MS);
    close.unref();
    request.once('end', () => {
      clearTimeout(close);
      request.socket.destroy();
    });
    request.on('data', () => {});
    request.resume();
  });
  return send(response, 413, { message: 'Request Entity Too Large' });
}
