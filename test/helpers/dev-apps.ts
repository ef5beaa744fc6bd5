import type { AppDirectory } from '../../lib/config/apps';
import { readAppsFile } from '../../lib/config/load-apps';
import { platformOf } from '../../lib/platforms';
import type { SigningKey } from '../../lib/providers/provider';
import { providerFor } from '../../lib/providers/registry';
import type { Sample } from './samples';

export const DEV_APPS_FILE = 'config/apps.local.json';

let devApps: Promise<AppDirectory> | undefined;
export function loadDevApps(): Promise<AppDirectory> {
  devApps ??= readAppsFile(DEV_APPS_FILE);
  return devApps;
}

/** The first dev key the vendor would sign `sample` with, or undefined for an unsigned app. */
export async function devKeyFor(sample: Sample): Promise<SigningKey | undefined> {
  const platform = platformOf(sample.endpoint);
  const app = (await loadDevApps()).find(platform, sample.appId);
  if (!app) throw new Error(`no dev app ${platform} ${sample.appId}`);
  return providerFor(sample.endpoint).signingKeys(app)[0];
}
