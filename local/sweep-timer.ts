/**
 * Runs the sweep every `intervalSeconds`, as the schedule does in AWS (README, "Local stack" and "Lost callbacks"). A run never
 * overlaps the previous one: a tick that finds one in progress is skipped.
 */
export class SweepTimer<R> {
  readonly #intervalMs: number;
  readonly #run: () => Promise<R>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<R> | undefined;

  constructor(options: { intervalSeconds: number; run: () => Promise<R>; onError: (error: unknown) => void }) {
    if (!Number.isFinite(options.intervalSeconds) || options.intervalSeconds <= 0) {
      throw new Error('SWEEP_INTERVAL_SECONDS must be a positive number of seconds');
    }
    this.#intervalMs = options.intervalSeconds * 1000;
    this.#run = options.run;
    this.#onError = options.onError;
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (!this.#running) this.runNow().catch(this.#onError);
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** One run now, or the one already under way. */
  runNow(): Promise<R> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }
}
