import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devKeyFor } from '../../fixtures/dev-apps';
import { DEV_APPS, type Sample, trtcBody } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { findFreePort } from '../../local/free-port';
import { run, type Started, waitFor } from '../helpers/child-processes';

/** `npm start -- --persist`: what was applied is still there after a restart. */
describe('npm start -- --persist', () => {
  it('starts, and keeps the table across a restart', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'persist-')), 'dynamodb');
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const start = async (): Promise<Started> => {
      // Relative, as the default `.local/dynamodb` is: DynamoDB Local runs in another working directory.
      const stack = run('npm', ['start', '--', '--persist'], {
        PORT: String(port),
        LOCAL_DATA_DIR: relative(process.cwd(), dataDir),
      });
      await waitFor(
        `GET /health on ${url}: ${stack.output().slice(-400)}`,
        async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined),
        90_000,
      );
      return stack;
    };
    const stop = async (stack: Started) => {
      stack.child.kill('SIGTERM');
      expect(await stack.exit).toBe(0);
    };

    const taskId = `persist-${Date.now()}`;
    const sample: Sample = {
      name: 'persist',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(301, { taskId }),
    };
    const request = signTestRequest(sample, { key: await devKeyFor(sample) });
    const state = `${url}/recordings/trtc/${DEV_APPS.trtc}/${taskId}`;

    const first = await start();
    expect(first.output()).toContain(`persisted in ${dataDir}`);
    expect(first.output()).toContain('npm run rebuild-views -- --table');
    const answer = await fetch(`${url}/callbacks/tencent-trtc?${request.rawQueryString}`, {
      method: 'POST',
      headers: request.headers as Record<string, string>,
      body: request.body,
    });
    expect(answer.status).toBe(200);
    await waitFor(
      'the recording to be readable',
      async () => ((await fetch(state)).status === 200 ? true : undefined),
      30_000,
    );
    await stop(first);

    const second = await start();
    try {
      const again = await fetch(state);
      expect(again.status).toBe(200);
      expect(((await again.json()) as { status: string }).status).toBe('recording');
    } finally {
      await stop(second);
    }
  });
});
