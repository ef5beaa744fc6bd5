import { describe, expect, it } from 'vitest';
import { parseAppsDocument } from '../../../lib/config/apps';
import type { VendorFinding } from '../../../lib/model/reconciliation';
import type { SweepMessage } from '../../../lib/model/sweep-message';
import type { Platform } from '../../../lib/platforms';
import type { AppBase, RecordingQuery } from '../../../lib/providers/provider';
import type { SweepCandidate } from '../../../lib/sweep/sweep';
import { type SweepOptions, sweepStaleRecordings } from '../../../lib/sweep/sweep';

// The sweep's decisions with its I/O faked; the store's Queries and the queue are tested on the emulators.
const APPS = parseAppsDocument(
  {
    apps: [
      { platform: 'trtc', appId: '1400000001', callbackKey: 'k' },
      { platform: 'gme', appId: '1400000002', secretKey: 'k' },
    ],
  },
  'test',
);

const candidate = (taskId: string, overrides: Partial<SweepCandidate> = {}): SweepCandidate => ({
  key: { platform: 'trtc', appId: '1400000001', taskId },
  status: 'recording',
  quietSince: 1_000,
  noticed: false,
  reconciliation: null,
  ...overrides,
});

function harness(pages: Record<string, SweepCandidate[][]>, answer: (taskId: string) => Promise<VendorFinding>) {
  const sent: SweepMessage[] = [];
  const asked: string[] = [];
  const logged: string[] = [];
  const slept: number[] = [];
  let clock = 100_000_000;
  const query: RecordingQuery<AppBase> = {
    maxCallsPerSecond: 4,
    canQuery: (app) => app.platform === 'trtc',
    query: (_app, taskId) => {
      asked.push(taskId);
      return answer(taskId);
    },
  };
  const options: SweepOptions = {
    apps: APPS,
    source: {
      async *staleRecordings(platform, appId) {
        for (const page of pages[`${platform}/${appId}`] ?? []) yield page;
      },
    },
    queue: {
      send: async (messages) => {
        sent.push(...messages);
      },
    },
    logger: {
      info: (message) => logged.push(message),
      warn: (message) => logged.push(message),
      error: (message) => logged.push(message),
    },
    countOutcome: () => {},
    staleAfterMs: 6 * 3_600_000,
    env: {},
    deadline: Number.POSITIVE_INFINITY,
    now: () => clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    queries: new Map<Platform, RecordingQuery<AppBase>>([['trtc', query]]),
  };
  return { options, sent, asked, logged, slept, advance: (ms: number) => (clock += ms) };
}

const alive = async (): Promise<VendorFinding> => ({ vendorStatus: 'alive', detail: 'InProgress' });

describe('sweepStaleRecordings', () => {
  it('notices each quiet period once and asks the vendor where the app has credentials', async () => {
    const gme = {
      ...candidate('446946705284000001'),
      key: { platform: 'gme' as const, appId: '1400000002', taskId: '446946705284000001' },
    };
    const { options, sent, asked } = harness(
      {
        'trtc/1400000001': [[candidate('new'), candidate('noticed', { noticed: true })]],
        'gme/1400000002': [[gme]],
      },
      alive,
    );
    const report = await sweepStaleRecordings(options);
    expect(asked.sort()).toEqual(['new', 'noticed']);
    expect(
      sent
        .filter((message) => message.kind === 'stale')
        .map((message) => message.taskId)
        .sort(),
    ).toEqual(['446946705284000001', 'new']);
    expect(sent.filter((message) => message.kind === 'reconciliation')).toHaveLength(2);
    expect(sent.find((message) => message.kind === 'reconciliation')).toMatchObject({
      version: 1,
      quietSince: 1_000,
      finding: { vendorStatus: 'alive', detail: 'InProgress' },
    });
    expect(report).toMatchObject({ apps: 2, swept: 3, noticed: 2, vendorQueries: 2, failures: 0, stoppedEarly: false });
    expect(report.findings).toEqual({ unknown: 0, alive: 2, ended: 0, failed: 0 });
  });

  it('asks again until the vendor says ended or failed in this quiet period', async () => {
    const known = (vendorStatus: VendorFinding['vendorStatus'], quietSince = 1_000) => ({
      vendorStatus,
      detail: 'x',
      quietSince,
      checkedAt: 2_000,
    });
    const { options, asked } = harness(
      {
        'trtc/1400000001': [
          [
            candidate('ended', { noticed: true, reconciliation: known('ended') }),
            candidate('failed', { noticed: true, reconciliation: known('failed') }),
            candidate('alive', { noticed: true, reconciliation: known('alive') }),
            candidate('unknown', { noticed: true, reconciliation: known('unknown') }),
            candidate('ended-before', { noticed: true, reconciliation: known('ended', 500) }),
          ],
        ],
      },
      alive,
    );
    await sweepStaleRecordings(options);
    expect(asked.sort()).toEqual(['alive', 'ended-before', 'unknown']);
  });

  it('a vendor that throws or gives no answer makes that recording unknown and never stops the sweep', async () => {
    const { options, sent, logged } = harness(
      { 'trtc/1400000001': [[candidate('throws'), candidate('fine')]] },
      async (taskId) => {
        if (taskId === 'throws') throw new TypeError('boom');
        return alive();
      },
    );
    const report = await sweepStaleRecordings(options);
    const findings = Object.fromEntries(
      sent.flatMap((message) => (message.kind === 'reconciliation' ? [[message.taskId, message.finding]] : [])),
    );
    expect(findings).toEqual({
      throws: { vendorStatus: 'unknown', detail: 'TypeError' },
      fine: { vendorStatus: 'alive', detail: 'InProgress' },
    });
    expect(report.failures).toBe(0);
    expect(logged).toContain('vendor gave no answer; asked again next run');
  });

  it('paces vendor calls to the query’s calls per second', async () => {
    const many = Array.from({ length: 9 }, (_, index) => candidate(`t${index}`, { noticed: true }));
    const { options, slept, asked } = harness({ 'trtc/1400000001': [many] }, alive);
    await sweepStaleRecordings(options);
    expect(asked).toHaveLength(9);
    // 4 a second: the ninth call starts 2 s after the first.
    expect(slept.reduce((total, ms) => total + ms, 0)).toBeCloseTo(2_000, 0);
  });

  it('notices every stale recording before asking any vendor, and asks nothing after the deadline', async () => {
    const { options, sent, advance } = harness(
      { 'trtc/1400000001': [[candidate('first')], [candidate('second')]] },
      async () => {
        advance(10_000);
        return alive();
      },
    );
    const report = await sweepStaleRecordings({ ...options, deadline: 100_005_000 });
    expect(sent.map((message) => `${message.kind} ${message.taskId}`)).toEqual([
      'stale first',
      'stale second',
      'reconciliation first',
    ]);
    expect(report).toMatchObject({ swept: 2, noticed: 2, vendorQueries: 1, stoppedEarly: true });
  });

  it('starts no page after the deadline', async () => {
    const { options, sent, advance } = harness(
      { 'trtc/1400000001': [[candidate('first', { noticed: true })], [candidate('second')]] },
      alive,
    );
    const slowSource: SweepOptions['source'] = {
      async *staleRecordings(platform, appId, staleBefore) {
        for await (const page of options.source.staleRecordings(platform, appId, staleBefore)) {
          yield page;
          advance(10_000);
        }
      },
    };
    const report = await sweepStaleRecordings({ ...options, source: slowSource, deadline: 100_005_000 });
    expect(sent).toEqual([]);
    expect(report).toMatchObject({ swept: 1, vendorQueries: 0, stoppedEarly: true });
  });

  it('asks first about recordings not asked in this quiet period, then the longest unasked', async () => {
    const asked = (checkedAt: number) => ({
      vendorStatus: 'alive' as const,
      detail: 'x',
      quietSince: 1_000,
      checkedAt,
    });
    const { options, asked: order } = harness(
      {
        'trtc/1400000001': [
          [
            candidate('recent', { noticed: true, reconciliation: asked(9_000) }),
            candidate('older', { noticed: true, reconciliation: asked(2_000) }),
            candidate('never', { noticed: true }),
            candidate('earlier-period', { noticed: true, reconciliation: { ...asked(9_500), quietSince: 500 } }),
          ],
        ],
      },
      alive,
    );
    await sweepStaleRecordings(options);
    expect(order).toEqual(['never', 'earlier-period', 'older', 'recent']);
  });

  it('an app whose recordings cannot be read or queued fails alone, and is reported', async () => {
    const { options, sent } = harness({ 'gme/1400000002': [[candidate('g')]] }, alive);
    const report = await sweepStaleRecordings({
      ...options,
      source: {
        async *staleRecordings(platform) {
          if (platform === 'trtc') throw new Error('ProvisionedThroughputExceededException');
          yield [{ ...candidate('g'), key: { platform: 'gme', appId: '1400000002', taskId: 'g' } }];
        },
      },
    });
    expect(report.failures).toBe(1);
    expect(sent.map((message) => message.taskId)).toEqual(['g']);
  });
});
