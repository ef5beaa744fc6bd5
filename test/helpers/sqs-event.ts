import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** One SQS record as Lambda's event source mapping delivers it. */
export function sqsRecord(body: string, index: number, sentAt = 0): SQSRecord {
  return {
    messageId: `message-${index + 1}`,
    receiptHandle: `receipt-${index + 1}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(sentAt),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:rtc-recording-callbacks',
    awsRegion: 'us-east-1',
  };
}

/** SQS events of up to `batchSize` records, as the event source mapping would deliver them. */
export function toSqsBatches(bodies: readonly string[], batchSize = 10, sentAt = 0): SQSEvent[] {
  const batches: SQSEvent[] = [];
  for (let i = 0; i < bodies.length; i += batchSize) {
    batches.push({ Records: bodies.slice(i, i + batchSize).map((body, j) => sqsRecord(body, i + j, sentAt)) });
  }
  return batches;
}
