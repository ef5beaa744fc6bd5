/**
 * npm run replay -- <file|dir>... [--url URL] [--apps FILE] [--as-is] [--concurrency N]
 *
 * Posts sample events or captured callbacks to the local stack or a deployed stage, re-signed with
 * the apps file's keys and fresh timestamps. See README, "Replay".
 */
import { parseArgs } from 'node:util';
import { readAppsFile } from '../lib/config/load-apps';
import { listReplayFiles, type ReplaySummary, replayFiles } from '../tools/replay/replay-files';

const USAGE = `usage: npm run replay -- <file|dir>... [--url URL] [--apps FILE] [--as-is] [--concurrency N]
  --url URL          stack to post to (default http://127.0.0.1:\${PORT:-3000})
  --apps FILE        apps document with the signing keys (default $RECORDING_APPS_FILE or config/apps.local.json)
  --as-is            send captures exactly as saved, without re-signing
  --concurrency N    requests in flight (default 8)`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length === 0) fail('name at least one file or folder to replay');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) fail('--concurrency must be a positive integer');
  const url = values.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const appsFile = values.apps ?? process.env.RECORDING_APPS_FILE ?? 'config/apps.local.json';
  const apps = values['as-is'] ? undefined : await readAppsFile(appsFile);

  const files = await listReplayFiles(positionals).catch((error: Error) => fail(error.message));
  console.log(`replaying ${files.length} file(s) to ${url}${apps ? `, re-signed with ${appsFile}` : ', as captured'}`);
  const progress = createProgress(files.length);
  const summary = await replayFiles(files, { url, apps, concurrency, onProgress: progress });
  progress.done();
  printSummary(summary);
  process.exit(countRejected(summary) > 0 || summary.failed > 0 || summary.invalid > 0 ? 1 : 0);
}

function countRejected(summary: ReplaySummary): number {
  return Object.values(summary.rejected).reduce((sum, count) => sum + count, 0);
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      apps: { type: 'string' },
      'as-is': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '8' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** One updating line on a terminal; a line per 10% otherwise (CI logs). */
function createProgress(total: number) {
  const tty = process.stdout.isTTY;
  let lastDecile = 0;
  let done = 0;
  const line = (summary: ReplaySummary) =>
    `${done}/${total} files: ${summary.accepted} accepted, ${countRejected(summary)} rejected, ${summary.failed} failed, ${summary.skipped} skipped, ${summary.invalid} invalid`;
  const update = (summary: ReplaySummary) => {
    done += 1;
    if (tty) {
      process.stdout.write(`\r${line(summary)}`);
    } else {
      const decile = Math.floor((done * 10) / Math.max(total, 1));
      if (decile > lastDecile) {
        lastDecile = decile;
        console.log(line(summary));
      }
    }
  };
  update.done = () => {
    if (tty) process.stdout.write('\n');
  };
  return update;
}

function printSummary(summary: ReplaySummary): void {
  const rejected = Object.entries(summary.rejected)
    .map(([status, count]) => `${count} × ${status}`)
    .join(', ');
  console.log(
    `sent ${summary.sent}: ${summary.accepted} accepted, ${rejected || '0'} rejected, ${summary.failed} without answer; ${summary.skipped} file(s) skipped (not callbacks)${summary.invalid > 0 ? `; ${summary.invalid} invalid file(s) not sent` : ''}`,
  );
  for (const problem of summary.problems) console.log(`  ${problem}`);
}

main().catch((error: Error) => {
  console.error(`replay failed: ${error.message}`);
  process.exit(1);
});
