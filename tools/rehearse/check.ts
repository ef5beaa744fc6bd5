import { isDeepStrictEqual } from 'node:util';

/** A rehearsal check that failed: the message says what was expected and what was found. */
export class RehearsalError extends Error {
  override readonly name = 'RehearsalError';
}

export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new RehearsalError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export function expectTrue(what: string, condition: boolean, found: unknown): void {
  if (!condition) throw new RehearsalError(`${what}: found ${JSON.stringify(found)}`);
}

/** One line per passed check, under its step. */
export function passed(line: string): void {
  console.log(`  ✓ ${line}`);
}
