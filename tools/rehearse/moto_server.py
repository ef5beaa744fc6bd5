"""moto_server for `npm run rehearse` (tools/rehearse/moto.ts), with five fixes to moto 5.2.

Arguments are moto_server's own (`-H 127.0.0.1 -p PORT`).

1. moto's ValidateTemplate fails on any cfn-lint match, warnings included; real CloudFormation does
   not run cfn-lint at all. The rehearsal has already run cfn-lint with .cfnlintrc.yaml, so here
   only errors fail, and the accepted warnings stay listed in one place.
2. moto drops `Architectures` when CloudFormation creates a function, so every function reports
   x86_64; copy it as CloudFormation does, so the rehearsal can check arm64.
3. moto stores a role's inline policy from CloudFormation as a Python repr (single quotes), which
   GetRolePolicy then returns; store it as the JSON document IAM returns.
4. With a stream event source mapping on a table, moto hands each new stream record to the Lambda
   (which it cannot run without Docker) and then empties the stream, enabled mapping or not; on
   AWS the stream keeps its records for 24 h whatever reads it. Keep them, so the rehearsal can
   read the stream and drive the deployed project bundle itself.
5. An event bus created by CloudFormation has no physical id in DescribeStackResources (moto's
   EventBus lacks one); CloudFormation's is the bus name, which `Ref` also returns.
"""

import json
import sys

import moto.awslambda.models as awslambda
import moto.cloudformation.models as cloudformation
import moto.dynamodb.models.table as dynamodb_table
import moto.events.models as events
import moto.iam.models as iam
from moto.server import main

lint = cloudformation.validate_template_cfn_lint
cloudformation.validate_template_cfn_lint = lambda template: [
    match for match in lint(template) if match.rule.id.startswith("E")
]

create_function = awslambda.LambdaFunction.create_from_cloudformation_json.__func__


def create_function_with_architectures(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    function = create_function(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    architectures = cloudformation_json["Properties"].get("Architectures")
    if architectures:
        function.architectures = architectures
    return function


awslambda.LambdaFunction.create_from_cloudformation_json = classmethod(create_function_with_architectures)

put_role_policy = iam.Role.put_policy


def put_role_policy_as_json(self, policy_name, policy_json):
    put_role_policy(self, policy_name, policy_json if isinstance(policy_json, str) else json.dumps(policy_json))


iam.Role.put_policy = put_role_policy_as_json

add_stream_record = dynamodb_table.StreamShard.add


def add_stream_record_and_keep_it(self, old, new):
    mappings = self.table.lambda_event_source_mappings
    self.table.lambda_event_source_mappings = {}
    try:
        add_stream_record(self, old, new)
    finally:
        self.table.lambda_event_source_mappings = mappings


dynamodb_table.StreamShard.add = add_stream_record_and_keep_it

events.EventBus.physical_resource_id = property(lambda bus: bus.name)

main(sys.argv[1:])
