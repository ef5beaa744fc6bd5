import Ajv from 'ajv';
import schema from '../../schemas/recording-event.schema.json' with { type: 'json' };

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

/** Schema errors of a `detail`, and the fields it has that the schema does not name (none are expected). */
export function detailProblems(detail: unknown): string[] {
  const problems = validate(detail)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  const unnamed = Object.keys(detail as object).filter((field) => !(field in schema.properties));
  return [...problems, ...unnamed.map((field) => `/${field} is not in the schema`)];
}
