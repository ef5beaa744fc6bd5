import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../lib/platforms';

// serverless.yml lists one httpApi event per callback endpoint; the framework cannot derive them
// from the registry, so this keeps the two lists equal (test/e2e/template.test.ts checks the package).
describe('serverless.yml callback routes', () => {
  it('are exactly the registry endpoints', () => {
    const template = readFileSync('serverless.yml', 'utf8');
    const routes = [...template.matchAll(/httpApi:\s*"POST \/callbacks\/([^"]+)"/g)].map((match) => match[1]);
    expect([...routes].sort()).toEqual([...ENDPOINTS].sort());
  });
});
