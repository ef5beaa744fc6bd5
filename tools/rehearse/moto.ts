import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../local/free-port';
import { RehearsalError } from './check';
import { runCommand, stopProcess, track } from './processes';

const MOTO_SERVER = fileURLToPath(new URL('./moto_server.py', import.meta.url));
const INSTALL_HINT = "pip install 'moto[server]==5.2.1' 'cfn-lint==1.51.0'";
const START_TIMEOUT_MS = 30_000;

export interface RunningMoto {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** cfn-lint and moto come from the machine's Python (README, "Rehearse a deploy"), not from npm. */
export async function checkPythonTools(env: NodeJS.ProcessEnv): Promise<string> {
  const missing = (what: string) =>
    new RehearsalError(`${what} not found: the rehearsal needs Python 3 with moto and cfn-lint (${INSTALL_HINT})`);
  const lint = await runCommand('cfn-lint', ['--version'], { env, timeoutMs: 60_000 }).catch(() => undefined);
  if (lint?.code !== 0) throw missing('cfn-lint');
  const moto = await runCommand('python3', ['-c', 'import moto, moto.server; print(moto.__version__)'], {
    env,
    timeoutMs: 60_000,
  }).catch(() => undefined);
  if (moto?.code !== 0) throw missing('moto');
  return `${lint.output.trim()}, moto ${moto.output.trim()}`;
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(env: NodeJS.ProcessEnv): Promise<RunningMoto> {
  const port = await findFreePort();
  const child = track(
    spawn('python3', [MOTO_SERVER, '-H', '127.0.0.1', '-p', String(port)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new RehearsalError(`moto_server exited with code ${code}:\n${output}`))),
  );
  exited.catch(() => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      const ready = fetch(`${endpoint}/moto-api/`).then(
        (response) => response.ok,
        () => false,
      );
      if (await Promise.race([ready, exited])) break;
      if (Date.now() > deadline) throw new RehearsalError(`moto_server did not answer on ${endpoint}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { endpoint, pid: child.pid as number, stop: () => stopProcess(child) };
}
