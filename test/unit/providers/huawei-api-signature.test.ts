import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { signHuaweiApiRequest } from '../../../lib/providers/huawei-api-signature';

interface AkSkSigner {
  sign(
    request: { endpoint: string; method: string; headers: Record<string, string>; data: unknown; queryParams: object },
    credential: { getAk(): string; getSk(): string },
  ): Record<string, string>;
}
/** Huawei's own signer (a devDependency): the reference ours must equal. */
const { AKSKSigner } = createRequire(import.meta.url)('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: AkSkSigner;
};

const KEYS = { accessKey: 'AKEXAMPLE0123456789', secretKey: 'sparkrtc-api-sk-0123456789abcdef' };
const NOW = Date.UTC(2023, 10, 14, 22, 13, 20, 456);

function huaweiReference(url: string, method: string, headers: Record<string, string>, data: unknown) {
  return AKSKSigner.sign(
    { endpoint: url, method, headers: { ...headers, 'X-Sdk-Date': '20231114T221320Z' }, data, queryParams: {} },
    { getAk: () => KEYS.accessKey, getSk: () => KEYS.secretKey },
  );
}

describe('SDK-HMAC-SHA256 (Huawei AK/SK signing)', () => {
  const headers = { 'Content-Type': 'application/json', 'X-Project-Id': 'project-0123' };

  it.each([
    ['the public host', 'https://rtc-api.myhuaweicloud.com/v2/apps/5fcdf5651/mix-stream-jobs/608196a2fa1'],
    ['a fake on a port (Host keeps it)', 'http://127.0.0.1:4599/v2/apps/app-1/individual-stream-jobs/job_1.2~3'],
  ])('equals AKSKSigner for a job query (GET, no body) on %s', (_name, url) => {
    const ours = signHuaweiApiRequest({ method: 'GET', url: new URL(url), headers, body: '', ...KEYS, now: NOW });
    const reference = huaweiReference(url, 'GET', headers, undefined);
    expect(ours['X-Sdk-Date']).toBe('20231114T221320Z');
    expect(ours.Authorization).toBe(reference.Authorization);
    expect(ours.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AKEXAMPLE0123456789, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('equals AKSKSigner for the record-callback registration (PUT, JSON body)', () => {
    const url = 'https://rtc-api.myhuaweicloud.com/v2/apps/5fcdf5651/record-callback';
    const payload = { url: 'https://example.com/callbacks/huawei-sparkrtc', auth_key: 'k'.repeat(40) };
    const ours = signHuaweiApiRequest({
      method: 'PUT',
      url: new URL(url),
      headers,
      body: JSON.stringify(payload),
      ...KEYS,
      now: NOW,
    });
    expect(ours.Authorization).toBe(huaweiReference(url, 'PUT', headers, payload).Authorization);
  });

  it('returns the headers to send: Host is left to fetch', () => {
    const url = new URL('https://rtc-api.myhuaweicloud.com/v2/apps/a/mix-stream-jobs/j');
    const sent = signHuaweiApiRequest({ method: 'GET', url, headers, body: '', ...KEYS, now: NOW });
    expect(Object.keys(sent).sort()).toEqual(['Authorization', 'Content-Type', 'X-Project-Id', 'X-Sdk-Date']);
  });

  it('refuses a URL with a query string rather than sign it wrongly', () => {
    const url = new URL('https://rtc-api.myhuaweicloud.com/v2/apps/a/jobs?offset=1');
    expect(() => signHuaweiApiRequest({ method: 'GET', url, headers, body: '', ...KEYS, now: NOW })).toThrow(
      /without a query string/,
    );
  });
});
