import { type ChildProcess, spawn } from 'node:child_process';
import { captureChildLogs } from './capture-logs';

/** A child process of an e2e test (`npm start`, `npm run replay`), with its output kept for assertions and the log check. */
export interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      captureChildLogs(output);
      resolve(code);
    }),
  );
  return { child, output: () => output, exit };
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt().catch(() => undefined);
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
