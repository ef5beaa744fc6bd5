import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sparkRtcBody } from '../../fixtures/samples';
import { signTestRequest } from '../../fixtures/sign-test-request';
import { EXIT, generateAuthKey, runRegisterCli } from '../../tools/sparkrtc/register-cli';
import { uniqueId, useLocalStack } from './local-stack';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A fake of SparkRTC's record-callback API, answering exactly as the vendor's API page documents (PROTOCOLS.md §4), chosen by app id. */
function startFakeVendor(): Promise<{ server: Server; endpoint: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    const appId = decodeURIComponent((request.url ?? '').split('/')[3] ?? '');
    const answer = (status: number, payload: unknown, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'X-request-Id': `req-${appId}` });
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const sent = JSON.parse(body || '{}');
    const subscription = ['RECORD_NEW_FILE_START', 'RECORD_FILE_COMPLETE', 'RTC_USER_ROLE_CHANGED'];
    const ok = (events: string[]) =>
      answer(200, {
        app_id: appId,
        record_callback: {
          url: sent.url,
          auth_key: sent.auth_key,
          notify_event_subscription: events,
          update_time: '2020-07-26T07:53:05.075Z',
        },
      });
    if (appId === 'bad-app') return answer(400, { error_code: 'RTC.00001003', error_msg: 'InvalidParameterValue' });
    if (appId === 'missing-app') return answer(404, { error_code: 'RTC.00001003', error_msg: 'InvalidParameterValue' });
    if (appId === 'broken-app') return answer(500, { error_code: 'RTC.00002001', error_msg: 'InternalError' });
    if (appId === 'html-app') return answer(200, '<html>gateway</html>', 'text/html');
    if (appId === 'slow-app') return; // never answers
    if (appId === 'partial-app') return ok(['RECORD_NEW_FILE_START']);
    return ok(subscription);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }),
    ),
  );
}

let vendor: Awaited<ReturnType<typeof startFakeVendor>>;
let output: { out: string[]; err: string[] };
const io = {
  out: (line: string) => output.out.push(line),
  err: (line: string) => output.err.push(line),
};
const KEY = 'k'.repeat(40);
const run = (...args: string[]) =>
  runRegisterCli(
    ['--endpoint', vendor.endpoint, '--url', 'https://callbacks.example.com/callbacks/huawei-sparkrtc', ...args],
    io,
  );
const printed = () => [...output.out, ...output.err].join('\n');

beforeAll(async () => {
  vendor = await startFakeVendor();
});
afterAll(() => {
  vendor.server.closeAllConnections();
  vendor.server.close();
});
beforeEach(() => {
  output = { out: [], err: [] };
  vendor.received.length = 0;
});

describe('npm run register:sparkrtc', () => {
  it('is wired to the CLI: --help exits 0, a bad argument exits 2 with usage', () => {
    const help = spawnSync('npm', ['run', '--silent', 'register:sparkrtc', '--', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run register:sparkrtc');
    const bad = spawnSync('npm', ['run', '--silent', 'register:sparkrtc', '--', '--url', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--app-id is required');
  });
});

describe('register:sparkrtc against a fake of the vendor API', () => {
  it('sends PUT /v2/apps/{app_id}/record-callback with the token and {url, auth_key}, and prints the 200 answer', async () => {
    expect(await run('--app-id', 'ok-app', '--auth-key', KEY, '--token', 'tok-123')).toBe(EXIT.ok);
    expect(vendor.received).toHaveLength(1);
    const [request] = vendor.received as [Received];
    expect(request.method).toBe('PUT');
    expect(request.url).toBe('/v2/apps/ok-app/record-callback');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-auth-token']).toBe('tok-123');
    expect(JSON.parse(request.body)).toEqual({
      url: 'https://callbacks.example.com/callbacks/huawei-sparkrtc',
      auth_key: KEY,
    });
    expect(printed()).toContain('app_id: ok-app');
    expect(printed()).toContain('url: https://callbacks.example.com/callbacks/huawei-sparkrtc');
    expect(printed()).toContain(
      'notify_event_subscription: RECORD_NEW_FILE_START, RECORD_FILE_COMPLETE, RTC_USER_ROLE_CHANGED',
    );
    expect(printed()).toContain('update_time: 2020-07-26T07:53:05.075Z');
    expect(printed()).toContain('X-request-Id: req-ok-app');
    expect(printed()).not.toContain(KEY);
  });

  it('signs with AK/SK through Huawei SDK core (SDK-HMAC-SHA256), verifiably', async () => {
    expect(
      await run(
        '--app-id',
        'ok-app',
        '--auth-key',
        KEY,
        '--ak',
        'AKEXAMPLE',
        '--sk',
        'sk-secret',
        '--project-id',
        'proj-1',
      ),
    ).toBe(EXIT.ok);
    const [request] = vendor.received as [Received];
    expect(request.headers['x-project-id']).toBe('proj-1');
    expect(request.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers['x-auth-token']).toBeUndefined();
    const authorization = request.headers.authorization ?? '';
    expect(authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
    // Recompute the signature the way the vendor gateway would, from what arrived.
    const { AKSKSigner } = createRequire(import.meta.url)('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');
    const expected = AKSKSigner.sign(
      {
        endpoint: `${vendor.endpoint}${request.url}`,
        method: 'PUT',
        headers: {
          'Content-Type': 'application/json',
          'X-Project-Id': 'proj-1',
          'X-Sdk-Date': request.headers['x-sdk-date'],
        },
        data: JSON.parse(request.body),
        queryParams: {},
      },
      { getAk: () => 'AKEXAMPLE', getSk: () => 'sk-secret' },
    );
    expect(authorization).toBe(expected.Authorization);
    expect(printed()).not.toContain('sk-secret');
  });

  it.each([
    ['bad-app', 400, EXIT.badRequest, 'RTC.00001003', 'InvalidParameterValue'],
    ['missing-app', 404, EXIT.notFound, 'RTC.00001003', 'InvalidParameterValue'],
    ['broken-app', 500, EXIT.serverError, 'RTC.00002001', 'InternalError'],
  ])(
    '%s: HTTP %i prints error_code, error_msg and X-request-Id, and exits %i',
    async (appId, status, code, errorCode, errorMsg) => {
      expect(await run('--app-id', appId, '--auth-key', KEY, '--token', 't')).toBe(code);
      expect(output.err.join('\n')).toContain(`HTTP ${status}`);
      expect(output.err.join('\n')).toContain(`error_code: ${errorCode}`);
      expect(output.err.join('\n')).toContain(`error_msg: ${errorMsg}`);
      expect(output.err.join('\n')).toContain(`X-request-Id: req-${appId}`);
    },
  );

  it('warns when the subscription lacks RECORD_FILE_COMPLETE', async () => {
    expect(await run('--app-id', 'partial-app', '--auth-key', KEY, '--token', 't')).toBe(EXIT.ok);
    expect(output.err.join('\n')).toContain('warning: the subscription lacks RECORD_FILE_COMPLETE');
  });

  it('says so clearly for a non-JSON answer, a timeout and an unreachable endpoint', async () => {
    expect(await run('--app-id', 'html-app', '--auth-key', KEY, '--token', 't')).toBe(EXIT.badAnswer);
    expect(output.err.join('\n')).toContain('HTTP 200 with the answer is not JSON: <html>gateway</html>');
    expect(await run('--app-id', 'slow-app', '--auth-key', KEY, '--token', 't', '--timeout-ms', '300')).toBe(
      EXIT.unreachable,
    );
    expect(output.err.join('\n')).toContain('no answer from');
    const closed = await runRegisterCli(
      [
        '--endpoint',
        'http://127.0.0.1:9',
        '--url',
        'https://x.example.com/',
        '--app-id',
        'a',
        '--auth-key',
        KEY,
        '--token',
        't',
      ],
      io,
    );
    expect(closed).toBe(EXIT.unreachable);
    expect(output.err.join('\n')).toContain('cannot reach http://127.0.0.1:9');
  });

  it.each([
    [['--auth-key', KEY, '--token', 't'], '--app-id is required'],
    [['--app-id', '  ', '--auth-key', KEY, '--token', 't'], '--app-id is required'],
    [['--app-id', 'a', '--auth-key', 'short', '--token', 't'], 'the key must be 32 to 64 characters'],
    [['--app-id', 'a', '--auth-key', 'x'.repeat(65), '--token', 't'], 'the key must be 32 to 64 characters'],
    [['--app-id', 'a', '--token', 't'], 'give --auth-key KEY or --generate-key'],
    [['--app-id', 'a', '--auth-key', KEY, '--generate-key', '--token', 't'], 'not both'],
    [['--app-id', 'a', '--generate-key', '--token', 't'], 'the new key would be lost'],
    [['--app-id', 'a', '--auth-key', KEY], 'authenticate with --token'],
    [['--app-id', 'a', '--auth-key', KEY, '--ak', 'x', '--sk', 'y'], 'authenticate with --token'],
    [
      ['--app-id', 'a', '--auth-key', KEY, '--token', 't', '--ak', 'x', '--sk', 'y', '--project-id', 'p'],
      'authenticate with --token',
    ],
    [['--app-id', 'a', '--auth-key', KEY, '--token', 't', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j before any request, with usage', async (args, message) => {
    expect(await run(...args)).toBe(EXIT.usage);
    expect(output.err.join('\n')).toContain(message);
    expect(output.err.join('\n')).toContain('usage: npm run register:sparkrtc');
    expect(vendor.received).toHaveLength(0);
  });

  it('refuses a callback URL that is not http(s)', async () => {
    const code = await runRegisterCli(
      ['--endpoint', vendor.endpoint, '--url', 'ftp://x', '--app-id', 'a', '--auth-key', KEY, '--token', 't'],
      io,
    );
    expect(code).toBe(EXIT.usage);
    expect(output.err.join('\n')).toContain('--url must be an http:// or https:// URL');
  });

  it('generates 48-character keys from a secure source, all different', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateAuthKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9]{48}$/);
  });

  it('--show-key prints the key', async () => {
    expect(await run('--app-id', 'ok-app', '--auth-key', KEY, '--token', 't', '--show-key')).toBe(EXIT.ok);
    expect(printed()).toContain(`auth_key: ${KEY}`);
  });
});

describe('--write-apps, and the registered key verifying through ingest', () => {
  it('adds the entry, then rotates: new key first, previous kept, other entries untouched', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apps-')), 'apps.json');
    const others = [{ platform: 'gme', appId: '1400000000', secretKey: 'gme-key' }];
    writeFileSync(file, JSON.stringify({ apps: others }));

    expect(await run('--app-id', 'ok-app', '--auth-key', KEY, '--token', 't', '--write-apps', file)).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(file, 'utf8')).apps).toEqual([
      ...others,
      { platform: 'sparkrtc', appId: 'ok-app', authKey: [KEY] },
    ]);

    const next = 'n'.repeat(48);
    expect(await run('--app-id', 'ok-app', '--auth-key', next, '--token', 't', '--write-apps', file)).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(file, 'utf8')).apps).toEqual([
      ...others,
      { platform: 'sparkrtc', appId: 'ok-app', authKey: [next, KEY] },
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(printed()).toContain('aws ssm put-parameter');
    expect(printed()).not.toContain(next);
  });

  it('leaves the apps file alone when the vendor refuses', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apps-')), 'apps.json');
    writeFileSync(file, '{"apps":[]}');
    expect(await run('--app-id', 'bad-app', '--generate-key', '--token', 't', '--write-apps', file)).toBe(
      EXIT.badRequest,
    );
    expect(readFileSync(file, 'utf8')).toBe('{"apps":[]}');
  });

  it('reports an apps file it cannot update, after registering', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apps-')), 'apps.json');
    writeFileSync(file, '{"apps": [{"platform": "gme", "appId": "1"}]}'); // invalid: no secretKey
    expect(await run('--app-id', 'ok-app', '--auth-key', KEY, '--token', 't', '--write-apps', file)).toBe(
      EXIT.appsFile,
    );
    expect(output.err.join('\n')).toContain('registered with SparkRTC, but');
    expect(output.err.join('\n')).toContain('"secretKey"');
  });

  it('a generated key, registered and written, verifies a SparkRTC callback end to end', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apps-')), 'apps.json');
    const appId = uniqueId('spark-app');
    expect(await run('--app-id', appId, '--generate-key', '--token', 't', '--write-apps', file)).toBe(EXIT.ok);
    const sentKey = JSON.parse(vendor.received[0]?.body ?? '{}').auth_key as string;
    expect(sentKey).toMatch(/^[A-Za-z0-9]{48}$/);

    // What SparkRTC would now send, signed with the key it was given, through ingest (reading the
    // written apps file), the real queue and process.
    const stack = await useLocalStack();
    const { handleCallback } = await import('../../lib/ingest/handle-callback');
    const { createProviderRegistry } = await import('../../lib/providers/registry');
    const { createAppsLoader } = await import('../../lib/config/load-apps');
    const { SqsCallbackQueue, createSqsClient } = await import('../../lib/adapters/sqs-callback-queue');
    const jobId = uniqueId('job');
    const sample = {
      name: 'spark',
      endpoint: 'huawei-sparkrtc' as const,
      appId,
      body: sparkRtcBody('RECORD_NEW_FILE_START', { jobId, appId }),
    };
    const deps = {
      providers: createProviderRegistry(),
      loadApps: createAppsLoader({ file }),
      queue: new SqsCallbackQueue({ client: createSqsClient(stack.stack.queueUrl), queueUrl: stack.stack.queueUrl }),
      logger: (await import('../../lib/logger')).logger,
      countOutcome: () => {},
    };
    const signed = await handleCallback(signTestRequest(sample, { key: sentKey }), deps);
    expect(signed.answer).toEqual({ statusCode: 200, body: '{"status":1,"result":"success"}' });
    const forged = await handleCallback(signTestRequest(sample, { key: generateAuthKey() }), deps);
    expect(forged.answer.statusCode).toBe(401);
    await stack.drain();
    expect((await stack.get(`/recordings/sparkrtc/${appId}/${jobId}`)).body).toMatchObject({
      status: 'recording',
      eventCount: 1,
    });
  });
});
