import type { QueuedCallback } from '../lib/model/queued-callback';
import { DEV_APPS, gmeBody, type Sample, sparkRtcBody, trtcBody } from '../test/helpers/samples';

/** A deterministic pseudo-random generator, so every run shuffles the same way. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Send times of a first delivery and its redelivery (in range: README, "Input bounds"). */
const SENT_AT_MS = 1_752_580_000_000;
const SENT_AT_S = 1_752_580_000;

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Distinct events across the three platforms: TRTC lifecycles with slices, GME segments and SparkRTC
 * files, in groups of 10 per task. `redeliver` renders a vendor retry of the same event.
 */
let nextGmeTask = 446946705284000000n;

export function distinctEvents(count: number, namespace: string): { sample: Sample; redeliver: () => Sample }[] {
  const events: { sample: Sample; redeliver: () => Sample }[] = [];
  // GME task ids are 64-bit numbers, so they cannot carry the namespace: each call takes fresh ones.
  const gmeBase = nextGmeTask;
  nextGmeTask += BigInt(Math.ceil(count / 10) + 1);
  for (let i = 0; events.length < count; i += 1) {
    const task = `${namespace}-${Math.floor(i / 10)}`;
    const slot = i % 10;
    const kind = Math.floor(i / 10) % 3;
    if (kind === 0) {
      const [type, payload] = (
        [
          [301, { Status: 0 }],
          [303, { Status: 0 }],
          [304, { FileList: 'index.m3u8' }],
          [307, { FileName: `s${slot}.ts` }],
          [307, { FileName: `s${slot}.ts` }],
          [307, { FileName: `s${slot}.ts` }],
          [307, { FileName: `s${slot}.ts` }],
          [307, { FileName: `s${slot}.ts` }],
          [302, { LeaveCode: 0 }],
          [305, { Status: 0 }],
        ] as const
      )[slot] as readonly [number, Record<string, unknown>];
      const render = (callbackTs: number): Sample => ({
        name: 'trtc',
        endpoint: 'tencent-trtc',
        appId: DEV_APPS.trtc,
        body: trtcBody(type, { taskId: task, payload, callbackTs }),
      });
      events.push({ sample: render(SENT_AT_MS), redeliver: () => render(SENT_AT_MS + 1) });
    } else if (kind === 1) {
      const taskId = String(gmeBase + BigInt(Math.floor(i / 10)));
      const render = (timestamp: number): Sample => ({
        name: 'gme',
        endpoint: 'tencent-gme',
        appId: DEV_APPS.gme,
        body: gmeBody({ taskId, eventType: (slot % 3) + 1, seqNo: Math.floor(slot / 3), timestamp }),
      });
      events.push({ sample: render(SENT_AT_S), redeliver: () => render(SENT_AT_S + 1) });
    } else {
      // Odd slots complete a file each; the even ones are five different event types, so all ten differ.
      const even = [
        'RECORD_NEW_FILE_START',
        'RTC_AUDIO_STREAM_OPEN',
        'RTC_VIDEO_STREAM_OPEN',
        'RTC_USER_ROLE_CHANGED',
        'RTC_VIDEO_STREAM_CLOSE',
      ];
      const type =
        slot === 9 ? 'CLOUD_RECORD_SERVER_OVER' : slot % 2 ? 'RECORD_FILE_COMPLETE' : (even[slot / 2] as string);
      const sample: Sample = {
        name: 'spark',
        endpoint: 'huawei-sparkrtc',
        appId: DEV_APPS.sparkrtc,
        body: sparkRtcBody(type, { jobId: task, file: type === 'RECORD_FILE_COMPLETE' ? `f${slot}.mp4` : undefined }),
      };
      events.push({ sample, redeliver: () => sample });
    }
  }
  return events;
}

export function toQueuedMessage(sample: Sample, receivedAt = Date.now()): string {
  const callback: QueuedCallback = {
    version: 1,
    endpoint: sample.endpoint,
    appId: sample.appId,
    receivedAt,
    query: {},
    headers: {},
    body: sample.body,
  };
  return JSON.stringify(callback);
}

export { toSqsBatches } from '../test/helpers/sqs-event';
