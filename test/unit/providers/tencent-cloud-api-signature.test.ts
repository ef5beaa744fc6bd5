import { describe, expect, it } from 'vitest';
import { tc3Authorization } from '../../../lib/providers/tencent-cloud-api-signature';

// Vectors from PROTOCOLS.md §8.1.
describe('TC3-HMAC-SHA256', () => {
  it("reproduces the vendor's own vector (service cvm, the doc's keys with their literal asterisks)", () => {
    const authorization = tc3Authorization({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
      service: 'cvm',
      timestamp: 1551113065,
      body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      signedHeaders: { 'Content-Type': 'application/json; charset=utf-8', Host: 'cvm.tencentcloudapi.com' },
    });
    expect(authorization).toMatch(/Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c$/);
  });

  const trtc = {
    secretId: 'AKIDEXAMPLE0123456789abcdefEXAMPLE',
    secretKey: 'EXAMPLEsecretKey0123456789abcdef',
    service: 'trtc',
    timestamp: 1700000000,
    body: '{"SdkAppId":1400000001,"TaskId":"task-abc123"}',
  };

  it('vector A: DescribeCloudRecording as the SDK signs it (content-type and host)', () => {
    expect(
      tc3Authorization({
        ...trtc,
        signedHeaders: { 'Content-Type': 'application/json', Host: 'trtc.tencentcloudapi.com' },
      }),
    ).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDEXAMPLE0123456789abcdefEXAMPLE/2023-11-14/trtc/tc3_request, ' +
        'SignedHeaders=content-type;host, Signature=0613a6fe79a42f6270e92875385d113f1e9d84e7799a0d7201047e7b24159e38',
    );
  });

  it('vector B: the doc style, with x-tc-action signed and values lower-cased', () => {
    const authorization = tc3Authorization({
      ...trtc,
      signedHeaders: {
        'X-TC-Action': 'DescribeCloudRecording',
        Host: 'trtc.tencentcloudapi.com',
        'Content-Type': 'application/json; charset=utf-8',
      },
    });
    expect(authorization).toContain('SignedHeaders=content-type;host;x-tc-action,');
    expect(authorization).toMatch(/Signature=8df3c64949249fbf8512325a456967f3bf5fb5a4ab0e9a955ab4eee5d24ba9f6$/);
  });

  it('signs the raw bytes: one changed byte of the body changes the signature', () => {
    const headers = { 'Content-Type': 'application/json', Host: 'trtc.tencentcloudapi.com' };
    const a = tc3Authorization({ ...trtc, signedHeaders: headers });
    const b = tc3Authorization({ ...trtc, body: trtc.body.replace('abc', 'abd'), signedHeaders: headers });
    expect(a).not.toBe(b);
  });
});
