import { type AppRef, type RecordingEntry, requestJson, segment } from '../api';
import { MAX_PAGE_ROWS, routeHash } from '../route';
import { ErrorMessage, html, Loading, useLoad } from '../ui';
import { RecordingRows } from './recordings';

interface AppStale {
  app: AppRef;
  recordings: RecordingEntry[];
  more: boolean;
  error: string | null;
}

/** Each app's first page of stale recordings; one app failing does not hide the others. */
async function loadStale(): Promise<AppStale[]> {
  const { apps } = await requestJson<{ apps: AppRef[] }>('Loading the apps (GET /apps)', '/apps');
  return Promise.all(
    apps.map(async (app) => {
      const path = `/recordings/${segment(app.platform)}/${segment(app.appId)}?stale=true&limit=${MAX_PAGE_ROWS}`;
      try {
        const page = await requestJson<{ recordings: RecordingEntry[]; nextCursor: string | null }>(
          `Loading the stale recordings of ${app.platform} ${app.appId} (GET ${path})`,
          path,
        );
        return { app, recordings: page.recordings, more: page.nextCursor !== null, error: null };
      } catch (error) {
        return { app, recordings: [], more: false, error: (error as Error).message };
      }
    }),
  );
}

export function StaleView() {
  const [loaded] = useLoad('stale', loadStale);
  const rows = loaded.state === 'ok' ? loaded.value.flatMap((entry) => entry.recordings) : [];
  return html`
    <h1>Stale recordings</h1>
    <p>Unfinished recordings without a callback for longer than the stale threshold, in every app, with what the vendor last said when asked.</p>
    ${loaded.state === 'loading' ? html`<${Loading} what="stale recordings" />` : null}
    ${loaded.state === 'error' ? html`<${ErrorMessage} message=${loaded.message} />` : null}
    ${
      loaded.state === 'ok'
        ? html`
          ${loaded.value.filter((entry) => entry.error).map((entry) => html`<${ErrorMessage} message=${entry.error} />`)}
          ${rows.length === 0 ? html`<p class="empty">No stale recordings.</p>` : html`<${RecordingRows} recordings=${rows} showApp=${true} />`}
          ${loaded.value
            .filter((entry) => entry.more)
            .map(
              (entry) => html`<p>More stale recordings of ${entry.app.platform} ${entry.app.appId}:
                <a href=${routeHash({ view: 'recordings', params: { ...entry.app, stale: true, limit: MAX_PAGE_ROWS } })}>page through them</a>.</p>`,
            )}`
        : null
    }
  `;
}
