/**
 * npm run rebuild-views -- [--dry-run] [--table NAME] [--concurrency N]
 * Recomputes every recording's summary and file items from its events. See README, "Operations".
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SummaryProjector } from '../lib/adapters/summary-projector';
import { STATUS_RULES } from '../lib/providers/registry';
import { rebuildViews } from '../tools/operations/rebuild-views';

const USAGE = `usage: npm run rebuild-views -- [--dry-run] [--table NAME] [--concurrency N]
  --table NAME       the recordings table (default $TABLE_NAME; on AWS see the stack output RecordingsTableName)
  --dry-run          only report how many summaries differ from their events and which items need new keys
  --concurrency N    recordings rebuilt at once (default 8)
Run it when the projector has caught up (its IteratorAge near 0): an event applied while its recording
is being rebuilt could be counted twice; a second run corrects that. AWS_ENDPOINT_URL_DYNAMODB points it
at DynamoDB Local.`;

function fail(message: string): never {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse());
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const tableName = values.table ?? process.env.TABLE_NAME;
  if (!tableName) fail('give --table (or set TABLE_NAME)');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) fail('--concurrency must be a positive integer');
  const emulator = Boolean(process.env.AWS_ENDPOINT_URL_DYNAMODB);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(emulator ? { region: process.env.AWS_REGION ?? 'us-east-1' } : {}),
      ...(emulator && !process.env.AWS_ACCESS_KEY_ID
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const dryRun = values['dry-run'];
  let lastPrinted = 0;
  const started = Date.now();
  const report = await rebuildViews({
    client,
    tableName,
    projector: new SummaryProjector({ statusRules: STATUS_RULES, client, tableName }),
    dryRun,
    concurrency,
    onProgress: (progress) => {
      if (Date.now() - lastPrinted < 2_000) return;
      lastPrinted = Date.now();
      console.log(`  ${progress.recordings} recordings read, ${progress.differing} differ, ${progress.failed} failed…`);
    },
  });
  for (const example of report.examples) {
    const { platform, appId, taskId } = example.key;
    const before = example.before ? `${example.before.status}, ${example.before.eventCount} events` : 'no summary';
    console.log(
      `  ${platform}/${appId}/${taskId}: ${before} → ${example.after.status}, ${example.after.eventCount} events`,
    );
  }
  for (const error of report.errors) console.error(`  failed: ${error}`);
  const verb = dryRun ? 'would rewrite' : 'rewrote';
  console.log(
    `${report.recordings} recording(s) in ${tableName}: ${report.differing} summaries differed (${verb} them), ` +
      `${report.reshaped} summary items ${dryRun ? 'need' : 'got'} this release's shape, ` +
      `${report.migratedFiles} file items ${dryRun ? 'need' : 'got'} name-order keys, ${report.failed} failed ` +
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  process.exit(report.failed > 0 ? 1 : 0);
}

function parse() {
  return parseArgs({
    options: {
      table: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

main().catch((error: Error) => {
  console.error(`rebuild-views failed: ${error.message}`);
  process.exit(1);
});
