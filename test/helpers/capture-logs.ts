import { appendFileSync } from 'node:fs';

/**
 * A vitest setup file: every structured log line (Powertools JSON and EMF) the code under test
 * writes is appended to LOG_CAPTURE_FILE instead of the terminal, so that
 * scripts/check-log-hygiene.ts can read every line of the whole suite after it ran.
 */
const file = process.env.LOG_CAPTURE_FILE;
if (file) {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
      if (text?.startsWith('{"')) {
        appendFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
        const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}

/** For tests that run the product in a child process: its log lines go to the same file. */
export function captureChildLogs(output: string): void {
  if (!file) return;
  const lines = output.split('\n').filter((line) => line.startsWith('{"'));
  if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
}
