import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RehearsalError } from './check';
import type { DeployedFunction } from './check-stack';
import { stopProcess, track } from './processes';

const RUNTIME = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));
const INIT_TIMEOUT_MS = 10_000;

type RuntimeMessage =
  | { type: 'ready' }
  | { type: 'init-error' | 'error'; requestId?: string; errorType: string; errorMessage: string }
  | { type: 'result'; requestId: string; result: unknown };

export interface LambdaProcessOptions {
  readonly fn: DeployedFunction;
  /** The unzipped bundle. */
  readonly taskRoot: string;
  /** What Lambda itself adds: region and the role's credentials (here, the emulator and fake keys). */
  readonly platformEnvironment: Readonly<Record<string, string>>;
  /** Set over the function's own variables: only for a run the deployed values cannot give (the sweep's threshold). */
  readonly overrides?: Readonly<Record<string, string>>;
}

/**
 * A deployed function's bundle in its own Node process, with the environment the stack gave it, so
 * that one function's variables or module state cannot reach another's.
 */
export class LambdaProcess {
  readonly #fn: DeployedFunction;
  readonly #child: ChildProcess;
  #logs = '';

  private constructor(fn: DeployedFunction, child: ChildProcess) {
    this.#fn = fn;
    this.#child = child;
    const collect = (chunk: Buffer) => {
      this.#logs = (this.#logs + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  static async start(options: LambdaProcessOptions): Promise<LambdaProcess> {
    const { fn } = options;
    const env = {
      // What the Lambda runtime sets (docs: "Defined runtime environment variables").
      _HANDLER: fn.handler,
      LAMBDA_TASK_ROOT: options.taskRoot,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'rehearsal',
      TZ: ':UTC',
      ...options.platformEnvironment,
      // The function's own variables, NODE_OPTIONS included, exactly as deployed.
      ...fn.environment,
      ...options.overrides,
    };
    const child = track(
      fork(RUNTIME, [], {
        cwd: options.taskRoot,
        env,
        // Not this process's `--import tsx`: the bundle runs on bare Node.
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        detached: true,
      }),
    );
    const lambda = new LambdaProcess(fn, child);
    const ready = await lambda.#next((message) => message.type === 'ready' || message.type === 'init-error', {
      timeoutMs: INIT_TIMEOUT_MS,
      what: 'init',
    });
    if (ready.type === 'init-error') {
      await lambda.stop();
      throw new RehearsalError(`${fn.name} (${fn.handler}) failed to start: ${ready.errorType}: ${ready.errorMessage}`);
    }
    return lambda;
  }

  /** One invocation, failing like Lambda past the function's timeout. */
  async invoke(event: unknown): Promise<unknown> {
    const requestId = randomUUID();
    const timeoutMs = this.#fn.timeoutSeconds * 1000;
    const answer = this.#next((message) => 'requestId' in message && message.requestId === requestId, {
      timeoutMs,
      what: 'invocation',
    });
    this.#child.send({ requestId, event, timeoutMs, functionArn: this.#fn.functionArn });
    const message = await answer;
    if (message.type === 'result') return message.result;
    const error = message as { errorType: string; errorMessage: string };
    throw new RehearsalError(`${this.#fn.name} failed: ${error.errorType}: ${error.errorMessage}`);
  }

  /** The function's own log lines, for a failure report. */
  get logs(): string {
    return this.#logs;
  }

  stop(): Promise<void> {
    return stopProcess(this.#child);
  }

  #next(
    accept: (message: RuntimeMessage) => boolean,
    options: { timeoutMs: number; what: string },
  ): Promise<RuntimeMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new RehearsalError(`${this.#fn.name}: ${options.what} timed out after ${options.timeoutMs / 1000} s`));
      }, options.timeoutMs);
      const onMessage = (message: RuntimeMessage) => {
        if (!accept(message)) return;
        cleanup();
        resolve(message);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new RehearsalError(`${this.#fn.name} exited (code ${code}) during ${options.what}:\n${this.#logs}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
    });
  }
}
