// Serverless plugin: routes every CloudWatch alarm of the stack to a person (README, "Alarms").
//
// Every `AWS::CloudWatch::Alarm` in the final template, ours and any added later, gets `AlarmActions` and
// `OKActions` naming the alarm topic: the one the stack creates for `alarmEmail`, or `alarmTopicArn`. The
// actions are CloudFormation conditions on those two stage parameters, so the template is the same for every
// stage. With neither set, the alarms keep no action and the package or deploy prints a warning saying so.
// It runs after `resources` are merged into the template, so the alarms of serverless.yml are there.
//
// The existing topic sits in its own Fn::If on UseAlarmTopicArn (not in one list under "either is set"): so
// every branch that names AlarmTopicArn is one where it is not empty, and cfn-lint (W1030, an empty ARN)
// can see it.
function alarmActions() {
  return {
    'Fn::If': [
      'CreateAlarmTopic',
      [{ Ref: 'AlarmTopic' }],
      { 'Fn::If': ['UseAlarmTopicArn', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] },
    ],
  };
}

class AlarmNotifications {
  constructor(serverless, _options, utils) {
    const warn = (message) => (utils?.log?.warning ? utils.log.warning(message) : console.warn(`Warning: ${message}`));
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        const alarms = Object.entries(template.Resources).filter(
          ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm',
        );
        for (const [, alarm] of alarms) {
          alarm.Properties.AlarmActions = alarmActions();
          alarm.Properties.OKActions = alarmActions();
        }
        const { email, topicArn } = serverless.service.custom.alarmNotifications ?? {};
        if (!email && !topicArn) {
          warn(
            `The ${alarms.length} alarms of this stack notify nobody: set the stage parameter alarmEmail (a topic is created and the address subscribed) or alarmTopicArn (an existing SNS topic).`,
          );
        }
      },
    };
  }
}

module.exports = AlarmNotifications;
