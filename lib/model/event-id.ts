import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from '../json';

/**
 * The dedupe identity of an event's content (README, "What counts as the same event"). Callers strip delivery metadata first,
 * so a vendor retry hashes equal and a new segment or slice does not. 128 bits of SHA-256 keep
 * the sort key short while making an accidental collision practically impossible.
 */
export function deriveEventId(content: JsonValue): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}

/**
 * Gives `facts` an `eventId` computed on first read, from `content()`. Ingest only verifies and
 * classifies, so it never pays for the hash; process reads it and gets the same value as before.
 * `eventId` is an own, enumerable accessor whose getter is one shared function (a per-object closure
 * getter measured twice the CPU of the eager hash: V8 kept every parsed body alive into old space),
 * so the type tells the truth: a spread copy or `JSON.stringify` carries `eventId` too.
 */
export function withEventId<T extends object>(facts: T, content: () => JsonValue): T & { readonly eventId: string } {
  return new LazilyIdentifiedEvent(facts, content) as unknown as T & { readonly eventId: string };
}

class LazilyIdentifiedEvent {
  static readonly #eventIdProperty: PropertyDescriptor = {
    enumerable: true,
    get(this: LazilyIdentifiedEvent): string {
      return this.#identify();
    },
  };
  readonly #content: () => JsonValue;
  #eventId: string | undefined;

  constructor(facts: object, content: () => JsonValue) {
    Object.assign(this, facts);
    this.#content = content;
    Object.defineProperty(this, 'eventId', LazilyIdentifiedEvent.#eventIdProperty);
  }

  #identify(): string {
    this.#eventId ??= deriveEventId(this.#content());
    return this.#eventId;
  }
}
