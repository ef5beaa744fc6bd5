import { AwsClient } from 'aws4fetch';
import {
  ALARM_NOTIFICATION_CASES,
  ALARM_TOPIC_RESOURCES,
  ALARMS,
  NO_ALARM_ACTIONS_WARNING,
} from '../../fixtures/expected-stack';
import { evaluateConditions, resolveTemplateValue } from '../../fixtures/template-conditions';
import { REHEARSAL_CREDENTIALS, REHEARSAL_REGION } from './aws';
import { expectEqual, expectTrue, passed, RehearsalError } from './check';
import type { Stack, Template } from './check-stack';

export type AlarmCase = (typeof ALARM_NOTIFICATION_CASES)[number];
export { ALARM_NOTIFICATION_CASES };

/** The `--param` arguments of a case, for serverless. */
export const alarmParams = (alarmCase: AlarmCase): string[] =>
  Object.entries(alarmCase.stageParameters).map(([name, value]) => `--param=${name}=${value}`);

const alarmsOf = (template: Template) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');

/**
 * Every alarm's AlarmActions and OKActions resolved for the given parameter values, each expected to be
 * `expected` (undefined: the property is dropped, AWS::NoValue).
 */
function checkResolvedActions(
  what: string,
  template: Template,
  parameters: Readonly<Record<string, string>>,
  topic: string,
  expected: readonly string[] | undefined,
): void {
  const alarms = alarmsOf(template);
  expectEqual(`alarms (${what})`, alarms.map(([name]) => name).sort(), Object.keys(ALARMS).sort());
  const conditions = evaluateConditions(template.Conditions ?? {}, parameters);
  const ref = (name: string) => {
    if (name === 'AlarmTopic') return topic;
    if (name in parameters) return parameters[name];
    throw new RehearsalError(`an alarm action refers to ${name}`);
  };
  for (const [name, alarm] of alarms) {
    for (const property of ['AlarmActions', 'OKActions'] as const) {
      expectEqual(
        `${name} ${property} (${what})`,
        resolveTemplateValue(alarm.Properties?.[property], conditions, ref),
        expected,
      );
    }
  }
  for (const name of ALARM_TOPIC_RESOURCES) {
    expectEqual(`${name} condition (${what})`, template.Resources[name]?.Condition, 'CreateAlarmTopic');
  }
}

/**
 * A template `serverless package --param …` wrote for one case: the stage parameters are the template
 * parameters' defaults, so resolving the conditions with them is what CloudFormation does at deploy.
 * With neither parameter, the package printed the warning; with either, it did not.
 */
export function checkPackagedAlarmActions(alarmCase: AlarmCase, template: Template, output: string): void {
  const defaults = Object.fromEntries(
    Object.entries(template.Parameters ?? {}).map(([name, parameter]) => [name, parameter.Default ?? '']),
  );
  expectEqual(
    `AlarmEmail/AlarmTopicArn defaults (${alarmCase.name})`,
    { AlarmEmail: defaults.AlarmEmail, AlarmTopicArn: defaults.AlarmTopicArn },
    alarmCase.parameters,
  );
  checkResolvedActions(`packaged, ${alarmCase.name}`, template, defaults, 'topic', alarmCase.actions);
  const warning = NO_ALARM_ACTIONS_WARNING.exec(output)?.[0];
  expectEqual(
    `the "notify nobody" warning (${alarmCase.name})`,
    warning !== undefined,
    alarmCase.actions === undefined,
  );
  const count = alarmsOf(template).length;
  const params = alarmParams(alarmCase).join(' ') || 'no alarm parameter';
  passed(
    alarmCase.actions === undefined
      ? `package with ${params}: the ${count} alarms have no AlarmActions/OKActions, no topic; it warned "${warning}…"`
      : `package with ${params}: all ${count} alarms' AlarmActions and OKActions resolve to ` +
          `${alarmCase.actions[0] === 'topic' ? 'the created AlarmTopic' : alarmCase.actions.join(', ')}` +
          `${alarmCase.createsTopic ? ' (topic, policy and email subscription created)' : ', no topic created'}; no warning`,
  );
}

/** One SNS query-API call to the emulator (the rehearsal ships no SNS client; moto checks no signature). */
async function sns(endpoint: string, parameters: Record<string, string>): Promise<string> {
  const client = new AwsClient({ ...REHEARSAL_CREDENTIALS, region: REHEARSAL_REGION, service: 'sns' });
  const response = await client.fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...parameters, Version: '2010-03-31' }).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new RehearsalError(`SNS ${parameters.Action}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return text;
}

/**
 * The deployed stack's alarm notifications, for the case it was deployed with: the template's
 * conditions evaluated with the stack's parameter values, each alarm's actions resolved with the
 * stack's physical ids. moto creates the topic (checked through SNS), but has no CloudFormation
 * support for alarms, topic policies or subscriptions: those are read from the deployed template.
 */
export async function checkDeployedAlarmActions(alarmCase: AlarmCase, stack: Stack, endpoint: string): Promise<void> {
  expectEqual(
    'stack parameters AlarmEmail/AlarmTopicArn',
    { AlarmEmail: stack.parameters.AlarmEmail, AlarmTopicArn: stack.parameters.AlarmTopicArn },
    alarmCase.parameters,
  );
  const topicArn = alarmCase.createsTopic ? stack.physical('AlarmTopic') : '';
  const expected = alarmCase.actions?.map((action) => (action === 'topic' ? topicArn : action));
  checkResolvedActions('deployed', stack.template, stack.parameters, topicArn, expected);
  if (!alarmCase.createsTopic) {
    passed(`alarms (deployed template, ${alarmCase.name}): AlarmActions and OKActions ${JSON.stringify(expected)}`);
    return;
  }
  const attributes = await sns(endpoint, { Action: 'GetTopicAttributes', TopicArn: topicArn });
  expectTrue('the alarm topic in SNS', attributes.includes(topicArn), attributes.slice(0, 300));
  const conditions = evaluateConditions(stack.template.Conditions ?? {}, stack.parameters);
  const subscription = resolveTemplateValue(
    stack.template.Resources.AlarmEmailSubscription?.Properties,
    conditions,
    (name) => (name === 'AlarmTopic' ? topicArn : stack.parameters[name]),
  );
  expectEqual(
    'AlarmEmailSubscription (deployed template)',
    { condition: conditions.CreateAlarmTopic, subscription },
    {
      condition: true,
      subscription: { TopicArn: topicArn, Protocol: 'email', Endpoint: alarmCase.parameters.AlarmEmail },
    },
  );
  passed(
    `alarms (deployed with --param alarmEmail): topic ${topicArn.split(':').pop()} created (SNS GetTopicAttributes), ` +
      `the address subscribed by email (deployed template: moto has no AWS::SNS::Subscription), ` +
      `every alarm's AlarmActions and OKActions = [that topic]`,
  );
}
