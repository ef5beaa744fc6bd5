import { parseJsonObject, readIdentifier } from '../json';

/** A body field as an identifier, or undefined when the body is not a JSON object: for tools reading captures. */
export function bodyIdentifier(body: string | Buffer, field: string): string | undefined {
  try {
    return readIdentifier(parseJsonObject(body), field);
  } catch {
    return undefined;
  }
}
