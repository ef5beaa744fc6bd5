import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createDocumentClient, RecordingStore } from '../lib/adapters/recording-store';
import { DEFAULT_STALE_AFTER_HOURS } from '../lib/config/defaults';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { parseQuery } from '../lib/http/callback-request';
import { logger } from '../lib/logger';
import { handleQuery } from '../lib/query/handle-query';

const store = new RecordingStore({
  client: createDocumentClient(),
  tableName: requireEnv('TABLE_NAME'),
  staleAfterHours: getNumberFromEnv({ key: 'STALE_AFTER_HOURS', defaultValue: DEFAULT_STALE_AFTER_HOURS }),
});

/** `GET /recordings/…` and `GET /rooms/…`. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  let query: Record<string, string>;
  try {
    query = parseQuery(event.rawQueryString ?? '');
  } catch (error) {
    return {
      statusCode: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: (error as Error).message }),
    };
  }
  try {
    const answer = await handleQuery(
      {
        method: event.requestContext.http.method,
        rawPath: event.rawPath,
        query,
      },
      store,
    );
    return { statusCode: answer.statusCode, headers: { 'content-type': 'application/json' }, body: answer.body };
  } catch (error) {
    logger.error('query failed', {
      path: event.rawPath,
      error: error instanceof Error ? error.message : String(error),
    });
    return { statusCode: 503, headers: { 'content-type': 'application/json' }, body: '{"message":"try again later"}' };
  }
};
