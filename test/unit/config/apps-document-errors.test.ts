import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAppsDocumentText } from '../../../lib/config/apps';
import { setSparkRtcAuthKey } from '../../../tools/sparkrtc/update-apps-file';

// A JSON parser's message quotes the source text: an apps document's error must never carry it.
const SECRET = 'fragmentOfAnUnquotedSecret';
const BROKEN_DOCUMENTS = [
  ['an unquoted secret', `{"apps":[{"platform":"trtc","appId":"1400000001","callbackKey":${SECRET}}]}`],
  ['a single-quoted secret', `{"apps":[{"platform":"trtc","appId":"1400000001","callbackKey":'${SECRET}'}]}`],
  ['a secret cut off', `{"apps":[{"platform":"trtc","appId":"1400000001","callbackKey":"${SECRET}`],
  ['a secret then a stray character', `{"apps":[{"platform":"gme","appId":"1","secretKey":"${SECRET}"}x]}`],
] as const;

describe('apps document JSON errors never quote the document', () => {
  it.each(BROKEN_DOCUMENTS)('%s', (_name, text) => {
    let error: unknown;
    try {
      parseAppsDocumentText(text, 'apps.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    const { message, cause, stack } = error as Error;
    expect(message).toMatch(/^Invalid apps document apps\.json: not valid JSON/);
    expect(`${message} ${String(cause)} ${stack}`).not.toContain(SECRET.slice(0, 8));
  });

  it('names the line and column where V8 says the text went wrong', () => {
    expect(() => parseAppsDocumentText('{"apps":\n  [],}', 'apps.json')).toThrow(/at line 2, column 6/);
  });

  it.each(BROKEN_DOCUMENTS)('the register tool, reading %s', async (_name, text) => {
    const file = join(await mkdtemp(join(tmpdir(), 'apps-')), 'apps.json');
    await writeFile(file, text);
    const error = await setSparkRtcAuthKey(file, 'app', 'k'.repeat(40)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain(SECRET.slice(0, 8));
  });
});
