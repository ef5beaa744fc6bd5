import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseAppsDocument, parseAppsDocumentText } from '../../lib/config/apps';

interface RawApp {
  platform: string;
  appId: string;
  authKey?: string | string[];
  [field: string]: unknown;
}

export interface SparkRtcKeyUpdate {
  /** True when the app was already in the document. */
  existed: boolean;
  /** How many keys the entry holds now (the new one first). */
  keyCount: number;
}

/**
 * Sets a SparkRTC app's `authKey` in an apps document (README, "The apps document"), keeping every other entry and
 * the previous key after the new one, so callbacks already signed with it keep verifying during the
 * switch-over. The result is validated, then written to a temporary file and renamed over the
 * original, so a reader never sees half a document. A missing file is created.
 */
export async function setSparkRtcAuthKey(file: string, appId: string, authKey: string): Promise<SparkRtcKeyUpdate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = '{"apps":[]}';
  }
  // Validated first: a JSON error of the raw parse would quote the document, secrets included.
  parseAppsDocumentText(text, file);
  const document = JSON.parse(text) as { apps: RawApp[]; [field: string]: unknown };

  const entry = document.apps.find((app) => app.platform === 'sparkrtc' && app.appId === appId);
  const previous = entry ? [entry.authKey ?? []].flat()[0] : undefined;
  const keys = previous && previous !== authKey ? [authKey, previous] : [authKey];
  if (entry) {
    entry.authKey = keys;
    delete entry.allowUnsigned; // a signed app never accepts unsigned callbacks
  } else {
    document.apps.push({ platform: 'sparkrtc', appId, authKey: keys });
  }
  parseAppsDocument(document, file);

  const temporary = join(dirname(file), `.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
  return { existed: entry !== undefined, keyCount: keys.length };
}
