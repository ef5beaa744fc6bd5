// Serverless plugin: removes the framework's default Lambda role when nothing references it.
//
// serverless-iam-roles-per-function gives every function its own role, but it copies the default
// `IamRoleLambdaExecution` as their template, so osls still deploys that role, unused, with the
// log permissions of every function (functionalone/serverless-iam-roles-per-function#6 and #7: no
// option to skip it). This runs after `resources` are merged into the template, so a resource of
// ours that references the role keeps it.
const DEFAULT_ROLE = 'IamRoleLambdaExecution';

/** A Ref, a GetAtt (either form), a DependsOn or a Sub naming the role, anywhere in `value`. */
function mentionsDefaultRole(value) {
  const text = JSON.stringify(value ?? {});
  return [`"${DEFAULT_ROLE}"`, `"${DEFAULT_ROLE}.`, `\${${DEFAULT_ROLE}`].some((form) => text.includes(form));
}

class DropUnusedDefaultRole {
  constructor(serverless) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        if (!template.Resources[DEFAULT_ROLE]) return;
        const others = { ...template.Resources };
        delete others[DEFAULT_ROLE];
        if (mentionsDefaultRole(others) || mentionsDefaultRole(template.Outputs)) return;
        delete template.Resources[DEFAULT_ROLE];
      },
    };
  }
}

module.exports = DropUnusedDefaultRole;
