import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from '../../../console/page/route';
import { layoutTimeline } from '../../../console/page/timeline';
import { summarizeDeadLetter } from '../../../console/server/dead-letters';
import { encodeQueuedCallback } from '../../../lib/model/queued-callback';
import { deadLetterQueuesOf } from '../../../tools/console/deployed-backend';

describe('console routes', () => {
  it('parses every view of the shareable URLs and writes them back the same', () => {
    const hashes = [
      '#/recordings?platform=trtc&appId=1400000001&status=stopped&stale=true&room=r+1',
      '#/recording/trtc/1400000001/task%2F1',
      '#/stale',
      '#/dead-letters',
      '#/webhooks?endpoint=backend&status=failed',
      '#/webhooks?endpoint=backend&limit=10&cursor=abc',
    ];
    for (const hash of hashes) expect(routeHash(parseRoute(hash))).toBe(hash);
    expect(parseRoute('')).toEqual({ view: 'recordings', params: expect.objectContaining({ platform: undefined }) });
    expect(parseRoute('#/recording/trtc/1400000001/task%2F1')).toMatchObject({ taskId: 'task/1' });
    expect(parseRoute('#/recordings?limit=500')).toMatchObject({ params: { limit: undefined } });
    expect(parseRoute('#/nope')).toEqual({ view: 'not-found', hash: '#/nope' });
  });
});

describe('timeline layout', () => {
  const event = (eventType: string, occurredAt: string | null, id: string) => ({
    eventType,
    occurredAt,
    appliedAt: '2026-01-01T00:10:00.000Z',
    eventId: id,
  });

  it('one mark per event, titled with its type exactly and its time; marks at one instant in separate rows', () => {
    const events = [
      event('301', '2026-01-01T00:00:00.000Z', 'a'),
      event('307', '2026-01-01T00:00:00.000Z', 'b'),
      event('recorder_leave', null, 'c'),
    ];
    const layout = layoutTimeline(events, 'completed');
    expect(layout.marks.map((mark) => mark.title)).toEqual([
      '301 at 2026-01-01T00:00:00.000Z',
      '307 at 2026-01-01T00:00:00.000Z',
      'recorder_leave at 2026-01-01T00:10:00.000Z',
    ]);
    expect(layout.marks[0]?.x).toBe(layout.marks[1]?.x);
    expect(layout.marks[0]?.y).not.toBe(layout.marks[1]?.y);
    expect(layout.bands.map((band) => band.status)).toEqual(['recording', 'completed']);
    for (const band of layout.bands) for (const { eventType } of events) expect(band.title).not.toContain(eventType);
    for (const mark of layout.marks) expect(mark.x).toBeGreaterThanOrEqual(0);
  });

  it('a recording still recording is one band to the end; no events, nothing drawn', () => {
    expect(layoutTimeline([event('1', '2026-01-01T00:00:00.000Z', 'a')], 'recording').bands).toHaveLength(1);
    expect(layoutTimeline([], 'recording')).toMatchObject({ marks: [], bands: [] });
  });
});

describe('dead letters as the console shows them', () => {
  it('a queued callback shows endpoint, app and time, never its body, query or headers', () => {
    const body = encodeQueuedCallback({
      version: 1,
      endpoint: 'tencent-im',
      appId: '1400000001',
      receivedAt: Date.parse('2026-01-01T00:00:00Z'),
      query: { Sign: 'query-signature-value' },
      headers: { sign: 'header-signature-value' },
      body: '{"secret":"body-value"}',
    });
    const summary = summarizeDeadLetter({ id: 'm', body, sentTimestamp: '1767225600000', receiveCount: '5' });
    expect(summary).toEqual({
      id: 'm',
      sentAt: '2026-01-01T00:00:00.000Z',
      receiveCount: 5,
      source: 'callback tencent-im',
      appId: '1400000001',
      recording: null,
      time: '2026-01-01T00:00:00.000Z',
      reason: null,
    });
    expect(JSON.stringify(summary)).not.toMatch(/signature-value|body-value/);
  });

  it('stream failure records name the function and condition; publisher letters their recording; junk says so', () => {
    expect(
      summarizeDeadLetter({
        id: 's',
        body: JSON.stringify({
          requestContext: {
            functionArn: 'arn:aws:lambda:eu-west-1:1:function:svc-prod-project',
            condition: 'RetryAttemptsExhausted',
          },
          DDBStreamBatchInfo: { approximateArrivalOfFirstRecord: '2026-01-01T00:00:00Z' },
        }),
      }),
    ).toMatchObject({
      source: 'function svc-prod-project',
      reason: 'RetryAttemptsExhausted',
      time: '2026-01-01T00:00:00.000Z',
    });
    expect(
      summarizeDeadLetter({
        id: 'p',
        body: JSON.stringify({
          source: 'publish',
          reason: 'detail too large',
          keys: { pk: 'REC#gme#140#77', sk: 'S' },
        }),
      }),
    ).toMatchObject({ source: 'function publish', appId: '140', recording: 'gme 140 77', reason: 'detail too large' });
    expect(summarizeDeadLetter({ id: 'x', body: 'not json' })).toMatchObject({ source: 'unreadable message' });
  });

  it('a webhook delivery shows endpoint, recording, time and reason, never its body; an envelope its event', () => {
    const data = { id: 'evt-1', platform: 'trtc', appId: '1400000001', taskId: 't-1', status: 'stopped' };
    const body = JSON.stringify({ type: 'recording.status_changed', timestamp: '2026-01-01T00:00:00.000Z', data });
    const summary = summarizeDeadLetter({
      id: 'w',
      body: JSON.stringify({
        endpointId: 'backend',
        webhookId: 'evt-1',
        body,
        reason: '8 attempts failed, the last: HTTP 500',
      }),
      receiveCount: '1',
    });
    expect(summary).toMatchObject({
      source: 'webhook backend',
      appId: '1400000001',
      recording: 'trtc 1400000001 t-1',
      time: '2026-01-01T00:00:00.000Z',
      reason: '8 attempts failed, the last: HTTP 500',
    });
    expect(JSON.stringify(summary)).not.toContain('stopped');
    expect(
      summarizeDeadLetter({
        id: 'e',
        body: JSON.stringify({
          version: '0',
          source: 'rtc-recording-callbacks',
          'detail-type': 'Recording Stale',
          time: '2026-01-01T00:00:00Z',
          detail: data,
        }),
      }),
    ).toMatchObject({ source: 'event Recording Stale', recording: 'trtc 1400000001 t-1', reason: null });
  });
});

describe('the deployed stack as the console sees it', () => {
  it('lists every dead-letter queue in order; the callback and webhook DLQs redrive, the stream DLQs do not', () => {
    const queues = deadLetterQueuesOf({
      PublicationDeadLetterQueue: 'https://sqs/pub-dlq',
      WebhookDeliveryQueue: 'https://sqs/delivery',
      WebhookDeadLetterQueue: 'https://sqs/webhook-dlq',
      CallbackQueue: 'https://sqs/callbacks',
      CallbackDeadLetterQueue: 'https://sqs/callback-dlq',
      ProjectionDeadLetterQueue: 'https://sqs/projection-dlq',
      WebhookFanoutQueue: 'https://sqs/fanout',
    });
    expect(queues.map((queue) => [queue.name, queue.label, queue.url, queue.redriveTo?.url ?? null])).toEqual([
      ['callbacks', 'Callback DLQ', 'https://sqs/callback-dlq', 'https://sqs/callbacks'],
      ['projection', 'Projection DLQ', 'https://sqs/projection-dlq', null],
      ['webhooks', 'Webhook DLQ', 'https://sqs/webhook-dlq', 'https://sqs/delivery'],
      ['publication', 'Publication DLQ', 'https://sqs/pub-dlq', null],
    ]);
    expect(queues.find((queue) => queue.name === 'webhooks')?.redriveTo?.label).toBe('the webhook delivery queue');
  });
});
