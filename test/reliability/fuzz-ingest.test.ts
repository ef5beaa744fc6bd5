import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGORA_DEV_APP, agoraBody } from '../../fixtures/agora-samples';
import { devKeyFor, loadDevApps } from '../../fixtures/dev-apps';
import { LIVEKIT_DEV_APP, liveKitBody } from '../../fixtures/livekit-samples';
import {
  DEV_APPS,
  gmeBody,
  type Sample,
  SEED_000,
  SEED_003,
  SEED_004,
  sparkRtcBody,
  trtcBody,
} from '../../fixtures/samples';
import { parseJsonObject } from '../../lib/json';
import { decodeQueuedCallback } from '../../lib/model/queued-callback';
import { ENDPOINTS, type Endpoint } from '../../lib/platforms';
import { createProviderRegistry } from '../../lib/providers/registry';
import { toApiGatewayEvent } from '../../local/api-gateway-event';
import { signCallback } from '../../tools/replay/sign-callback';
import { useLocalStack } from '../integration/local-stack';
import { FULL, recordFigures } from './figures';

const CASES = Number(process.env.FUZZ_CASES ?? (FULL ? 10_000 : 250));
/** README, "Routes and answers", with the queue up: no 5xx. */
const ALLOWED_STATUSES = new Set([200, 400, 401, 403, 413]);

/** Valid starting points per endpoint. The Chat app has a token here, so Chat requests are signed too. */
const BASES: Record<Endpoint, fc.Arbitrary<Sample>> = {
  'tencent-im': fc.constantFrom(
    { ...SEED_000, appId: DEV_APPS.trtcSigned },
    { ...SEED_004, appId: DEV_APPS.trtcSigned },
  ),
  'tencent-trtc': fc
    .record({
      type: fc.constantFrom(301, 302, 304, 305, 307, 310, 311),
      task: fc.string({ minLength: 1, maxLength: 20 }),
    })
    .map(({ type, task }) => ({
      name: 't',
      endpoint: 'tencent-trtc',
      appId: DEV_APPS.trtcSigned,
      body: trtcBody(type, { taskId: task }),
    })),
  'tencent-gme': fc
    .record({ type: fc.integer({ min: 0, max: 4 }), seq: fc.nat(5), task: fc.bigInt({ min: 1n, max: 2n ** 63n }) })
    .map(({ type, seq, task }) => ({
      name: 'g',
      endpoint: 'tencent-gme',
      appId: DEV_APPS.gme,
      body: gmeBody({ taskId: String(task), eventType: type, seqNo: seq }),
    })),
  'huawei-sparkrtc': fc.oneof(
    fc.constant(SEED_003),
    fc
      .constantFrom('RECORD_NEW_FILE_START', 'CLOUD_RECORD_OVER', 'RTC_USER_ROLE_CHANGED', 'SOMETHING_NEW')
      .map((type) => ({ ...SEED_003, body: sparkRtcBody(type, { jobId: 'fuzz-job' }) })),
  ),
  agora: fc
    .record({
      eventType: fc.constantFrom(3, 4, 11, 31, 32, 40, 41, 71, 1001),
      productId: fc.constantFrom(3, 3, 3, 1),
      sid: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 32 }),
      status: fc.nat(20),
    })
    .map(({ eventType, productId, sid, status }) => ({
      name: 'a',
      endpoint: 'agora',
      appId: AGORA_DEV_APP,
      query: { appId: AGORA_DEV_APP },
      body: agoraBody({ sid, eventType, productId, details: { status, fileList: `${sid}.m3u8` } }),
    })),
  livekit: fc
    .record({
      event: fc.constantFrom('egress_started', 'egress_updated', 'egress_ended', 'room_finished'),
      status: fc.constantFrom(undefined, 'EGRESS_ACTIVE', 'EGRESS_COMPLETE', 'EGRESS_FAILED'),
      egressId: fc.string({ minLength: 1, maxLength: 20 }),
    })
    .map(({ event, status, egressId }) => ({
      name: 'l',
      endpoint: 'livekit',
      appId: LIVEKIT_DEV_APP,
      body: liveKitBody({ egressId, event, status, id: `EV_${egressId}`, file: 'f.mp4' }),
    })),
};

/** A request on the wire: raw body bytes plus framing. */
interface Wire {
  body: Buffer;
  headers: Record<string, string>;
  query: string;
  base64: boolean;
}

/**
 * `forgery`: changed after the vendor signed, so it must never be accepted once it touches signed material.
 * `resigned`: garbage the vendor signed; verified, so only the content decides (200, 400, or 403 for another app).
 * `framing`: the same signed request framed differently; most must still be accepted.
 */
type Mutation = {
  kind: 'forgery' | 'resigned' | 'framing';
  name: string;
  apply: (wire: Wire, sign: (body: Buffer) => Wire) => Wire;
};

const mutation = (kind: Mutation['kind'], name: string, apply: Mutation['apply']): Mutation => ({ kind, name, apply });

const MUTATIONS: fc.Arbitrary<Mutation> = fc.oneof(
  // Forgeries.
  fc
    .nat()
    .map((at) =>
      mutation('forgery', 'truncate', (w) => ({ ...w, body: w.body.subarray(0, at % Math.max(1, w.body.length)) })),
    ),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((extra) => mutation('forgery', 'append bytes', (w) => ({ ...w, body: Buffer.concat([w.body, extra]) }))),
  fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) =>
    mutation('forgery', 'flip a bit', (w) => {
      const body = Buffer.from(w.body);
      const index = at % Math.max(1, body.length);
      if (body.length > 0) body[index] = (body[index] as number) ^ (1 << bit);
      return { ...w, body };
    }),
  ),
  fc
    .constantFrom(
      'sign',
      'signature',
      'x-rtc-signature',
      'x-rtc-timestamp',
      'x-rtc-rand',
      'Sign',
      'RequestTime',
      'authorization',
    )
    .map((name) =>
      mutation('forgery', `drop ${name}`, (w) => {
        const headers = { ...w.headers };
        delete headers[name];
        const query = new URLSearchParams(w.query);
        query.delete(name);
        return { ...w, headers, query: query.toString() };
      }),
    ),
  fc.constantFrom('sign', 'signature', 'x-rtc-signature', 'agora-signature-v2', 'authorization').map((name) =>
    mutation('forgery', `duplicate ${name}`, (w) => ({
      ...w,
      headers: name in w.headers ? { ...w.headers, [name]: `${w.headers[name]},${w.headers[name]}` } : w.headers,
      query: w.query.replace(/Sign=([0-9a-f]+)/, 'Sign=0000&Sign=$1'),
    })),
  ),
  // Garbage, signed by the vendor.
  fc
    .jsonValue()
    .map((value) =>
      mutation('resigned', 'random JSON', (_w, sign) => sign(Buffer.from(JSON.stringify(value) ?? 'null'))),
    ),
  fc
    .integer({ min: 1, max: 100_000 })
    .map((depth) =>
      mutation('resigned', 'deep nesting', (_w, sign) => sign(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`))),
    ),
  fc
    .constantFrom('1e400', '-0', '123456789012345678901234567890', '"x"', 'null', '[]', '{}', 'true')
    .map((value) =>
      mutation('resigned', `first field set to ${value}`, (w, sign) =>
        sign(Buffer.from(w.body.toString('utf8').replace(/:\s*("[^"]*"|-?\d+)/, `:${value}`))),
      ),
    ),
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((bytes) =>
      mutation('resigned', 'non-UTF-8 bytes', (w, sign) =>
        sign(Buffer.concat([w.body, Buffer.from([0xff, 0xfe]), bytes])),
      ),
    ),
  fc.constant(mutation('resigned', 'BOM', (w, sign) => sign(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), w.body])))),
  // Framing.
  fc.constant(mutation('framing', 'as sent', (w) => w)),
  // Agora sends both signatures; either one alone still verifies (PROTOCOLS.md §6).
  fc.constantFrom('agora-signature', 'agora-signature-v2').map((name) =>
    mutation('framing', `only the other Agora signature, without ${name}`, (w) => {
      const headers = { ...w.headers };
      delete headers[name];
      return { ...w, headers };
    }),
  ),
  fc.constant(mutation('framing', 'base64-encoded', (w) => ({ ...w, base64: true }))),
  fc.constant(
    mutation('framing', 'upper-case header names', (w) => ({
      ...w,
      headers: Object.fromEntries(Object.entries(w.headers).map(([name, value]) => [name.toUpperCase(), value])),
    })),
  ),
  fc
    .string({ maxLength: 40 })
    .map((junk) =>
      mutation('framing', 'extra query', (w) => ({ ...w, query: `${w.query}&x=${encodeURIComponent(junk)}` })),
    ),
  fc.constant(
    mutation('framing', 'oversized header', (w) => ({ ...w, headers: { ...w.headers, 'x-big': 'x'.repeat(20_000) } })),
  ),
  fc.constant(mutation('framing', 'oversized query', (w) => ({ ...w, query: `${w.query}&x=${'y'.repeat(9_000)}` }))),
);

const codeMessage = (body: Record<string, unknown>, status: number) =>
  status === 200 ? JSON.stringify(body) === '{"code":0}' : body.code === status && typeof body.message === 'string';
const SHAPES: Record<Endpoint, (body: Record<string, unknown>, status: number) => boolean> = {
  'tencent-im': (body, status) =>
    status === 200
      ? JSON.stringify(body) === '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'
      : body.ActionStatus === 'FAIL' && body.ErrorCode === status && typeof body.ErrorInfo === 'string',
  'tencent-trtc': codeMessage,
  'tencent-gme': codeMessage,
  'huawei-sparkrtc': (body, status) =>
    status === 200
      ? JSON.stringify(body) === '{"status":1,"result":"success"}'
      : body.status === 0 && typeof body.result === 'string',
  agora: codeMessage,
  livekit: codeMessage,
};

let stack: Awaited<ReturnType<typeof useLocalStack>>;
let ingest: (event: ReturnType<typeof toApiGatewayEvent>) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await useLocalStack();
  ingest = (await import('../../functions/ingest')).handler;
});

/** Receives everything on the real queue and verifies each message again: nothing unverified may be there. */
async function drainAndReverify(): Promise<{ queued: number; unverified: number }> {
  const apps = await loadDevApps();
  const providers = createProviderRegistry();
  let queued = 0;
  let unverified = 0;
  for (;;) {
    const { Messages: messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.stack.queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (messages.length === 0) return { queued, unverified };
    for (const message of messages) {
      queued += 1;
      const callback = decodeQueuedCallback(message.Body ?? '');
      try {
        providers.get(callback.endpoint)?.authenticate(
          {
            endpoint: callback.endpoint,
            body: Buffer.from(callback.body),
            headers: callback.headers,
            query: callback.query,
            receivedAt: callback.receivedAt,
          },
          { apps, body: () => parseJsonObject(callback.body) },
        );
      } catch {
        unverified += 1;
      }
    }
    await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: stack.stack.queueUrl,
        Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
}

describe.each(ENDPOINTS)('fuzzing %s through the real ingest handler and queue', (endpoint) => {
  it(`answers every case in the vendor shape, never 5xx, never throws, and queues nothing unverified (${CASES} cases)`, async () => {
    await stack.purge();
    const appId = (
      {
        'tencent-im': DEV_APPS.trtcSigned,
        'tencent-trtc': DEV_APPS.trtcSigned,
        'tencent-gme': DEV_APPS.gme,
        'huawei-sparkrtc': DEV_APPS.sparkrtc,
        agora: AGORA_DEV_APP,
        livekit: LIVEKIT_DEV_APP,
      } satisfies Record<Endpoint, string>
    )[endpoint];
    const key = await devKeyFor({ name: '', endpoint, appId, body: '' });
    const tally = { cases: 0, accepted: 0, forged: 0, forgedAccepted: 0, byStatus: {} as Record<number, number> };
    await fc.assert(
      fc.asyncProperty(BASES[endpoint], MUTATIONS, async (base, change) => {
        const sign = (body: Buffer): Wire => {
          const signed = signCallback(
            { endpoint, query: new URLSearchParams(base.query).toString(), headers: {}, body },
            { appId, key, now: Date.now() },
          );
          return { body, headers: { ...signed.headers }, query: signed.query, base64: false };
        };
        const original = sign(Buffer.from(base.body));
        const wire = change.apply(original, sign);
        // Chat signs the query only; the others sign the body, and SparkRTC its rand and timestamp too.
        const signedMaterialChanged =
          endpoint === 'tencent-im'
            ? wire.query !== original.query
            : !wire.body.equals(original.body) || JSON.stringify(wire.headers) !== JSON.stringify(original.headers);
        const forged = change.kind === 'forgery' && signedMaterialChanged;
        const text = wire.body.toString('utf8');
        const sendAsBase64 = wire.base64 || !Buffer.from(text, 'utf8').equals(wire.body);

        const result = await ingest(
          toApiGatewayEvent({
            method: 'POST',
            rawPath: `/callbacks/${endpoint}`,
            rawQueryString: wire.query,
            headers: wire.headers,
            body: sendAsBase64 ? wire.body.toString('base64') : text,
            isBase64Encoded: sendAsBase64,
          }),
        );
        const status = result.statusCode ?? 0;
        tally.cases += 1;
        tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
        if (status === 200) tally.accepted += 1;
        if (forged) tally.forged += 1;
        if (forged && status === 200) tally.forgedAccepted += 1;
        const context = `${change.kind} "${change.name}" → ${status} ${result.body}`;
        expect(ALLOWED_STATUSES.has(status), context).toBe(true);
        expect(SHAPES[endpoint](JSON.parse(result.body ?? 'null'), status), context).toBe(true);
        expect(forged && status === 200, `accepted a forgery: ${context}`).toBe(false);
        // Verified garbage is judged on content: 400, or 403 when the body now names another app (GME, SparkRTC).
        if (change.kind === 'resigned') expect([200, 400, 403], context).toContain(status);
      }),
      { numRuns: CASES },
    );
    const queue = await drainAndReverify();
    expect(queue.unverified).toBe(0);
    expect(queue.queued).toBeLessThanOrEqual(tally.accepted);
    recordFigures(`fuzz ${endpoint}`, { ...tally, queued: queue.queued, queuedUnverified: queue.unverified });
  });
});
