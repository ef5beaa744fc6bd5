/**
 * npm run rehearse: a deploy rehearsal on the moto AWS emulator (README, "Rehearse a deploy").
 *
 * Packages a non-default stage with alarmEmail, and again with alarmTopicArn and with neither (each
 * template's alarm actions checked), lints the three templates with cfn-lint, deploys the first into a
 * moto_server of its own, checks what was created through the AWS SDK, runs the deployed bundles end
 * to end (signed webhooks to a loopback receiver included), deploys again (no changes expected) and
 * removes the stack. Needs Python with moto and cfn-lint.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  ALARM_NOTIFICATION_CASES,
  type AlarmCase,
  alarmParams,
  checkDeployedAlarmActions,
  checkPackagedAlarmActions,
} from './alarms';
import { createClients, emulatorEnvironment, REHEARSAL_REGION, type RehearsalClients } from './aws';
import { passed, RehearsalError } from './check';
import { checkDeployment, type Deployment, readStack, type Template } from './check-stack';
import { driveArtifacts } from './drive';
import { checkPythonTools, type RunningMoto, startMoto } from './moto';
import { killAllProcessesNow, runCommand, stopAllProcesses } from './processes';

const STAGE = 'rehearsal';
const STACK_NAME = `rtc-recording-callbacks-${STAGE}`;
const SERVERLESS = 'node_modules/.bin/serverless';
const CFN_LINT_CONFIG = '.cfnlintrc.yaml';
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
const COMMAND_TIMEOUT_MS = 5 * 60_000;

const startedAt = performance.now();
const workDir = mkdtempSync(join(tmpdir(), 'rehearse-'));
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
let currentStep = 'start';
let stepCount = 0;

async function step<T>(title: string, body: () => Promise<T>): Promise<T> {
  currentStep = title;
  stepCount += 1;
  console.log(`\n▶ ${stepCount}. ${title}`);
  const started = performance.now();
  const result = await body();
  console.log(`  (${seconds(started)})`);
  return result;
}

/** The stack is deployed with alarmEmail; the two other ways are packaged only (tools/rehearse/alarms.ts). */
const [DEPLOYED_ALARMS, ...PACKAGED_ALARMS] = ALARM_NOTIFICATION_CASES;

async function serverless(
  args: string[],
  env: NodeJS.ProcessEnv,
  params: string[] = alarmParams(DEPLOYED_ALARMS),
): Promise<string> {
  const command = ['serverless', ...args, ...params].join(' ');
  const result = await runCommand(SERVERLESS, [...args, ...params, '--stage', STAGE, '--region', REHEARSAL_REGION], {
    env,
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  if (result.code !== 0) throw new RehearsalError(`${command} failed (exit ${result.code}):\n${result.output.trim()}`);
  return result.output;
}

/** The framework's own summary line (✔ …, or "No changes to deploy…"). */
const summaryOf = (output: string) =>
  output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('✔') || line.startsWith('No changes'))
    .map((line) => line.replace(/^✔\s*/, ''))
    .join('; ');

async function lint(templatePaths: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runCommand('cfn-lint', ['--config-file', CFN_LINT_CONFIG, '--', ...templatePaths], {
    env,
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  if (result.code !== 0) {
    throw new RehearsalError(
      `cfn-lint found problems (exit ${result.code}; warnings not accepted in ${CFN_LINT_CONFIG} fail too):\n${result.output.trim()}`,
    );
  }
  const accepted = [...readFileSync(CFN_LINT_CONFIG, 'utf8').matchAll(/^\s*-\s*([EWI]\d+)/gm)].map((match) => match[1]);
  passed(
    `cfn-lint on the ${templatePaths.length} templates: no errors, no warnings but those accepted in ${CFN_LINT_CONFIG} (${accepted.join(', ')})`,
  );
}

async function checkRemoved(clients: RehearsalClients, deployment: Deployment): Promise<void> {
  const stacks = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: STACK_NAME })).then(
    (answer) => answer.Stacks ?? [],
    () => [],
  );
  if (stacks.some((stack) => stack.StackStatus !== 'DELETE_COMPLETE')) {
    throw new RehearsalError(`stack ${STACK_NAME} still exists: ${stacks[0]?.StackStatus}`);
  }
  const ingestGone = await clients.lambda
    .send(new GetFunctionCommand({ FunctionName: deployment.functions.ingest.functionName }))
    .then(
      () => false,
      () => true,
    );
  if (!ingestGone) throw new RehearsalError('the functions outlived serverless remove');
  passed(`stack ${STACK_NAME} and its functions removed`);
  // DeletionPolicy Retain: the data outlives the stack (moto honours it as CloudFormation does).
  const retained = (what: string) => (error: unknown) => {
    throw new RehearsalError(`${what} was deleted with the stack: ${(error as Error).message}`);
  };
  await clients.dynamodb
    .send(new DescribeTableCommand({ TableName: deployment.tableName }))
    .catch(retained('the table'));
  for (const url of [
    deployment.queueUrl,
    deployment.deadLetterQueueUrl,
    deployment.projectionDeadLetterQueueUrl,
    deployment.publicationDeadLetterQueueUrl,
    deployment.webhooks.fanoutQueueUrl,
    deployment.webhooks.deliveryQueueUrl,
    deployment.webhooks.deadLetterQueueUrl,
  ]) {
    await clients.sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      .catch(retained(url));
  }
  passed(
    'the table, both callback queues, both stream DLQs and the three webhook queues are kept (DeletionPolicy Retain)',
  );
}

async function rehearse(): Promise<void> {
  const offline = emulatorEnvironment();
  const packageDir = join(workDir, 'package');
  let moto: RunningMoto | undefined;
  let clients: RehearsalClients | undefined;
  try {
    await step('prerequisites', async () => passed(await checkPythonTools(offline)));
    const templates: string[] = [];
    const packageAlarms = async (alarmCase: AlarmCase, dir: string) => {
      const output = await serverless(['package', '--package', dir], offline, alarmParams(alarmCase));
      const path = join(dir, TEMPLATE_FILE);
      templates.push(path);
      checkPackagedAlarmActions(alarmCase, JSON.parse(readFileSync(path, 'utf8')) as Template, output);
      return output;
    };
    await step(`serverless package --stage ${STAGE} ${alarmParams(DEPLOYED_ALARMS).join(' ')}`, async () => {
      passed(summaryOf(await packageAlarms(DEPLOYED_ALARMS, packageDir)));
    });
    await step('serverless package with the other alarm parameters (packaged, not deployed)', async () => {
      for (const alarmCase of PACKAGED_ALARMS)
        await packageAlarms(alarmCase, join(workDir, `package-${alarmCase.name}`));
    });
    await step('cfn-lint on the packaged templates', () => lint(templates, offline));
    moto = await step('moto_server', async () => {
      const running = await startMoto(offline);
      passed(`listening on ${running.endpoint} (pid ${running.pid})`);
      return running;
    });
    const deployEnv = emulatorEnvironment(moto.endpoint);
    const aws = createClients(moto.endpoint);
    clients = aws;
    await step(`serverless deploy --stage ${STAGE} into moto`, async () => {
      passed(summaryOf(await serverless(['deploy', '--package', packageDir], deployEnv)));
    });
    const deployment = await step('what the stack created, through the AWS SDK', async () => {
      const stack = await readStack(aws, STACK_NAME);
      const result = await checkDeployment(aws, stack, STAGE);
      await checkDeployedAlarmActions(DEPLOYED_ALARMS, stack, moto?.endpoint ?? '');
      passed(
        'not in moto: the HTTP API, its routes, IAM authorization and access logs, the alarms and the email ' +
          'subscription (cfn-lint checked them; checked in the deployed template above)',
      );
      return result;
    });
    await step('the deployed bundles, end to end', () =>
      driveArtifacts(aws, deployment, { endpoint: moto?.endpoint ?? '', workDir, env: offline }),
    );
    await step('serverless deploy again, from a fresh build', async () => {
      const summary = summaryOf(await serverless(['deploy'], deployEnv));
      if (!summary.startsWith('No changes'))
        throw new RehearsalError(`the second deploy changed the stack: ${summary}`);
      passed(summary);
    });
    await step(`serverless remove --stage ${STAGE}`, async () => {
      passed(summaryOf(await serverless(['remove'], deployEnv)) || 'removed');
      await checkRemoved(aws, deployment);
    });
  } finally {
    clients?.destroy();
    await moto?.stop();
  }
}

async function cleanUp(): Promise<void> {
  await stopAllProcesses();
  rmSync(workDir, { recursive: true, force: true });
}

process.once('exit', killAllProcessesNow);
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the rehearsal started`);
    void cleanUp().finally(() => process.exit(code));
  });
}

try {
  await rehearse();
  await cleanUp();
  console.log(`\nrehearsal passed: ${stepCount} steps in ${seconds(startedAt)}`);
} catch (error) {
  await cleanUp();
  const message = error instanceof RehearsalError ? error.message : ((error as Error).stack ?? String(error));
  console.error(`\n✗ rehearsal FAILED at "${currentStep}" after ${seconds(startedAt)}:\n${message}`);
  process.exitCode = 1;
}
