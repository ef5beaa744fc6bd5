import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/child-processes';

describe('npm run events, as the README has a newcomer run it', () => {
  it('writes freshly signed copies to .local/events and leaves the committed events/ untouched', async () => {
    const events = run('npm', ['run', 'events']);
    expect(await events.exit).toBe(0);
    expect(events.output()).toMatch(
      /wrote 34 event file\(s\) to \.local\/events\/ \(the committed events\/ are unchanged\)/,
    );
    expect(readdirSync('.local/events').filter((name) => name.endsWith('.json')).length).toBeGreaterThanOrEqual(34);
    expect(execFileSync('git', ['status', '--porcelain', '--', 'events'], { encoding: 'utf8' })).toBe('');
  });
});
