import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppDirectory } from '../../lib/config/apps';
import { providerFor } from '../../lib/providers/registry';
import { claimedApp, parseCapture } from './capture';
import { signCallback } from './sign-callback';

export interface ReplayOptions {
  /** Base URL of the stack: the local one, or a deployed stage's API URL. */
  url: string;
  /** Keys to re-sign with; undefined sends each capture exactly as saved. */
  apps: AppDirectory | undefined;
  concurrency?: number;
  timeoutMs?: number;
  now?: () => number;
  onProgress?: (summary: ReplaySummary, total: number) => void;
}

export interface ReplaySummary {
  sent: number;
  accepted: number;
  /** Non-2xx answers by HTTP status. */
  rejected: Record<string, number>;
  /** Requests that got no HTTP answer (connection refused, timeout). */
  failed: number;
  /** Files that are not callbacks (SQS events, for `process`). */
  skipped: number;
  /** Files meant as captures that cannot be sent: not readable JSON, no known endpoint, no body. */
  invalid: number;
  /** The first few problems, with the file they came from. */
  problems: string[];
}

const MAX_PROBLEMS = 10;

/** Every `.json` file under the given files and folders, sorted, without reading their content. */
export async function listReplayFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path);
    if (info.isFile()) {
      files.push(path);
      return;
    }
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await visit(child);
      else if (entry.name.endsWith('.json')) files.push(child);
    }
  };
  for (const path of paths) await visit(path);
  return files;
}

/**
 * Posts each capture to `options.url`, re-signed with the configured key and a fresh timestamp,
 * at most `concurrency` at a time. Files are read one by one, so thousands are fine.
 */
export async function replayFiles(files: readonly string[], options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = {
    sent: 0,
    accepted: 0,
    rejected: {},
    failed: 0,
    skipped: 0,
    invalid: 0,
    problems: [],
  };
  const note = (file: string, problem: string) => {
    if (summary.problems.length < MAX_PROBLEMS) summary.problems.push(`${file}: ${problem}`);
  };
  const now = options.now ?? Date.now;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++] as string;
      await replayOne(file, options, now(), summary, note);
      options.onProgress?.(summary, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return summary;
}

async function replayOne(
  file: string,
  options: ReplayOptions,
  now: number,
  summary: ReplaySummary,
  note: (file: string, problem: string) => void,
): Promise<void> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // The parser's message would quote the file, which may hold a signature or secret.
    summary.invalid += 1;
    note(file, 'not readable JSON');
    return;
  }
  const parsed = parseCapture(document);
  if (parsed.kind === 'other') {
    summary.skipped += 1;
    return;
  }
  if (parsed.kind === 'invalid') {
    summary.invalid += 1;
    note(file, parsed.reason);
    return;
  }
  let callback = parsed.callback;
  if (options.apps) {
    const app = claimedApp(callback, options.apps);
    if (app) {
      const [key] = providerFor(callback.endpoint).signingKeys(app);
      callback = signCallback(callback, { appId: app.appId, key, now });
    } else {
      note(file, 'the app it names is not in the apps file: sent as captured');
    }
  }
  const target = `${options.url.replace(/\/$/, '')}/callbacks/${callback.endpoint}${callback.query ? `?${callback.query}` : ''}`;
  summary.sent += 1;
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...callback.headers },
      body: callback.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    if (response.ok) {
      summary.accepted += 1;
    } else {
      summary.rejected[response.status] = (summary.rejected[response.status] ?? 0) + 1;
      note(file, `HTTP ${response.status} ${text.slice(0, 200)}`);
    }
  } catch (error) {
    summary.failed += 1;
    const cause = (error as Error & { cause?: Error }).cause;
    note(file, `no answer from ${target}: ${cause?.message ?? (error as Error).message}`);
  }
}
