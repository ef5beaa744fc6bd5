import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeadLetterQueues } from './dead-letters';
import type { ConsolePage } from './page-bundle';

/** One of the product's routes, as the console forwards it. */
export interface ForwardedRequest {
  readonly method: 'GET' | 'POST';
  /** The route's path, still percent-encoded, e.g. `/recordings/trtc/1400000001`. */
  readonly path: string;
  /** Without the `?`. */
  readonly rawQuery: string;
}

export interface ForwardedAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * What the console server stands on: locally the stack's own handlers and queues; deployed, the
 * stage's HTTP API (SigV4, the operator's credentials) and SQS.
 */
export interface ConsoleBackend {
  forward(request: ForwardedRequest): Promise<ForwardedAnswer>;
  readonly deadLetters: DeadLetterQueues;
}

/**
 * The routes the page may reach through `/console/api/…`: the read routes, the apps, and the webhook
 * deliveries with their resend. Never the callback routes.
 */
const FORWARDED_GET =
  /^\/(apps|recordings\/[^/]+\/[^/]+(\/[^/]+(\/(files|events))?)?|rooms\/[^/]+\/[^/]+\/[^/]+|webhooks\/deliveries)$/;
const FORWARDED_POST = /^\/webhooks\/deliveries\/[^/]+\/[^/]+\/resend$/;
const REDRIVE = /^\/dead-letters\/([^/]+)\/redrive$/;

const SECURITY_HEADERS = {
  // The page may load and call only its own server: no CDN, no font, no request off the machine.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface ConsoleHandlerOptions {
  readonly backend: ConsoleBackend;
  readonly page: ConsolePage;
  /** Called with each failure of the backend, for the server's log (the page gets a short message). */
  readonly onError?: (what: string, error: unknown) => void;
}

/**
 * Serves `/console/…`: the page, and `/console/api/…` from the backend. Answers with the status it sent,
 * or undefined for a path that is not the console's. Requests naming another host are refused (DNS
 * rebinding), and so is a POST without the page's own header (a form on another site cannot add one).
 */
export function createConsoleHandler(options: ConsoleHandlerOptions) {
  const { backend, page } = options;
  return async function handleConsoleRequest(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<number | undefined> {
    const path = url.pathname;
    if (path !== '/console' && !path.startsWith('/console/')) return undefined;
    const method = request.method ?? 'GET';
    if (!isLoopbackHost(request.headers.host))
      return sendJson(response, 403, { message: 'the console answers on 127.0.0.1 only' });
    if (path === '/console') {
      response.writeHead(301, { location: '/console/' });
      response.end();
      return 301;
    }
    if (method === 'GET' && path === '/console/') return sendText(response, 200, 'text/html; charset=utf-8', page.html);
    if (method === 'GET' && path === '/console/app.js')
      return sendText(response, 200, 'text/javascript; charset=utf-8', page.js);
    if (method === 'GET' && path === '/console/app.css')
      return sendText(response, 200, 'text/css; charset=utf-8', page.css);
    if (!path.startsWith('/console/api/')) return sendJson(response, 404, { message: 'Not Found' });

    const route = path.slice('/console/api'.length);
    if (method === 'POST' && request.headers['x-console-request'] !== '1') {
      return sendJson(response, 403, { message: 'a console action must come from the console page' });
    }
    try {
      if (method === 'GET' && route === '/dead-letters') {
        return sendJson(response, 200, { queues: await backend.deadLetters.list() });
      }
      const redrive = REDRIVE.exec(route);
      if (method === 'POST' && redrive) {
        const name = decodeURIComponent(redrive[1] ?? '');
        const result = await backend.deadLetters.redrive(name);
        return result === undefined
          ? sendJson(response, 404, { message: `no dead-letter queue ${name} can be redriven` })
          : sendJson(response, 200, result);
      }
      if ((method === 'GET' && FORWARDED_GET.test(route)) || (method === 'POST' && FORWARDED_POST.test(route))) {
        const answer = await backend.forward({ method, path: route, rawQuery: url.search.slice(1) });
        return sendText(response, answer.status, 'application/json', answer.body);
      }
      return sendJson(response, 404, { message: 'Not Found' });
    } catch (error) {
      options.onError?.(`${method} ${route}`, error);
      return sendJson(response, 502, {
        message: `the console server could not complete ${method} ${route}: ${error instanceof Error ? error.name : 'error'}`,
      });
    }
  };
}

/** `127.0.0.1:3300`, `localhost:3000`, `[::1]:3300`: the names a browser on this machine uses. */
function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

function sendText(response: ServerResponse, status: number, type: string, body: string): number {
  response.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS });
  response.end(body);
  return status;
}

function sendJson(response: ServerResponse, status: number, body: unknown): number {
  return sendText(response, status, 'application/json', JSON.stringify(body));
}
