import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lowerCaseHeaders } from '../lib/http/callback-request';

export interface HttpRequestParts {
  method: string;
  /** Path as sent, still percent-encoded. */
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  sourceIp?: string;
}

/** An API Gateway HTTP API (payload 2.0) event, as AWS would hand it to the handlers. */
export function toApiGatewayEvent(request: HttpRequestParts): APIGatewayProxyEventV2 {
  const headers = lowerCaseHeaders(request.headers ?? {});
  const rawQueryString = request.rawQueryString ?? '';
  const queryStringParameters = rawQueryString ? Object.fromEntries(new URLSearchParams(rawQueryString)) : undefined;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.rawPath}`,
    rawPath: request.rawPath,
    rawQueryString,
    headers,
    queryStringParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: `${request.method} ${request.rawPath}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: request.body,
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}
