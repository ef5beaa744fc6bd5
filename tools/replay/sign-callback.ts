import { lowerCaseHeaders, type WireCallback } from '../../lib/http/callback-request';
import type { SignOptions as ProviderSignOptions, SigningKey } from '../../lib/providers/provider';
import { providerFor } from '../../lib/providers/registry';

export interface SignOptions extends Omit<ProviderSignOptions, 'key'> {
  /** The key to sign with (a secret, or a secret with its key id); undefined sends the request unsigned. */
  key: string | SigningKey | undefined;
}

/**
 * Signs a callback exactly as its vendor would (PROTOCOLS.md), replacing any signature it carried,
 * through its provider's own `sign`. Replay uses it to re-sign captures with fresh timestamps; the
 * tests and the sample builder use it so they cannot drift from what ingest verifies.
 */
export function signCallback(callback: WireCallback, options: SignOptions): WireCallback {
  const provider = providerFor(callback.endpoint);
  const headers = lowerCaseHeaders(callback.headers);
  for (const name of provider.signatureHeaders) delete headers[name];
  const query = new URLSearchParams(callback.query);
  for (const name of provider.signatureQuery) query.delete(name);
  const key = typeof options.key === 'string' ? { secret: options.key } : options.key;
  provider.sign({ headers, query, body: callback.body }, { ...options, key });
  return { ...callback, query: query.toString(), headers };
}
