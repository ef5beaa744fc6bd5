import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../../lib/adapters/eventbridge-publisher';
import type { FileMention } from '../../../lib/model/events';
import {
  type RecordingAnnouncement,
  type SummaryVersion,
  statusChangeId,
  statusChangeOf,
} from '../../../lib/model/recording-event';
import {
  MAX_DETAIL_BYTES,
  publishStatusChanges,
  type StreamedAnnouncement,
} from '../../../lib/publish/publish-status-changes';
import { startFakeEventBridge } from '../../helpers/fake-eventbridge';
import { FakeBus } from '../../helpers/publication';
import { detailProblems } from '../../helpers/recording-event-schema';

const SILENT = { info: () => {}, warn: () => {} };

const version = (taskId: string, status: SummaryVersion['status'], lastSequence: string): SummaryVersion => ({
  platform: 'trtc',
  appId: '1400000001',
  taskId,
  statusFacts: [status],
  status,
  eventCount: Number(lastSequence),
  eventTypes: { '301': 1 },
  fileCount: 0,
  roomId: '635055',
  startedAt: 1_752_580_000_000,
  updatedAt: 1_752_580_100_000 + Number(lastSequence),
  reconciliation: null,
  lastSequence,
});
const NO_FILES = { files: [], nextCursor: null };
const changeOf = (previous: SummaryVersion | undefined, current: SummaryVersion) =>
  statusChangeOf(previous, current) as RecordingAnnouncement;
/** A recording's lifecycle as consecutive summary versions, each a change. */
const lifecycle = (taskId: string, first: number): StreamedAnnouncement[] => {
  const versions = [
    version(taskId, 'recording', String(first)),
    version(taskId, 'stopped', String(first + 1)),
    version(taskId, 'completed', String(first + 2)),
  ];
  return versions.map((current, index) => ({
    sequence: String(first + index),
    change: changeOf(versions[index - 1], current),
    versionPage: NO_FILES,
  }));
};

describe('the publishing decision', () => {
  it('publishes the first version and every status change, nothing else', () => {
    const first = version('t', 'recording', '1');
    expect(statusChangeOf(undefined, first)).toMatchObject({ previousStatus: null });
    expect(statusChangeOf(first, version('t', 'recording', '2'))).toBeNull();
    expect(statusChangeOf(first, version('t', 'stopped', '2'))).toMatchObject({ previousStatus: 'recording' });
  });

  it('gives the same id to every publication of a change, and different ids to different changes', () => {
    const change = version('t', 'stopped', '7');
    expect(statusChangeOf(undefined, change)?.id).toBe(statusChangeOf(version('t', 'recording', '6'), change)?.id);
    expect(statusChangeId(change)).toMatch(/^[0-9a-f]{32}$/);
    const others = [version('t', 'stopped', '8'), version('u', 'stopped', '7'), version('t', 'completed', '7')];
    expect(new Set([change, ...others].map(statusChangeId)).size).toBe(4);
  });
});

describe('publishStatusChanges', () => {
  it('publishes in stream order per recording, with a detail the schema accepts', async () => {
    const bus = new FakeBus();
    const result = await publishStatusChanges([...lifecycle('a', 10), ...lifecycle('b', 20)], {
      publisher: bus,
      logger: SILENT,
    });
    expect(result).toEqual({ published: 6, retryFrom: undefined, unbuildable: [] });
    for (const task of ['a', 'b']) {
      const published = bus.published.filter((event) => event.detail.taskId === task);
      expect(published.map((event) => event.detail.status)).toEqual(['recording', 'stopped', 'completed']);
      expect(published.map((event) => event.detail.previousStatus)).toEqual([null, 'recording', 'stopped']);
    }
    for (const event of bus.published) {
      expect(event).toMatchObject({ source: 'rtc-recording-callbacks', detailType: 'Recording Status Changed' });
      expect(event.time.toISOString()).toBe(event.detail.updatedAt);
      expect(detailProblems(event.detail)).toEqual([]);
    }
  });

  it('never publishes a later change of a recording before an earlier one that failed, and says where to resume', async () => {
    // b's first change is refused every time; a is unaffected.
    const bus = new FakeBus((event) => (event.detail.taskId === 'b' ? 'ThrottlingException' : undefined));
    const result = await publishStatusChanges([...lifecycle('a', 10), ...lifecycle('b', 5)], {
      publisher: bus,
      logger: SILENT,
      maxAttempts: 3,
      sleep: async () => {},
    });
    expect(result).toEqual({ published: 3, retryFrom: '5', unbuildable: [] });
    expect(bus.published.map((event) => event.detail.taskId)).toEqual(['a', 'a', 'a']);
    expect(bus.refused).toBe(3);
  });

  it('retries only the refused entries, with backoff, until they are accepted', async () => {
    let refusals = 2;
    const bus = new FakeBus((event) =>
      event.detail.status === 'stopped' && refusals-- > 0 ? 'ThrottlingException' : undefined,
    );
    const delays: number[] = [];
    const result = await publishStatusChanges(lifecycle('a', 1), {
      publisher: bus,
      logger: SILENT,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(result).toEqual({ published: 3, retryFrom: undefined, unbuildable: [] });
    expect(bus.published.map((event) => event.detail.status)).toEqual(['recording', 'stopped', 'completed']);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  const named = (count: number, length = 20): FileMention[] =>
    Array.from({ length: count }, (_, index) => ({
      name: `${'x'.repeat(length)}-${String(index).padStart(3, '0')}.ts`,
      url: null,
      status: 'uploaded',
    }));

  it("describes one version: its files page and fileCount are the version's own (files.length = min(fileCount, 100))", async () => {
    const bus = new FakeBus();
    const versions = [
      { version: { ...version('a', 'recording', '1'), fileCount: 0 }, files: [] },
      { version: { ...version('b', 'completed', '2'), fileCount: 3 }, files: named(3) },
      { version: { ...version('c', 'completed', '3'), fileCount: 250 }, files: named(100) },
    ];
    const result = await publishStatusChanges(
      versions.map(({ version: current, files }) => ({
        sequence: current.lastSequence,
        change: changeOf(undefined, current),
        versionPage: { files, nextCursor: current.fileCount > files.length ? 'next' : null },
      })),
      { publisher: bus, logger: SILENT },
    );
    expect(result).toEqual({ published: 3, retryFrom: undefined, unbuildable: [] });
    for (const { detail } of bus.published) {
      expect(detail.files).toHaveLength(Math.min(detail.fileCount, 100));
      expect(detailProblems(detail)).toEqual([]);
    }
    const [a, b, c] = bus.published;
    expect(a?.detail).toMatchObject({ fileCount: 0, files: [], filesNextCursor: null });
    expect(b?.detail).toMatchObject({ fileCount: 3, files: named(3), filesNextCursor: null });
    expect(c?.detail.files).toEqual(named(100));
    expect(c?.detail.filesNextCursor).toBe('next');
  });

  it('never trims files: a detail too large for an entry is set aside for its dead letter, and the others go out', async () => {
    const bus = new FakeBus();
    const warnings: string[] = [];
    const huge = { ...version('big', 'completed', '5'), fileCount: 100 };
    const hugeFiles = named(100, 3_000);
    const result = await publishStatusChanges(
      [
        ...lifecycle('a', 1).slice(0, 1),
        { sequence: '5', change: changeOf(undefined, huge), versionPage: { files: hugeFiles, nextCursor: null } },
        ...lifecycle('z', 7).slice(0, 1),
      ],
      { publisher: bus, logger: { info: () => {}, warn: (message) => warnings.push(message) } },
    );
    // Building is deterministic: it is never retried, and its batch-mates are published once.
    expect(result).toEqual({
      published: 2,
      retryFrom: undefined,
      unbuildable: [{ sequence: '5', id: expect.any(String), reason: expect.stringMatching(/exceeds 240000/) }],
    });
    expect(bus.published.map((event) => event.detail.taskId)).toEqual(['a', 'z']);
    expect(warnings).toContain('recording event cannot be built: dead-lettered');
    expect(Buffer.byteLength(JSON.stringify(hugeFiles))).toBeGreaterThan(MAX_DETAIL_BYTES);
  });

  it('a version whose file items contradict its fileCount cannot be described: it is set aside, not published', async () => {
    const bus = new FakeBus();
    const broken = { ...version('x', 'completed', '3'), fileCount: 2 };
    const result = await publishStatusChanges(
      [{ sequence: '3', change: changeOf(undefined, broken), versionPage: NO_FILES }],
      {
        publisher: bus,
        logger: SILENT,
      },
    );
    expect(result).toMatchObject({ published: 0, retryFrom: undefined, unbuildable: [{ sequence: '3' }] });
    expect(bus.published).toEqual([]);
  });
});

describe('EventBridgePublisher through the SDK', () => {
  const events = async (count: number) => {
    const bus = new FakeBus();
    const changes = Array.from(
      { length: count },
      (_, index) => lifecycle(`t${index}`, index * 10)[0] as StreamedAnnouncement,
    );
    await publishStatusChanges(changes, { publisher: bus, logger: SILENT });
    return bus.published;
  };

  it('sends at most 10 entries per PutEvents call, on the named bus, with the detail as JSON', async () => {
    const fake = await startFakeEventBridge();
    try {
      const publisher = new EventBridgePublisher({ client: fake.client(), eventBusName: 'recordings' });
      const outbound = await events(23);
      expect(await publisher.publish(outbound)).toEqual([]);
      expect(fake.requests.map((entries) => entries.length)).toEqual([10, 10, 3]);
      const [entry] = fake.accepted;
      expect(entry).toMatchObject({
        EventBusName: 'recordings',
        Source: 'rtc-recording-callbacks',
        DetailType: 'Recording Status Changed',
      });
      expect(JSON.parse(entry?.Detail ?? '')).toEqual(JSON.parse(JSON.stringify(outbound[0]?.detail)));
    } finally {
      await fake.stop();
    }
  });

  it('returns exactly the entries a partial failure refused, and every entry of a call that failed', async () => {
    const fake = await startFakeEventBridge((call) =>
      call === 1
        ? { kind: 'refuse', errorCode: 'ThrottlingException', which: (_, index) => index % 3 === 0 }
        : { kind: 'unavailable' },
    );
    try {
      const publisher = new EventBridgePublisher({ client: fake.client(), eventBusName: 'recordings' });
      const outbound = await events(4);
      const failures = await publisher.publish(outbound);
      expect(failures).toEqual([
        { id: outbound[0]?.id, reason: 'ThrottlingException' },
        { id: outbound[3]?.id, reason: 'ThrottlingException' },
      ]);
      const outage = await publisher.publish(outbound.slice(0, 2));
      expect(outage.map((failure) => failure.id)).toEqual([outbound[0]?.id, outbound[1]?.id]);
      expect(outage[0]?.reason).toMatch(/ServiceUnavailable/);
    } finally {
      await fake.stop();
    }
  });
});

describe.each([
  ['events/recording-status-changed.json', 'Recording Status Changed'],
  ['events/recording-stale.json', 'Recording Stale'],
])('%s', (file, detailType) => {
  it('is an EventBridge target envelope whose detail the schema accepts', () => {
    const sample = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(sample)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(sample).toMatchObject({ 'detail-type': detailType, source: 'rtc-recording-callbacks' });
    expect(detailProblems(sample.detail)).toEqual([]);
  });
});
