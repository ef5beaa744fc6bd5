import type { Endpoint } from '../../lib/platforms';
import type { SignOptions as ProviderSignOptions, SigningKey } from '../../lib/providers/provider';
import { providerFor } from '../../lib/providers/registry';

/** A callback as sent on the wire: what a capture file holds and what replay posts. */
export interface OutgoingCallback {
  readonly endpoint: Endpoint;
  /** URL query without the leading `?`. */
  readonly query: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent; a Buffer when it is not text. */
  readonly body: string | Buffer;
}

export interface SignOptions extends Omit<ProviderSignOptions, 'key'> {
  /** The key to sign with (a secret, or a secret with its key id); undefined sends the request unsigned. */
  key: string | SigningKey | undefined;
}

/**
 * Signs a callback exactly as its vendor would (PROTOCOLS.md), replacing any signature it carried,
 * through its provider's own `sign`. Replay uses it to re-sign captures with fresh timestamps; the
 * tests and the sample builder use it so they cannot drift from what ingest verifies.
 */
export function signCallback(callback: OutgoingCallback, options: SignOptions): OutgoingCallback {
  const provider = providerFor(callback.endpoint);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(callback.headers)) {
    const lower = name.toLowerCase();
    if (!provider.signatureHeaders.includes(lower)) headers[lower] = value;
  }
  const query = new URLSearchParams(callback.query);
  for (const name of provider.signatureQuery) query.delete(name);
  const key = typeof options.key === 'string' ? { secret: options.key } : options.key;
  provider.sign({ headers, query, body: callback.body }, { ...options, key });
  return { ...callback, query: query.toString(), headers };
}
