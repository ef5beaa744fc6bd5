import { createHash } from 'node:crypto';
import { BadQueryError } from '../errors';

/** A cursor that was altered, or that belongs to another recording or listing: the caller's mistake (400). */
export class InvalidCursorError extends BadQueryError {
  constructor() {
    super('cursor is invalid: it was altered, or it belongs to another recording or listing');
  }
}

const TAG_LENGTH = 16;

const tagOf = (scope: string, position: string): string =>
  createHash('sha256').update(`${scope}\n${position}`).digest('base64url').slice(0, TAG_LENGTH);

/**
 * An opaque paging cursor: the position to continue after, bound to the scope it was issued for
 * (one recording's files, one recording's events, one app's listing) by a digest of both. The
 * digest is not a secret MAC: it catches a cursor that was edited or reused on another scope, and a
 * caller who forges one can only page data the route already lets it read.
 */
export function encodeCursor(scope: string, position: string): string {
  return `${Buffer.from(position, 'utf8').toString('base64url')}.${tagOf(scope, position)}`;
}

/** The position a cursor stands for; throws `InvalidCursorError` unless it was issued for `scope`. */
export function decodeCursor(scope: string, cursor: string): string {
  const dot = cursor.lastIndexOf('.');
  if (dot <= 0 || !/^[A-Za-z0-9_-]+$/.test(cursor.slice(0, dot))) throw new InvalidCursorError();
  const position = Buffer.from(cursor.slice(0, dot), 'base64url').toString('utf8');
  if (cursor.slice(dot + 1) !== tagOf(scope, position)) throw new InvalidCursorError();
  return position;
}
