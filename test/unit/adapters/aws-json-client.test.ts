import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsRequestError, createAwsJsonClient } from '../../../lib/adapters/aws-json-client';
import { createSqsClient, SqsCallbackQueue } from '../../../lib/adapters/sqs-callback-queue';
import { createAppsLoader } from '../../../lib/config/load-apps';
import { createCachedParameterReader, createSsmClient } from '../../../lib/config/ssm-parameter';
import { QueueUnavailableError } from '../../../lib/errors';
import { type AwsAnswer, expectedSigV4, startFakeAwsJsonServer } from '../../helpers/fake-aws-json-server';

const CREDENTIALS = {
  accessKeyId: 'AKIDTESTHOTPATH',
  secretAccessKey: 'test-secret-access-key-do-not-log',
  sessionToken: 'test-session-token',
};
const APPS_TEXT = JSON.stringify({ apps: [{ platform: 'gme', appId: '1400000000', secretKey: 'gme-secret' }] });

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
  vi.restoreAllMocks();
});

async function fakeService(answer: (index: number) => AwsAnswer) {
  let index = 0;
  const server = await startFakeAwsJsonServer({
    secretAccessKey: CREDENTIALS.secretAccessKey,
    answer: () => answer(index++),
  });
  closers.push(server.close);
  return server;
}

const ssmValue = (value: string): AwsAnswer => ({ status: 200, body: { Parameter: { Name: 'p', Value: value } } });

describe('the SigV4 reference used by the fake services', () => {
  it('reproduces the example signature of the AWS documentation (IAM ListUsers)', () => {
    // docs.aws.amazon.com/general/latest/gr/sigv4-signed-request-examples.html (2015-08-30 example).
    const signature = expectedSigV4({
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        host: 'iam.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
      },
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      body: '',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      amzDate: '20150830T123600Z',
      scope: '20150830/us-east-1/iam/aws4_request',
    });
    expect(signature).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });
});

describe('SSM GetParameter over signed JSON', () => {
  it('sends a SigV4-signed AmazonSSM.GetParameter with decryption and the session token', async () => {
    const ssm = await fakeService(() => ssmValue(APPS_TEXT));
    const getParameter = createCachedParameterReader(
      createSsmClient({ endpoint: ssm.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
    );
    expect(await getParameter('/rtc/apps', { maxAge: 300 })).toBe(APPS_TEXT);
    const [request] = ssm.received;
    expect(request).toMatchObject({
      target: 'AmazonSSM.GetParameter',
      // SSM's API model is awsJson1_1 (SQS's is awsJson1_0), as the SDK sends it.
      contentType: 'application/x-amz-json-1.1',
      input: { Name: '/rtc/apps', WithDecryption: true },
      signatureValid: true,
    });
    expect(request?.headers.authorization).toMatch(/Credential=AKIDTESTHOTPATH\/\d{8}\/eu-west-1\/ssm\/aws4_request/);
    expect(request?.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
    expect(request?.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
  });

  it('refuses a wrong secret: the fake notices, so the check is real', async () => {
    const ssm = await fakeService(() => ssmValue(APPS_TEXT));
    const client = createSsmClient({
      endpoint: ssm.endpoint,
      region: 'eu-west-1',
      credentials: { ...CREDENTIALS, secretAccessKey: 'another-secret' },
    });
    await client.call('GetParameter', { Name: 'x', WithDecryption: true });
    expect(ssm.received[0]?.signatureValid).toBe(false);
  });

  it('caches for maxAge like Powertools Parameters, then fetches again; a failed refetch throws', async () => {
    const ssm = await fakeService((index) =>
      index === 0
        ? ssmValue('one')
        : index === 1
          ? ssmValue('two')
          : { status: 400, body: { __type: 'AccessDeniedException' } },
    );
    const getParameter = createCachedParameterReader(
      createSsmClient({ endpoint: ssm.endpoint, region: 'us-east-1', credentials: CREDENTIALS }),
    );
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    expect(await getParameter('p', { maxAge: 300 })).toBe('one');
    now += 300_000; // exactly maxAge: still fresh (Powertools expires when ttl < now)
    expect(await getParameter('p', { maxAge: 300 })).toBe('one');
    expect(ssm.received).toHaveLength(1);
    now += 1;
    expect(await getParameter('p', { maxAge: 300 })).toBe('two');
    now += 300_001;
    await expect(getParameter('p', { maxAge: 300 })).rejects.toMatchObject({ code: 'AccessDeniedException' });
    expect(ssm.received).toHaveLength(3);
  });

  it('caches nothing with maxAge 0', async () => {
    const ssm = await fakeService(() => ssmValue('v'));
    const getParameter = createCachedParameterReader(
      createSsmClient({ endpoint: ssm.endpoint, region: 'us-east-1', credentials: CREDENTIALS }),
    );
    await getParameter('p', { maxAge: 0 });
    await getParameter('p', { maxAge: 0 });
    expect(ssm.received).toHaveLength(2);
  });

  it('feeds the apps loader, which validates the document once per distinct text', async () => {
    const ssm = await fakeService(() => ssmValue(APPS_TEXT));
    const loadApps = createAppsLoader({
      parameterName: '/rtc/apps',
      getParameter: createCachedParameterReader(
        createSsmClient({ endpoint: ssm.endpoint, region: 'us-east-1', credentials: CREDENTIALS }),
      ),
    });
    expect((await loadApps()).find('gme', '1400000000')?.appId).toBe('1400000000');
  });

  it('reads AWS_ENDPOINT_URL_SSM, AWS_REGION and the Lambda credentials from the environment', async () => {
    const ssm = await fakeService(() => ssmValue(APPS_TEXT));
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.endpoint);
    vi.stubEnv('AWS_REGION', 'ap-southeast-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', CREDENTIALS.sessionToken);
    try {
      const loadApps = createAppsLoader({ parameterName: '/rtc/apps' });
      await loadApps();
    } finally {
      vi.unstubAllEnvs();
    }
    expect(ssm.received[0]?.signatureValid).toBe(true);
    expect(ssm.received[0]?.headers.authorization).toContain('/ap-southeast-1/ssm/aws4_request');
  });
});

describe('retries, timeouts and errors', () => {
  const client = (endpoint: string, overrides = {}) =>
    createAwsJsonClient({
      service: 'ssm',
      targetPrefix: 'AmazonSSM',
      jsonVersion: '1.1',
      region: 'us-east-1',
      endpoint,
      credentials: CREDENTIALS,
      ...overrides,
    });

  it.each([
    ['a 5xx', { status: 500, body: { __type: 'InternalServerError', message: 'boom' } }],
    ['throttling (400 ThrottlingException)', { status: 400, body: { __type: 'ThrottlingException' } }],
    ['429', { status: 429, body: {} }],
  ] as const)('retries %s with backoff, then succeeds', async (_name, failure) => {
    const service = await fakeService((index) => (index < 2 ? failure : ssmValue('ok')));
    expect(await client(service.endpoint).call('GetParameter', { Name: 'p' })).toMatchObject({
      Parameter: { Value: 'ok' },
    });
    expect(service.received).toHaveLength(3);
  });

  it('gives up after maxAttempts, with the code and status', async () => {
    const service = await fakeService(() => ({
      status: 503,
      body: { __type: 'com.amazonaws.sqs#ServiceUnavailable' },
    }));
    const error = await client(service.endpoint)
      .call('GetParameter', { Name: 'p' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error).toMatchObject({ code: 'ServiceUnavailable', status: 503, attempts: 3 });
    expect(service.received).toHaveLength(3);
  });

  it('does not retry a client error', async () => {
    const service = await fakeService(() => ({ status: 400, body: { __type: 'ParameterNotFound', message: 'no' } }));
    await expect(client(service.endpoint).call('GetParameter', { Name: 'p' })).rejects.toMatchObject({
      code: 'ParameterNotFound',
      retryable: false,
    });
    expect(service.received).toHaveLength(1);
  });

  it('abandons an attempt that hangs, and the whole call within its total timeout', async () => {
    const service = await fakeService(() => 'hang');
    const started = Date.now();
    await expect(
      client(service.endpoint, { attemptTimeoutMs: 100, totalTimeoutMs: 250 }).call('GetParameter', { Name: 'p' }),
    ).rejects.toMatchObject({ code: 'RequestTimeout', status: 0 });
    expect(Date.now() - started).toBeLessThan(600);
    expect(service.received.length).toBeGreaterThanOrEqual(2);
  });

  it('retries a refused connection, and says so without any secret', async () => {
    const service = await fakeService(() => ssmValue('x'));
    await service.close();
    closers = [];
    const error = (await client(service.endpoint)
      .call('GetParameter', { Name: 'p' })
      .catch((caught: unknown) => caught)) as AwsRequestError;
    expect(error).toMatchObject({ code: 'NetworkError', attempts: 3 });
    const text = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    for (const secret of Object.values(CREDENTIALS)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/Signature=/);
  });
});

describe('SqsCallbackQueue over signed JSON', () => {
  const callback = {
    version: 1,
    endpoint: 'tencent-gme',
    appId: '1',
    receivedAt: 0,
    query: {},
    headers: {},
    body: '{}',
  } as const;

  it('sends AmazonSQS.SendMessage to the queue URL and checks the MD5 SQS returns', async () => {
    const { createHash } = await import('node:crypto');
    const sqs = await fakeService(() => ({ status: 200, body: {} }));
    const queueUrl = `${sqs.endpoint}/000000000000/callbacks`;
    const client = createSqsClient(queueUrl, { region: 'us-east-1', credentials: CREDENTIALS });
    // SQS answers the MD5 of the body it stored; a wrong one is not an acknowledgement.
    await expect(new SqsCallbackQueue({ client, queueUrl }).send(callback)).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
    const [request] = sqs.received;
    expect(request).toMatchObject({
      target: 'AmazonSQS.SendMessage',
      signatureValid: true,
      input: { QueueUrl: queueUrl },
    });
    const md5 = createHash('md5').update(String(request?.input.MessageBody)).digest('hex');
    const good = await fakeService(() => ({ status: 200, body: { MessageId: 'm', MD5OfMessageBody: md5 } }));
    const goodUrl = `${good.endpoint}/000000000000/callbacks`;
    await new SqsCallbackQueue({
      client: createSqsClient(goodUrl, { region: 'us-east-1', credentials: CREDENTIALS }),
      queueUrl: goodUrl,
    }).send(callback);
    expect(good.received).toHaveLength(1);
  });
});
