import { inspect } from 'node:util';

/**
 * One or more keys for the same purpose; several during a rotation (README, "The apps document"). The values sit in
 * a private field so that logging or serializing an app config can never print them.
 */
export class SecretSet {
  readonly #values: readonly string[];

  constructor(values: readonly string[]) {
    this.#values = [...values];
  }

  get size(): number {
    return this.#values.length;
  }

  /** Runs `check` against every key, without stopping early, so timing does not reveal which key matched. */
  matchesAny(check: (secret: string) => boolean): boolean {
    let matched = false;
    for (const value of this.#values) matched = check(value) || matched;
    return matched;
  }

  /** The raw keys, for code that must sign with them (replay, tests). Never log the result. */
  reveal(): readonly string[] {
    return this.#values;
  }

  toJSON(): string {
    return `[${this.#values.length} redacted]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}
