import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isServiceUnavailable } from '../lib/adapters/aws-errors';
import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { DynamoDbRecordingReader } from '../lib/adapters/recording-reader';
import { createAppRefsLoader } from '../lib/config/app-ids';
import { appsSourceFromEnv } from '../lib/config/apps-source';
import { DEFAULT_STALE_AFTER_HOURS } from '../lib/config/defaults';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { type HttpAnswer, jsonAnswer } from '../lib/http/answer';
import { logger } from '../lib/logger';
import { handleQuery } from '../lib/query/handle-query';

const store = new DynamoDbRecordingReader({
  client: createDocumentClient(),
  tableName: requireEnv('TABLE_NAME'),
  staleAfterHours: getNumberFromEnv({ key: 'STALE_AFTER_HOURS', defaultValue: DEFAULT_STALE_AFTER_HOURS }),
});

// Ids only: the apps document's platform and appId fields, never its secrets.
const listApps = createAppRefsLoader(appsSourceFromEnv());

/** `GET /recordings/…`, `GET /rooms/…` and `GET /apps`. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const answer = await handleQuery(
      { method: event.requestContext.http.method, rawPath: event.rawPath, rawQueryString: event.rawQueryString ?? '' },
      store,
      listApps,
    );
    return toResult(answer);
  } catch (error) {
    // A caller's mistake was answered inside handleQuery; what is left is the table being unavailable
    // (try again) or our own bug (a 500, logged with its stack).
    const unavailable = isServiceUnavailable(error);
    logger.error(unavailable ? 'query failed: table unavailable' : 'query failed', {
      path: event.rawPath,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      ...(!unavailable && error instanceof Error && { stack: error.stack }),
    });
    return toResult(
      unavailable
        ? jsonAnswer(503, { message: 'try again later' })
        : jsonAnswer(500, { message: 'Internal Server Error' }),
    );
  }
};

const toResult = (answer: HttpAnswer): APIGatewayProxyStructuredResultV2 => ({
  statusCode: answer.statusCode,
  headers: { 'content-type': 'application/json' },
  body: answer.body,
});
