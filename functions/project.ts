import { createDocumentClient } from '../lib/adapters/dynamodb-table';
import { SummaryProjector } from '../lib/adapters/summary-projector';
import { DEFAULT_RETENTION_DAYS } from '../lib/config/defaults';
import { getNumberFromEnv, requireEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { countOutcome } from '../lib/metrics';
import { createStreamProjectHandler } from '../lib/project/stream-handler';
import { STATUS_RULES } from '../lib/providers/registry';

/** DynamoDB stream of new event items → each recording's summary and file items. */
export const handler = createStreamProjectHandler({
  projector: new SummaryProjector({
    statusRules: STATUS_RULES,
    client: createDocumentClient(),
    tableName: requireEnv('TABLE_NAME'),
    retentionDays: getNumberFromEnv({ key: 'RECORDING_RETENTION_DAYS', defaultValue: DEFAULT_RETENTION_DAYS }),
  }),
  logger,
  countOutcome,
});
