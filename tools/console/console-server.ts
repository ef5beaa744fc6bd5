import { createServer, type Server } from 'node:http';
import { type ConsoleBackend, createConsoleHandler } from '../../console/server/console-handler';
import { buildConsolePage } from '../../console/server/page-bundle';

export const DEFAULT_CONSOLE_PORT = 3300;

/** The console on its own server, on the loopback interface only. */
export async function startConsoleServer(options: {
  backend: ConsoleBackend;
  port: number;
  onError?: (what: string, error: unknown) => void;
}): Promise<{ server: Server; url: string }> {
  const handle = createConsoleHandler({
    backend: options.backend,
    page: await buildConsolePage(),
    onError: options.onError,
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/') {
      response.writeHead(302, { location: '/console/' });
      response.end();
      return;
    }
    handle(request, response, url).then(
      (status) => {
        if (status === undefined) {
          response.writeHead(404, { 'content-type': 'application/json' });
          response.end('{"message":"Not Found"}');
        }
      },
      () => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"message":"Internal Server Error"}');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { server, url: `http://127.0.0.1:${port}/console/` };
}
