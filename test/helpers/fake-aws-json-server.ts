import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAwsRequest {
  readonly target: string;
  readonly contentType: string;
  readonly input: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** Whether the SigV4 signature checks out against the reference implementation below. */
  readonly signatureValid: boolean;
}

export type AwsAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

/**
 * A stand-in for an AWS JSON-protocol service (SSM, SQS) that checks the SigV4 signature of every
 * request with an implementation of its own, independent of aws4fetch, and answers as told.
 */
export async function startFakeAwsJsonServer(options: {
  secretAccessKey: string;
  answer: (request: ReceivedAwsRequest) => AwsAnswer;
}): Promise<{ endpoint: string; received: ReceivedAwsRequest[]; close: () => Promise<void> }> {
  const received: ReceivedAwsRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedAwsRequest = {
        target: String(req.headers['x-amz-target'] ?? ''),
        contentType: String(req.headers['content-type'] ?? ''),
        input: body ? (JSON.parse(body) as Record<string, unknown>) : {},
        headers: req.headers,
        signatureValid: verifySigV4({
          method: req.method ?? '',
          path: req.url ?? '/',
          headers: req.headers,
          body,
          secretAccessKey: options.secretAccessKey,
        }),
      };
      received.push(request);
      const answer = options.answer(request);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/**
 * SigV4 as AWS documents it (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
 * canonical request, string to sign, derived key, signature, for a request without a query string.
 */
export function expectedSigV4(request: {
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  body: string;
  secretAccessKey: string;
  amzDate: string;
  scope: string;
}): string {
  const canonicalHeaders = request.signedHeaders
    .map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    request.path,
    request.query ?? '',
    canonicalHeaders,
    request.signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', request.amzDate, request.scope, sha256Hex(canonicalRequest)].join('\n');
  const [date, region, service] = request.scope.split('/') as [string, string, string];
  const key = hmac(hmac(hmac(hmac(`AWS4${request.secretAccessKey}`, date), region), service), 'aws4_request');
  return hmac(key, stringToSign).toString('hex');
}

function verifySigV4(request: {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  secretAccessKey: string;
}): boolean {
  const match = /^AWS4-HMAC-SHA256 Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    String(request.headers.authorization ?? ''),
  );
  if (!match) return false;
  const [, scope, signedHeaders, signature] = match as unknown as [string, string, string, string];
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
  return (
    expectedSigV4({
      method: request.method,
      path: request.path,
      headers,
      signedHeaders: signedHeaders.split(';'),
      body: request.body,
      secretAccessKey: request.secretAccessKey,
      amzDate: headers['x-amz-date'] ?? '',
      scope,
    }) === signature
  );
}
