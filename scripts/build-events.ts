/**
 * Writes events/: API Gateway v2 events wrapping every seed sample, a TRTC 301→305 set, an Agora
 * 40→31 set and a LiveKit egress set, and the Agora and LiveKit vector bodies of PROTOCOLS.md, signed
 * with the dev keys in config/apps.local.json; SQS events for `process`; GET events for `query`; and the
 * `Recording Status Changed` the TRTC set's 305 publishes, as an EventBridge target receives it.
 *
 *   npm run events                      # freshly signed copies in .local/events/ (events/ is left alone)
 *   npm run events -- --out events      # regenerate the committed set (maintainers)
 *   npm run events -- --now 1752580150000
 *
 * Chat-with-token, SparkRTC and LiveKit signatures carry a time (a LiveKit token lives 5 minutes), so
 * invoke those samples from the fresh copies (see README, "Replay"). The default keeps the work tree
 * clean: following the README must not rewrite tracked files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AGORA_DEV_APP, AGORA_VECTORS, agoraLifecycle, agoraSample } from '../fixtures/agora-samples';
import { devKeyFor } from '../fixtures/dev-apps';
import { interpretSample } from '../fixtures/interpret';
import {
  LIVEKIT_DEV_APP,
  LIVEKIT_VECTOR,
  LIVEKIT_VECTOR_SPACED_BODY,
  liveKitLifecycle,
  liveKitSample,
} from '../fixtures/livekit-samples';
import { type Sample, SEED_000, SEED_001, SEED_003, SEED_004, trtcLifecycle } from '../fixtures/samples';
import { signTestRequest } from '../fixtures/sign-test-request';
import { toSqsBatches } from '../fixtures/sqs-event';
import { sequenceText } from '../lib/adapters/table-layout';
import type { QueuedCallback } from '../lib/model/queued-callback';
import { staleAnnouncementOf, statusChangeOf } from '../lib/model/recording-event';
import { mergeFileMentions } from '../lib/model/recording-state';
import { additionsInOrder, FIRST_FILES_PAGE, foldIntoSummary } from '../lib/model/recording-summary';
import { STATUS_RULES } from '../lib/providers/registry';
import { type OutboundEvent, publishStatusChanges } from '../lib/publish/publish-status-changes';
import { toApiGatewayEvent } from '../local/api-gateway-event';
import { toEnvelope } from '../local/http-event-publisher';

const { values } = parseArgs({
  options: { now: { type: 'string' }, out: { type: 'string', default: '.local/events' } },
});
const now = values.now ? Number(values.now) : Date.now();
const outDir = values.out ?? '.local/events';
mkdirSync(outDir, { recursive: true });

const SEEDS = [SEED_000, SEED_001, SEED_003, SEED_004];
const LIFECYCLE_TASK = 'trtc-sample-task-0001';
const lifecycle = trtcLifecycle(LIFECYCLE_TASK);
// Vendor vectors (PROTOCOLS.md §6, §7): the same bytes, signed here with the dev keys.
const vectorOf = (sample: Sample, name: string, body: string): Sample => ({ ...sample, name, body });
const agoraVectors = [
  vectorOf(
    agoraSample('', { sid: '', eventType: 0, details: {} }),
    'agora-vector-31-uploaded',
    AGORA_VECTORS.uploaded.body,
  ),
  vectorOf(
    agoraSample('', { sid: '', eventType: 0, details: {} }),
    'agora-vector-product-1',
    AGORA_VECTORS.vendor1.body,
  ),
];
const liveKitVectors = [
  vectorOf(liveKitSample('', { egressId: '', event: '', id: '' }), 'livekit-vector-egress-ended', LIVEKIT_VECTOR.body),
  vectorOf(
    liveKitSample('', { egressId: '', event: '', id: '' }),
    'livekit-vector-egress-ended-spaced',
    LIVEKIT_VECTOR_SPACED_BODY,
  ),
];
const VENDOR_SETS: Sample[] = [
  ...agoraLifecycle('38f8e3cfdc474cd56fc1ceba380d7e1b'),
  ...agoraVectors,
  ...liveKitLifecycle('EG_sampleEgress01'),
  ...liveKitVectors,
];

let written = 0;
const write = (name: string, value: unknown) => {
  writeFileSync(`${outDir}/${name}.json`, `${JSON.stringify(value, null, 2)}\n`);
  written += 1;
};

const queued = (sample: Sample): QueuedCallback => ({
  version: 1,
  endpoint: sample.endpoint,
  appId: sample.appId,
  receivedAt: now,
  query: sample.query ?? {},
  headers: { 'content-type': 'application/json' },
  body: sample.body,
});

/** One SQS event holding every body, as `process` receives a batch. */
const sqsEvent = (bodies: string[]) => toSqsBatches(bodies, bodies.length, now)[0];

for (const [index, sample] of [...SEEDS, ...lifecycle, ...VENDOR_SETS].entries()) {
  const request = signTestRequest(sample, { key: await devKeyFor(sample), now });
  const name =
    index >= SEEDS.length && index < SEEDS.length + lifecycle.length ? `trtc-lifecycle-${sample.name}` : sample.name;
  write(
    `ingest-${name}`,
    toApiGatewayEvent({
      method: 'POST',
      rawPath: `/callbacks/${sample.endpoint}`,
      rawQueryString: request.rawQueryString,
      headers: request.headers as Record<string, string>,
      body: request.body,
    }),
  );
}
write('process-seeds', sqsEvent(SEEDS.map((sample) => JSON.stringify(queued(sample)))));
write('process-trtc-lifecycle', sqsEvent(lifecycle.map((sample) => JSON.stringify(queued(sample)))));
write('process-agora-livekit', sqsEvent(VENDOR_SETS.map((sample) => JSON.stringify(queued(sample)))));
write('process-poison', sqsEvent(['this is not a queued callback', JSON.stringify(queued(SEED_001))]));

// The read routes, for `serverless invoke local -f query` (replay skips them: they are not callbacks).
const recording = `/recordings/trtc/${lifecycle[0]?.appId}/${LIFECYCLE_TASK}`;
const reads: [string, string, string][] = [
  ['query-recording', recording, 'filesLimit=100'],
  ['query-recording-files', `${recording}/files`, 'limit=100'],
  ['query-recording-events', `${recording}/events`, 'limit=100'],
  ['query-app-recordings', `/recordings/trtc/${lifecycle[0]?.appId}`, 'status=completed&limit=20'],
  ['query-app-stale-recordings', `/recordings/trtc/${lifecycle[0]?.appId}`, 'stale=true'],
  ['query-agora-recording', `/recordings/agora/${AGORA_DEV_APP}/38f8e3cfdc474cd56fc1ceba380d7e1b`, ''],
  ['query-livekit-recording', `/recordings/livekit/${LIVEKIT_DEV_APP}/EG_sampleEgress01`, ''],
];
for (const [name, rawPath, rawQueryString] of reads) {
  write(name, toApiGatewayEvent({ method: 'GET', rawPath, rawQueryString }));
}
/** The lifecycle's summary before and after its 305, as the projector writes them, and the event it publishes. */
const applied = lifecycle.map((sample) => ({ ...interpretSample(sample), appliedAt: now }));
const [first] = applied;
if (!first) throw new Error('empty lifecycle');
const version = (count: number, lastSequence: string) => ({
  ...foldIntoSummary(first, null, additionsInOrder(STATUS_RULES, first, applied.slice(0, count)), STATUS_RULES),
  lastSequence: sequenceText(lastSequence),
});
/** The first page of files of the version that folded the first `count` events (fewer than a page here). */
const filesOf = (count: number) => ({
  files: mergeFileMentions(applied.slice(0, count).flatMap((event) => event.files)).slice(0, FIRST_FILES_PAGE),
  nextCursor: null,
});
const change = statusChangeOf(
  version(applied.length - 1, '4100000000000000000000004'),
  version(applied.length, '4100000000000000000000005'),
);
if (!change) throw new Error('the 305 changes no status');
// The lifecycle before its 302 and 305, quiet for 7 h: the sweep's notice of it, and what TRTC said.
const beforeEnd = version(applied.length - 2, '4100000000000000000000003');
const stale = staleAnnouncementOf(
  {
    ...beforeEnd,
    eventCount: beforeEnd.eventCount + 1,
    eventTypes: { ...beforeEnd.eventTypes, 'reconciliation:alive': 1 },
    updatedAt: now - 7 * 3_600_000,
    reconciliation: {
      vendorStatus: 'alive',
      detail: 'InProgress',
      quietSince: now - 7 * 3_600_000,
      checkedAt: now - 60_000,
    },
  },
  { quietSince: now - 7 * 3_600_000, notedAt: now },
);
if (!stale) throw new Error('the sample is not stale');
const published: OutboundEvent[] = [];
await publishStatusChanges(
  [
    { sequence: '4100000000000000000000005', change, versionPage: filesOf(applied.length) },
    { sequence: '4100000000000000000000006', change: stale, versionPage: filesOf(applied.length - 2) },
  ],
  {
    publisher: {
      publish: async (events) => {
        published.push(...events);
        return [];
      },
    },
    logger: { info: () => {}, warn: () => {} },
    now: () => now,
  },
);
for (const event of published) {
  write(event.detailType === 'Recording Stale' ? 'recording-stale' : 'recording-status-changed', toEnvelope(event));
}
console.log(
  `wrote ${written} event file(s) to ${outDir}/${outDir === 'events' ? '' : ' (the committed events/ are unchanged)'}`,
);
