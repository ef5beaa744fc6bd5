import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGORA_DEV_APP } from '../../fixtures/agora-samples';
import { devKeyFor } from '../../fixtures/dev-apps';
import { LIVEKIT_DEV_APP } from '../../fixtures/livekit-samples';
import { DEV_APPS, SEED_GME_TASK_ID, SEED_SPARKRTC_JOB_ID, SEED_TRTC_TASK_ID, trtcBody } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { findFreePort } from '../../local/free-port';
import { isAlive, run, type Started, waitFor } from '../helpers/child-processes';
import { startEventReceiver } from '../helpers/event-receiver';
import { detailProblems } from '../helpers/recording-event-schema';

describe('npm start: the whole pipeline as a user runs it', () => {
  let stack: Started;
  let url: string;
  let startupMs: number;
  let receiver: Awaited<ReturnType<typeof startEventReceiver>>;

  beforeAll(async () => {
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}`;
    receiver = await startEventReceiver();
    const started = Date.now();
    // As a user runs it: without the suite's POWERTOOLS_METRICS_DISABLED=false.
    stack = run('npm', ['start'], {
      PORT: String(port),
      RECORDING_EVENTS_URL: receiver.url,
      POWERTOOLS_METRICS_DISABLED: undefined,
    });
    await waitFor(
      'GET /health to answer 200',
      async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined),
      90_000,
    );
    startupMs = Date.now() - started;
    console.log(`npm start → /health 200 in ${startupMs} ms`);
  });

  afterAll(async () => {
    if (stack.child.exitCode === null) stack.child.kill('SIGKILL');
    await receiver.stop();
  });

  const getJson = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('prints a banner with the URLs, the apps file and the emulator ports', () => {
    expect(stack.output()).toContain(`callbacks    POST ${url}/callbacks/`);
    expect(stack.output()).toMatch(/apps file {4}\S+config\/apps\.local\.json \(7 apps\)/);
    expect(stack.output()).toMatch(/DynamoDB {5}http:\/\/127\.0\.0\.1:\d+ \(DynamoDB Local, in memory, pid \d+\)/);
    expect(stack.output()).toMatch(/SQS {10}http:\/\/127\.0\.0\.1:\d+ \(fauxqs/);
    expect(stack.output()).toContain(
      `events       Recording Status Changed, Recording Stale: logged and POSTed to ${receiver.url} as EventBridge target envelopes`,
    );
    expect(stack.output()).toContain('sweep        every 60 s: recordings quiet for 6 h (STALE_AFTER_HOURS) are stale');
  });

  it('prints the rebuild-views command, and no metric lines (README: metrics are off locally)', async () => {
    expect(stack.output()).toContain('npm run rebuild-views -- --table');
    const replay = run('npm', ['run', 'replay', '--', 'events/', '--url', url]);
    expect(await replay.exit).toBe(0);
    // EMF lines carry an "_aws" member; handlers imported before start.ts's body ran used to print them.
    await waitFor(
      'the replayed events to be processed',
      async () => (stack.output().includes('event applied') ? true : undefined),
      30_000,
    );
    expect(stack.output()).not.toContain('"_aws"');
  });

  it('answers oversize headers and a repeated query parameter with a 400 in the vendor shape', async () => {
    const big = await fetch(`${url}/callbacks/tencent-im?SdkAppid=${DEV_APPS.trtc}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-padding': 'p'.repeat(20_000) },
      body: '{}',
    });
    expect(big.status).toBe(400);
    expect(await big.json()).toEqual({ ActionStatus: 'FAIL', ErrorCode: 400, ErrorInfo: 'headers exceed 16384 bytes' });
    const repeated = await fetch(`${url}/callbacks/tencent-trtc?SdkAppid=1&SdkAppid=2`, { method: 'POST', body: '{}' });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toEqual({ code: 400, message: 'query parameter SdkAppid is repeated' });
    const query = await fetch(`${url}/recordings/trtc/${DEV_APPS.trtc}?limit=1&limit=2`);
    expect(query.status).toBe(400);
    expect(await query.json()).toEqual({ message: 'query parameter limit is repeated' });
  });

  it('replays the sample events and converges to the contract outcomes', async () => {
    const replay = run('npm', ['run', 'replay', '--', 'events/', '--url', url]);
    expect(await replay.exit).toBe(0);
    expect(replay.output()).toMatch(/sent 21: 21 accepted, 0 rejected, 0 without answer; 13 file\(s\) skipped/);

    const converged = async (path: string, check: (body: Record<string, unknown>) => boolean) =>
      waitFor(
        `${path} to converge`,
        async () => {
          const { status, body } = await getJson(path);
          return status === 200 && check(body) ? body : undefined;
        },
        20_000,
      );
    await converged(
      `/recordings/trtc/${DEV_APPS.trtc}/${encodeURIComponent(SEED_TRTC_TASK_ID)}`,
      (body) => body.status === 'completed',
    );
    await converged(
      `/recordings/trtc/${DEV_APPS.trtc}/trtc-sample-task-0001`,
      (body) => body.status === 'completed' && body.eventCount === 5,
    );
    const gme = await converged(
      `/recordings/gme/${DEV_APPS.gme}/${SEED_GME_TASK_ID}`,
      (body) => body.status === 'recording',
    );
    expect(gme.taskId).toBe(SEED_GME_TASK_ID);
    const spark = await converged(
      `/recordings/sparkrtc/${DEV_APPS.sparkrtc}/${SEED_SPARKRTC_JOB_ID}`,
      (body) => body.eventCount === 1,
    );
    expect((spark.files as unknown[]).length).toBe(1);
    await converged(
      `/recordings/agora/${AGORA_DEV_APP}/38f8e3cfdc474cd56fc1ceba380d7e1b`,
      (body) => body.status === 'completed' && body.eventCount === 4,
    );
    await converged(
      `/recordings/livekit/${LIVEKIT_DEV_APP}/EG_sampleEgress01`,
      (body) => body.status === 'completed' && body.eventCount === 4,
    );
    // The vector and its post-comma-spaced twin are one event (PROTOCOLS.md §7).
    await converged(
      `/recordings/livekit/${LIVEKIT_DEV_APP}/EG_k3XqYV9z8pTw`,
      (body) => body.status === 'completed' && body.eventCount === 1 && body.fileCount === 1,
    );
    const room = await converged(`/rooms/trtc/${DEV_APPS.trtc}/rid-123`, (body) => body.roomInfo !== null);
    expect(room.operator).toBe('bob');

    // Each recording's status was published: logged on one line, and POSTed to RECORDING_EVENTS_URL.
    const completed = await waitFor(
      "the lifecycle task's completed event",
      async () =>
        receiver.received.find(
          ({ envelope }) =>
            envelope.detail.taskId === 'trtc-sample-task-0001' && envelope.detail.status === 'completed',
        ),
      20_000,
    );
    expect(completed.envelope).toMatchObject({
      source: 'rtc-recording-callbacks',
      'detail-type': 'Recording Status Changed',
    });
    expect(detailProblems(completed.envelope.detail)).toEqual([]);
    expect(stack.output()).toMatch(/"message":"recording event published".*"taskId":"trtc-sample-task-0001"/);

    // Replaying the same files again is all duplicates: nothing changes.
    expect(await run('npm', ['run', 'replay', '--', 'events/', '--url', url]).exit).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await getJson(`/recordings/trtc/${DEV_APPS.trtc}/trtc-sample-task-0001`)).body.eventCount).toBe(5);
  });

  it('answers a forged callback 401 in the vendor shape, and serves a new event within seconds', async () => {
    const taskId = `e2e-${Date.now()}`;
    const sample = {
      name: 'e2e',
      endpoint: 'tencent-trtc' as const,
      appId: DEV_APPS.trtc,
      body: trtcBody(301, { taskId }),
    };
    const forged = signTestRequest(sample, { key: 'not-the-key' });
    const rejected = await fetch(`${url}/callbacks/tencent-trtc`, {
      method: 'POST',
      headers: forged.headers as Record<string, string>,
      body: forged.body,
    });
    expect(rejected.status).toBe(401);
    expect(await rejected.json()).toEqual({ code: 401, message: 'signature does not match' });

    const request = signTestRequest(sample, { key: await devKeyFor(sample) });
    const posted = Date.now();
    const accepted = await fetch(`${url}/callbacks/tencent-trtc`, {
      method: 'POST',
      headers: request.headers as Record<string, string>,
      body: request.body,
    });
    expect(accepted.status).toBe(200);
    await waitFor(
      'the new recording',
      async () => ((await getJson(`/recordings/trtc/${DEV_APPS.trtc}/${taskId}`)).status === 200 ? true : undefined),
      10_000,
    );
    console.log(`POST → state visible through GET in ${Date.now() - posted} ms`);
  });

  it('stops every child on SIGTERM, leaving no java behind', async () => {
    const javaPid = Number(/pid (\d+)\)/.exec(stack.output())?.[1]);
    expect(isAlive(javaPid)).toBe(true);
    stack.child.kill('SIGTERM');
    expect(await stack.exit).toBe(0);
    await waitFor('java to exit', async () => (isAlive(javaPid) ? undefined : true), 10_000);
    expect(stack.output()).toContain('stopped.');
  });
});

describe('npm start refuses to start on bad configuration', () => {
  it('names the bad entry of an invalid apps document and exits non-zero', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apps-'));
    const file = join(dir, 'apps.json');
    writeFileSync(
      file,
      JSON.stringify({
        apps: [
          { platform: 'trtc', appId: '1' },
          { platform: 'gme', appId: '2' },
        ],
      }),
    );
    const started = run('npm', ['start'], { RECORDING_APPS_FILE: file, PORT: String(await findFreePort()) });
    expect(await started.exit).toBe(1);
    expect(started.output()).toContain('apps[1] (gme 2): "secretKey" must be a non-empty string');
  });

  it('says how to install Java when it is missing', async () => {
    // A PATH with node and nothing else: no java.
    const bin = mkdtempSync(join(tmpdir(), 'no-java-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const started = run(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      PATH: bin,
      PORT: String(await findFreePort()),
    });
    expect(await started.exit).toBe(1);
    expect(started.output()).toContain('DynamoDB Local needs Java 17 or newer');
    expect(started.output()).toContain('openjdk-17-jre-headless');
  });
});
