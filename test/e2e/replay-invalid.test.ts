import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/child-processes';

describe('npm run replay with broken captures', () => {
  it('counts invalid JSON and an unknown endpoint as invalid, sends nothing for them, and exits 1', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'replay-'));
    writeFileSync(join(folder, 'broken.json'), '{"endpoint": "tencent-gme", "body": ');
    writeFileSync(join(folder, 'zoom.json'), JSON.stringify({ endpoint: 'zoom', body: '{}' }));
    writeFileSync(join(folder, 'sqs.json'), JSON.stringify({ Records: [] }));
    // Nothing listens there: the invalid files must not even be tried.
    const replay = run('npm', ['run', 'replay', '--', folder, '--url', 'http://127.0.0.1:9']);
    expect(await replay.exit).toBe(1);
    expect(replay.output()).toContain(
      'sent 0: 0 accepted, 0 rejected, 0 without answer; 1 file(s) skipped (not callbacks); 2 invalid file(s) not sent',
    );
    expect(replay.output()).toMatch(/broken\.json: not readable JSON/);
    expect(replay.output()).toMatch(/zoom\.json: no known "endpoint"/);
  });
});
