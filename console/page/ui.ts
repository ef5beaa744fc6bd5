import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

export { html };

/** A request's progress: loading, its answer, or the message naming what failed. */
export type Loaded<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string };

/** Runs `load` whenever `key` changes; the latest answer wins. */
export function useLoad<T>(key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (value) => current && setLoaded({ state: 'ok', value }),
      (error: unknown) => current && setLoaded({ state: 'error', message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  return [loaded, () => setRound((n) => n + 1)];
}

export const messageOf = (error: unknown) =>
  error instanceof ApiError ? error.message : `Unexpected error: ${(error as Error)?.message ?? String(error)}`;

export const ErrorMessage = ({ message }: { message: string }) => html`<p class="error" role="alert">${message}</p>`;

export const Loading = ({ what }: { what: string }) => html`<p class="loading" aria-live="polite">Loading ${what}…</p>`;

export const StatusBadge = ({ status }: { status: string }) =>
  html`<span class=${`status status-${status.replace(/[^a-z-]/g, '')}`}>${status}</span>`;

/** A time as `2026-12-04 10:15:02Z`, with the full ISO text on hover. */
export const Time = ({ value }: { value: string | null | undefined }) =>
  value ? html`<time datetime=${value} title=${value}>${value.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : '—';
