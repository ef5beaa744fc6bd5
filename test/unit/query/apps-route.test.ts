import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appRefsOf, createAppRefsLoader } from '../../../lib/config/app-ids';
import { AppsConfigError } from '../../../lib/errors';
import { handleQuery, type QueryStore } from '../../../lib/query/handle-query';

const NO_STORE = {} as QueryStore;
const DEV_APPS_FILE = 'config/apps.local.json';

const getApps = async (listApps?: () => Promise<{ platform: 'trtc'; appId: string }[]>, method = 'GET') => {
  const answer = await handleQuery({ method, rawPath: '/apps', rawQueryString: '' }, NO_STORE, listApps);
  return { status: answer.statusCode, body: JSON.parse(answer.body) as unknown };
};

describe('GET /apps', () => {
  it('lists every app of the dev document by its ids, in document order, and no other field', async () => {
    const listApps = createAppRefsLoader({ file: DEV_APPS_FILE });
    const answer = await handleQuery({ method: 'GET', rawPath: '/apps', rawQueryString: '' }, NO_STORE, listApps);
    const document = JSON.parse(readFileSync(DEV_APPS_FILE, 'utf8')) as { apps: Record<string, unknown>[] };
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      apps: document.apps.map(({ platform, appId }) => ({ platform, appId })),
    });
    // Not one secret value of the document appears in the answer.
    const secrets = document.apps.flatMap((app) =>
      Object.entries(app)
        .filter(([key]) => key !== 'platform' && key !== 'appId' && key !== 'allowUnsigned')
        .flatMap(([, value]) => JSON.stringify(value).match(/[A-Za-z0-9_+/=-]{8,}/g) ?? []),
    );
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(answer.body).not.toContain(secret);
  });

  it('skips entries without a known platform or an app id; a broken document is a 503 that quotes nothing', async () => {
    expect(
      appRefsOf(
        '{"apps":[{"platform":"gme","appId":"1","secretKey":"s"},{"platform":"x","appId":"2"},{"platform":"trtc"}]}',
        'f',
      ),
    ).toEqual([{ platform: 'gme', appId: '1' }]);
    expect(() => appRefsOf('{"apps": [ {"secretKey": "hunter2"', 'f')).toThrow(AppsConfigError);
    expect(() => appRefsOf('{"apps": [ {"secretKey": "hunter2"', 'f')).not.toThrow(/hunter2/);
    const broken = await getApps(async () => {
      throw new AppsConfigError('Invalid apps document f: not valid JSON');
    });
    expect(broken).toEqual({ status: 503, body: { message: 'the apps document is unavailable' } });
  });

  it('is GET only, and a 404 where no app list is wired', async () => {
    expect((await getApps(async () => [], 'POST')).status).toBe(405);
    expect((await getApps(undefined)).status).toBe(404);
    expect(await getApps(async () => [{ platform: 'trtc', appId: '1' }])).toEqual({
      status: 200,
      body: { apps: [{ platform: 'trtc', appId: '1' }] },
    });
  });
});
