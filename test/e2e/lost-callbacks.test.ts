import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devKeyFor } from '../../fixtures/dev-apps';
import { LIVEKIT_DEV_APP, LIVEKIT_DEV_KEY, liveKitSample } from '../../fixtures/livekit-samples';
import { DEV_APPS, type Sample, trtcBody } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { QUERY_TEST_CREDENTIALS } from '../../fixtures/test-secrets';
import { findFreePort } from '../../local/free-port';
import { type FakeLiveKitApi, LIVEKIT_ANSWERS, startFakeLiveKitApi } from '../fakes/livekit-api';
import { type FakeTrtcApi, startFakeTrtcApi, TRTC_ANSWERS } from '../fakes/trtc-api';
import { run, type Started, waitFor } from '../helpers/child-processes';
import { startEventReceiver } from '../helpers/event-receiver';
import { detailProblems } from '../helpers/recording-event-schema';

/**
 * README, "Lost callbacks" as a user meets it: `npm start` with a quick sweep, two recordings whose end callbacks
 * are lost, and the vendors (fakes that check signatures) asked about them.
 */
describe('npm start: a recording loses its end callbacks, and the sweep finds out', () => {
  let stack: Started;
  let url: string;
  let trtc: FakeTrtcApi;
  let livekit: FakeLiveKitApi;
  let receiver: Awaited<ReturnType<typeof startEventReceiver>>;
  const trtcTask = `lost-${Date.now()}`;
  const egressId = `EG_lost${Date.now()}`;

  beforeAll(async () => {
    trtc = await startFakeTrtcApi({
      credentials: { [QUERY_TEST_CREDENTIALS.trtc.secretId]: QUERY_TEST_CREDENTIALS.trtc.secretKey },
    });
    livekit = await startFakeLiveKitApi({ apiKeys: { [LIVEKIT_DEV_KEY.keyId]: LIVEKIT_DEV_KEY.secret } });
    receiver = await startEventReceiver();
    // The dev apps, with vendor API credentials for the TRTC and LiveKit dev apps.
    const document = JSON.parse(readFileSync('config/apps.local.json', 'utf8')) as { apps: Record<string, unknown>[] };
    for (const app of document.apps) {
      if (app.platform === 'trtc' && app.appId === DEV_APPS.trtc) app.api = QUERY_TEST_CREDENTIALS.trtc;
      if (app.platform === 'livekit' && app.appId === LIVEKIT_DEV_APP) app.api = { url: livekit.url };
    }
    const appsFile = join(mkdtempSync(join(tmpdir(), 'apps-')), 'apps.json');
    writeFileSync(appsFile, JSON.stringify(document));
    const port = await findFreePort();
    url = `http://127.0.0.1:${port}`;
    stack = run('npm', ['start'], {
      PORT: String(port),
      RECORDING_APPS_FILE: appsFile,
      RECORDING_EVENTS_URL: receiver.url,
      // Stale after 2 s without a callback; swept every second.
      STALE_AFTER_HOURS: String(2 / 3600),
      SWEEP_INTERVAL_SECONDS: '1',
      TRTC_API_ENDPOINT: trtc.url,
    });
    await waitFor(
      'GET /health to answer 200',
      async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined),
      90_000,
    );
  });

  afterAll(async () => {
    if (stack.child.exitCode === null) {
      stack.child.kill('SIGTERM');
      await stack.exit;
    }
    await Promise.all([trtc.close(), livekit.close(), receiver.stop()]);
  });

  const post = async (sample: Sample) => {
    const request = signTestRequest(sample, { key: await devKeyFor(sample) });
    const response = await fetch(`${url}/callbacks/${sample.endpoint}`, {
      method: 'POST',
      headers: request.headers as Record<string, string>,
      body: request.body,
    });
    expect(response.status).toBe(200);
  };
  const getJson = async (path: string) => (await (await fetch(`${url}${path}`)).json()) as Record<string, unknown>;
  const eventsOf = (taskId: string) =>
    receiver.received
      .filter(({ envelope }) => envelope.detail.taskId === taskId)
      .map(({ envelope }) => `${envelope['detail-type']}: ${envelope.detail.status}`);

  /**
   * The status changes in order, and one `Recording Stale`. The notice and the vendor's answer are
   * queued together, so the stale event, which carries the state when it is published, may already
   * show the answer.
   */
  const expectAnnounced = (events: string[], final: string) => {
    expect(events.filter((event) => event.startsWith('Recording Status Changed'))).toEqual([
      'Recording Status Changed: recording',
      `Recording Status Changed: ${final}`,
    ]);
    const stale = events.filter((event) => event.startsWith('Recording Stale'));
    expect(stale).toHaveLength(1);
    expect(['Recording Stale: recording', `Recording Stale: ${final}`]).toContain(stale[0]);
  };

  it('TRTC: only the 301 arrives; the sweep announces it stale, TRTC says Exited, it is stopped', async () => {
    trtc.script(trtcTask, TRTC_ANSWERS.ended);
    await post({
      name: 'lost',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtc,
      body: trtcBody(301, { taskId: trtcTask }),
    });
    const path = `/recordings/trtc/${DEV_APPS.trtc}/${trtcTask}`;
    const state = await waitFor(
      'the vendor answer in the state',
      async () => {
        const body = await getJson(path);
        return body.status === 'stopped' ? body : undefined;
      },
      30_000,
    );
    expect(state).toMatchObject({
      status: 'stopped',
      stale: true,
      eventCount: 2,
      eventTypes: { '301': 1, 'reconciliation:ended': 1 },
      reconciliation: { vendorStatus: 'ended', detail: 'Exited' },
    });
    await waitFor('the stopped event', async () => (eventsOf(trtcTask).length >= 3 ? true : undefined), 10_000);
    expectAnnounced(eventsOf(trtcTask), 'stopped');
    for (const { envelope } of receiver.received) expect(detailProblems(envelope.detail)).toEqual([]);
    // The operator's view; and TRTC, having said ended, is not asked again in this quiet period.
    const listed = await getJson(`/recordings/trtc/${DEV_APPS.trtc}?stale=true`);
    expect((listed.recordings as { taskId: string }[]).map((entry) => entry.taskId)).toContain(trtcTask);
    const calls = trtc.callCount('DescribeCloudRecording');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(trtc.callCount('DescribeCloudRecording')).toBe(calls);
    expect(eventsOf(trtcTask).filter((event) => event.startsWith('Recording Stale'))).toHaveLength(1);
  });

  it('LiveKit: egress_ended is lost; ListEgress says EGRESS_COMPLETE with its file, and it is completed', async () => {
    livekit.script(egressId, LIVEKIT_ANSWERS.complete);
    await post(liveKitSample('lost', { egressId, event: 'egress_started', id: `EV_${egressId}` }));
    const state = await waitFor(
      'the egress completed',
      async () => {
        const body = await getJson(`/recordings/livekit/${LIVEKIT_DEV_APP}/${egressId}`);
        // The mirrored egress_ended and the fact are two events; wait for both.
        return body.status === 'completed' && body.reconciliation !== null ? body : undefined;
      },
      30_000,
    );
    expect(state).toMatchObject({
      stale: false,
      files: [{ name: 'recordings/room-42/egress.mp4', status: 'uploaded' }],
      reconciliation: { vendorStatus: 'ended', detail: 'EGRESS_COMPLETE' },
    });
    await waitFor('the completed event', async () => (eventsOf(egressId).length >= 3 ? true : undefined), 10_000);
    expectAnnounced(eventsOf(egressId), 'completed');
    expect(livekit.requests.filter((request) => request.refusal)).toEqual([]);
    expect(stack.output()).toMatch(/"message":"sweep finished"/);
  });
});
