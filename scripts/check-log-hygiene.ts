/**
 * After `vitest run`: reads every log line the suite produced (LOG_CAPTURE_FILE) and fails if any
 * holds a configured secret, something shaped like a signature, or a raw callback body.
 */
import { existsSync, readFileSync } from 'node:fs';
import { TEST_SECRETS } from '../fixtures/test-secrets';
import { readAppsFile } from '../lib/config/load-apps';
import { ENDPOINTS, platformOf } from '../lib/platforms';
import { providerFor, VENDORS } from '../lib/providers/registry';

const file = process.env.LOG_CAPTURE_FILE ?? 'reliability/test-logs.jsonl';
/** Fewer lines than this means logging was off and the check would prove nothing. */
const MIN_LINES = 500;

const RULES: { name: string; test: (line: string) => boolean }[] = [];

async function main(): Promise<void> {
  if (!existsSync(file)) throw new Error(`${file} not found: run the suite first (npm test)`);
  const apps = await readAppsFile('config/apps.local.json');
  const secrets = new Set<string>(TEST_SECRETS);
  for (const app of apps.list()) {
    for (const endpoint of ENDPOINTS)
      if (platformOf(endpoint) === app.platform)
        for (const key of providerFor(endpoint).signingKeys(app)) secrets.add(key.secret);
  }
  // Keys only a raw body holds, declared by each vendor's module.
  const bodyKey = new RegExp(`\\\\?"(${VENDORS.flatMap((vendor) => vendor.bodyKeys).join('|')})\\\\?"\\s*:`);
  RULES.push(
    { name: 'a configured secret', test: (line) => [...secrets].some((secret) => line.includes(secret)) },
    // SHA-1/SHA-256 hex digests and base64 HMACs; event ids are 32 hex characters and stay allowed.
    { name: 'a hex digest (signature-shaped)', test: (line) => /[0-9a-fA-F]{40,}/.test(line) },
    { name: 'a base64 digest (signature-shaped)', test: (line) => /[A-Za-z0-9+/]{27}=|[A-Za-z0-9+/]{43}=/.test(line) },
    {
      name: 'a raw callback body',
      test: (line) => bodyKey.test(line),
    },
  );
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const violations: string[] = [];
  lines.forEach((line, index) => {
    for (const rule of RULES) if (rule.test(line)) violations.push(`${file}:${index + 1} contains ${rule.name}`);
  });
  console.log(
    `log hygiene: scanned ${lines.length} log lines from the whole suite against ${secrets.size} secrets and ${RULES.length} rules: ${violations.length} violations`,
  );
  if (lines.length < MIN_LINES)
    throw new Error(`only ${lines.length} log lines captured; expected at least ${MIN_LINES}`);
  if (violations.length > 0) {
    for (const violation of violations.slice(0, 20)) console.error(violation);
    process.exit(1);
  }
}

main().catch((error: Error) => {
  console.error(`log hygiene check failed: ${error.message}`);
  process.exit(1);
});
