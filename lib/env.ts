/** Where settings are read from: `process.env` in a Lambda, or what a caller passes (tests, providers). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a required environment variable, failing at cold start with its name. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
}

export interface NumberFromEnvOptions {
  readonly key: string;
  /** Used when the variable is unset or empty: a named constant, never a literal at the call site. */
  readonly defaultValue: number;
  /** 0 is allowed (a tolerance of 0 turns its check off); otherwise the value must be positive. */
  readonly allowZero?: boolean;
  readonly env?: Env;
}

/**
 * The one reader of numeric settings (as Powertools' `getNumberFromEnv`): validated once, at cold
 * start, with an error that names the variable.
 */
export function getNumberFromEnv({
  key,
  defaultValue,
  allowZero = false,
  env = process.env,
}: NumberFromEnvOptions): number {
  const text = env[key];
  if (text === undefined || text === '') return defaultValue;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new Error(`Environment variable ${key} must be a number ${allowZero ? '≥ 0' : '> 0'}, got "${text}"`);
  }
  return value;
}
