/**
 * npm run console -- --stage <stage> [--region R] [--profile P] [--api-url URL] [--stack-name NAME]
 * The operator console for a deployed stage, on http://127.0.0.1:${CONSOLE_PORT:-3300}/console/ (README, "Console").
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONSOLE_PORT, startConsoleServer } from '../tools/console/console-server';
import { connectDeployedStack } from '../tools/console/deployed-backend';

const USAGE = `usage: npm run console -- --stage <stage> [--region <region>] [--profile <profile>] [--api-url <url>] [--stack-name <name>]
  Serves the operator console for a deployed stage at http://127.0.0.1:\${CONSOLE_PORT:-${DEFAULT_CONSOLE_PORT}}/console/,
  acting with your AWS credentials (the SDK's default chain: environment, --profile, SSO, …).
  --api-url      instead of the stack's HttpApiUrl output (a custom domain)
  --stack-name   default rtc-recording-callbacks-<stage>`;

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
  if (!values.stage) fail('--stage is required');
  const port = Number(process.env.CONSOLE_PORT ?? DEFAULT_CONSOLE_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`CONSOLE_PORT must be a port number, got "${process.env.CONSOLE_PORT}"`);
  const stack = await connectDeployedStack({
    stage: values.stage,
    region: values.region,
    profile: values.profile,
    apiUrl: values['api-url'],
    stackName: values['stack-name'],
  });
  const { server, url } = await startConsoleServer({
    backend: stack.backend,
    port,
    // The failure's name and message only: SDK errors carry no credentials, and no request body is logged.
    onError: (what, error) =>
      console.error(`${what} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
  });
  const queues = Object.keys(stack.queues).filter((key) => key.endsWith('DeadLetterQueue'));
  console.log(`console for stack ${stack.stackName} (${stack.region})
  routes       ${stack.apiUrl} (SigV4, execute-api)
  dead letters ${queues.length} queue(s): ${queues.join(', ')}
  open         ${url}`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function parse() {
  return parseArgs({
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      'api-url': { type: 'string' },
      'stack-name': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

main().catch((error: Error) => {
  console.error(`console failed: ${error.name}: ${error.message}`);
  process.exit(1);
});
