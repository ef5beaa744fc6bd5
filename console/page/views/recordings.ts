import { type AppRef, type RecordingEntry, requestJson, segment } from '../api';
import { DEFAULT_PAGE_ROWS, type RecordingsParams, routeHash } from '../route';
import { ErrorMessage, html, Loading, StatusBadge, Time, useLoad } from '../ui';

const STATUSES = ['recording', 'stopped', 'completed', 'failed'] as const;

interface RecordingsPage {
  apps: AppRef[];
  app: AppRef | undefined;
  recordings: RecordingEntry[];
  nextCursor: string | null;
  /** A room's listing is its newest 100 recordings, filtered here by status and staleness. */
  room: boolean;
}

async function loadPage(params: RecordingsParams): Promise<RecordingsPage> {
  const { apps } = await requestJson<{ apps: AppRef[] }>('Loading the apps (GET /apps)', '/apps');
  const app =
    apps.find((candidate) => candidate.platform === params.platform && candidate.appId === params.appId) ??
    (params.platform && params.appId ? { platform: params.platform, appId: params.appId } : apps[0]);
  if (app === undefined) return { apps, app, recordings: [], nextCursor: null, room: false };
  const base = `/${segment(app.platform)}/${segment(app.appId)}`;
  if (params.room !== undefined) {
    const path = `/rooms${base}/${segment(params.room)}?limit=100`;
    const room = await requestJson<{ recordings: RecordingEntry[] } | null>(
      `Loading room ${params.room} (GET ${path})`,
      path,
    ).catch((error: { status?: number }) => {
      if (error.status === 404) return { recordings: [] };
      throw error;
    });
    const recordings = (room?.recordings ?? []).filter(
      (recording) =>
        (params.status === undefined || recording.status === params.status) && (!params.stale || recording.stale),
    );
    return { apps, app, recordings, nextCursor: null, room: true };
  }
  const query = new URLSearchParams({ limit: String(params.limit ?? DEFAULT_PAGE_ROWS) });
  if (params.status) query.set('status', params.status);
  if (params.stale) query.set('stale', 'true');
  if (params.cursor) query.set('cursor', params.cursor);
  const path = `/recordings${base}?${query}`;
  const page = await requestJson<{ recordings: RecordingEntry[]; nextCursor: string | null }>(
    `Loading the recordings of ${app.platform} ${app.appId} (GET ${path})`,
    path,
  );
  return { apps, app, ...page, room: false };
}

export function RecordingsView({ params }: { params: RecordingsParams }) {
  const [loaded] = useLoad(JSON.stringify(params), () => loadPage(params));
  const go = (next: RecordingsParams) => {
    location.hash = routeHash({ view: 'recordings', params: next });
  };
  const app = loaded.state === 'ok' ? loaded.value.app : undefined;
  const current = { ...params, platform: app?.platform ?? params.platform, appId: app?.appId ?? params.appId };
  const onFilter = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const [platform, appId] = String(form.get('app') ?? '').split('\u0000');
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    go({
      platform,
      appId,
      status: text('status'),
      stale: form.get('stale') === 'on' || undefined,
      room: text('room'),
      limit: params.limit,
    });
  };
  return html`
    <h1>Recordings${app ? html` of ${app.platform} ${app.appId}` : ''}</h1>
    <form class="filters" onSubmit=${onFilter} aria-label="Filters">
      <label>App
        <select name="app">
          ${
            loaded.state === 'ok'
              ? loaded.value.apps.map(
                  (candidate) =>
                    html`<option value=${`${candidate.platform}\u0000${candidate.appId}`}
                      selected=${candidate.platform === current.platform && candidate.appId === current.appId}>
                      ${candidate.platform} ${candidate.appId}</option>`,
                )
              : null
          }
        </select>
      </label>
      <label>Status
        <select name="status">
          <option value="" selected=${!params.status}>any</option>
          ${STATUSES.map((status) => html`<option value=${status} selected=${params.status === status}>${status}</option>`)}
        </select>
      </label>
      <label><input type="checkbox" name="stale" checked=${params.stale === true} /> stale only</label>
      <label>Room <input name="room" value=${params.room ?? ''} size="16" /></label>
      <button type="submit">Apply</button>
    </form>
    ${loaded.state === 'loading' ? html`<${Loading} what="recordings" />` : null}
    ${loaded.state === 'error' ? html`<${ErrorMessage} message=${loaded.message} />` : null}
    ${loaded.state === 'ok' ? html`<${RecordingsTable} page=${loaded.value} />` : null}
    ${
      loaded.state === 'ok'
        ? html`<nav class="pager" aria-label="Pages">
            ${params.cursor ? html`<a href=${routeHash({ view: 'recordings', params: { ...current, cursor: undefined } })}>First page</a>` : null}
            ${
              loaded.value.nextCursor
                ? html`<a class="next" href=${routeHash({ view: 'recordings', params: { ...current, cursor: loaded.value.nextCursor } })}>Next</a>`
                : null
            }
          </nav>`
        : null
    }
  `;
}

function RecordingsTable({ page }: { page: RecordingsPage }) {
  if (page.app === undefined) return html`<p>No app is configured.</p>`;
  if (page.recordings.length === 0) return html`<p class="empty">No recordings match.</p>`;
  return html`<${RecordingRows} recordings=${page.recordings} caption=${page.room ? "The room's newest 100 recordings" : null} />`;
}

/** The recordings table; `showApp` adds the app's column (the stale view lists every app). */
export function RecordingRows({
  recordings,
  caption,
  showApp,
}: {
  recordings: RecordingEntry[];
  caption?: string | null;
  showApp?: boolean;
}) {
  return html`<table class="recordings">
    ${caption ? html`<caption>${caption}</caption>` : null}
    <thead><tr>
      ${showApp ? html`<th scope="col">App</th>` : null}
      <th scope="col">Task id</th><th scope="col">Room</th><th scope="col">Status</th>
      <th scope="col">Files</th><th scope="col">Events</th><th scope="col">Updated</th>
      <th scope="col">Stale</th><th scope="col">Vendor's last answer</th>
    </tr></thead>
    <tbody>
      ${recordings.map(
        (recording) => html`<tr>
          ${showApp ? html`<td>${recording.platform} ${recording.appId}</td>` : null}
          <td><a href=${routeHash({ view: 'recording', platform: recording.platform, appId: recording.appId, taskId: recording.taskId })}>${recording.taskId}</a></td>
          <td>${recording.roomId ?? '—'}</td>
          <td><${StatusBadge} status=${recording.status} /></td>
          <td class="number">${recording.fileCount}</td>
          <td class="number">${recording.eventCount}</td>
          <td><${Time} value=${recording.updatedAt} /></td>
          <td>${recording.stale ? html`<strong class="stale">stale</strong>` : 'no'}</td>
          <td>${
            recording.reconciliation
              ? html`${recording.reconciliation.vendorStatus} <small>(<${Time} value=${recording.reconciliation.checkedAt} />)</small>`
              : '—'
          }</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
