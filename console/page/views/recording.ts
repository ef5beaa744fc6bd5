import { useState } from 'preact/hooks';
import { type FileEntry, type RecordingState, requestJson, segment, type TimelineEvent } from '../api';
import { routeHash } from '../route';
import { layoutTimeline, TIMELINE_SIZE } from '../timeline';
import { ErrorMessage, html, Loading, StatusBadge, Time, useLoad } from '../ui';

/** Events fetched a page at a time (the route's maximum), up to this many for the chart. */
const EVENTS_PAGE = 1_000;
const MAX_CHART_EVENTS = 10_000;
const FILES_PAGE = 100;

interface Key {
  platform: string;
  appId: string;
  taskId: string;
}

const basePath = (key: Key) => `/recordings/${segment(key.platform)}/${segment(key.appId)}/${segment(key.taskId)}`;

async function loadEvents(key: Key): Promise<{ events: TimelineEvent[]; truncated: boolean }> {
  const events: TimelineEvent[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(EVENTS_PAGE) });
    if (cursor) query.set('cursor', cursor);
    const path = `${basePath(key)}/events?${query}`;
    const page: { events: TimelineEvent[]; nextCursor: string | null } = await requestJson(
      `Loading the timeline (GET ${path.split('?')[0]})`,
      path,
    );
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor && events.length < MAX_CHART_EVENTS);
  return { events, truncated: cursor !== null };
}

export function RecordingView(key: Key) {
  const id = `${key.platform}/${key.appId}/${key.taskId}`;
  const [state] = useLoad(`state ${id}`, () =>
    requestJson<RecordingState>(`Loading recording ${key.taskId} (GET ${basePath(key)})`, basePath(key)),
  );
  const [timeline] = useLoad(`events ${id}`, () => loadEvents(key));
  return html`
    <h1>Recording ${key.taskId}</h1>
    <p><a href=${routeHash({ view: 'recordings', params: { platform: key.platform, appId: key.appId } })}>← recordings of ${key.platform} ${key.appId}</a></p>
    ${state.state === 'loading' ? html`<${Loading} what="the recording" />` : null}
    ${state.state === 'error' ? html`<${ErrorMessage} message=${state.message} />` : null}
    ${state.state === 'ok' ? html`<${StateTable} recording=${state.value} />` : null}
    <h2>Timeline</h2>
    ${timeline.state === 'loading' ? html`<${Loading} what="the timeline" />` : null}
    ${timeline.state === 'error' ? html`<${ErrorMessage} message=${timeline.message} />` : null}
    ${
      timeline.state === 'ok'
        ? html`<${TimelineChart} events=${timeline.value.events} truncated=${timeline.value.truncated}
            status=${state.state === 'ok' ? state.value.status : 'recording'} taskId=${key.taskId} />`
        : null
    }
    <h2>Files</h2>
    ${state.state === 'ok' ? html`<${FilesPager} recording=${state.value} path=${basePath(key)} />` : null}
    <h2>Reconciliation</h2>
    ${state.state === 'ok' ? html`<${ReconciliationBlock} recording=${state.value} />` : null}
  `;
}

function StateTable({ recording }: { recording: RecordingState }) {
  const rows: [string, unknown][] = [
    ['Platform', recording.platform],
    ['App', recording.appId],
    ['Task id', recording.taskId],
    ['Room', recording.roomId ?? '—'],
    ['Status', html`<${StatusBadge} status=${recording.status} />`],
    ['Stale', recording.stale ? html`<strong class="stale">stale</strong>` : 'no'],
    ['Events', recording.eventCount],
    ['Files', recording.fileCount],
    ['Updated', html`<${Time} value=${recording.updatedAt} />`],
  ];
  return html`<table class="state"><tbody>
    ${rows.map(([name, value]) => html`<tr><th scope="row">${name}</th><td>${value}</td></tr>`)}
  </tbody></table>`;
}

const BAND_CLASS: Record<string, string> = {
  recording: 'band-recording',
  stopped: 'band-stopped',
  completed: 'band-completed',
  failed: 'band-failed',
};

export function TimelineChart({
  events,
  status,
  taskId,
  truncated,
}: {
  events: TimelineEvent[];
  status: string;
  taskId: string;
  truncated: boolean;
}) {
  if (events.length === 0) return html`<p class="empty">No events.</p>`;
  const layout = layoutTimeline(events, status);
  const { bandY, bandHeight } = TIMELINE_SIZE;
  return html`
    <figure class="timeline">
      <svg role="img" aria-label=${`Timeline of recording ${taskId}: ${events.length} events from ${layout.start} to ${layout.end}`}
        viewBox=${`0 0 ${layout.width} ${layout.height}`} width="100%" preserveAspectRatio="xMinYMin meet">
        <g class="bands">
          ${layout.bands.map(
            (band) => html`<rect class=${`band ${BAND_CLASS[band.status] ?? 'band-other'}`} data-status=${band.status}
              x=${band.x} y=${bandY} width=${Math.max(band.width, 1)} height=${bandHeight}><title>${band.title}</title></rect>`,
          )}
        </g>
        <line class="axis" x1=${TIMELINE_SIZE.left} x2=${layout.width - TIMELINE_SIZE.right} y1=${layout.axisY} y2=${layout.axisY} />
        ${layout.ticks.map(
          (tick) => html`<g class="tick"><line x1=${tick.x} x2=${tick.x} y1=${layout.axisY} y2=${layout.axisY + 4} />
            <text x=${tick.x} y=${layout.axisY + 16} text-anchor="middle">${tick.label}</text></g>`,
        )}
        <g class="marks">
          ${layout.marks.map(
            (mark) => html`<g class="mark" data-event-type=${mark.eventType} tabindex="0">
              <line x1=${mark.x} x2=${mark.x} y1=${mark.y} y2=${bandY} />
              <circle cx=${mark.x} cy=${mark.y} r="5"><title>${mark.title}</title></circle></g>`,
          )}
        </g>
      </svg>
      <figcaption>
        ${events.length} distinct events${truncated ? ` (the first ${events.length} shown)` : ''}; bands:
        ${layout.bands.map((band) => html` <span class=${`legend ${BAND_CLASS[band.status] ?? 'band-other'}`}>${band.status}</span>`)}
        (UTC times; hover or focus a mark for its event type and time)
      </figcaption>
    </figure>`;
}

function FilesPager({ recording, path }: { recording: RecordingState; path: string }) {
  // Page 0 is the state's own first page; later pages come from the files route.
  const [pages, setPages] = useState<{ files: FileEntry[]; next: string | null }[]>([
    { files: recording.files, next: recording.filesNextCursor },
  ]);
  const [index, setIndex] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const page = pages[index] ?? { files: [], next: null };
  const next = async () => {
    if (pages[index + 1]) return setIndex(index + 1);
    if (!page.next) return;
    const query = new URLSearchParams({ limit: String(FILES_PAGE), cursor: page.next });
    try {
      const answer = await requestJson<{ files: FileEntry[]; nextCursor: string | null }>(
        `Loading files (GET ${path}/files)`,
        `${path}/files?${query}`,
      );
      setPages([...pages, { files: answer.files, next: answer.nextCursor }]);
      setIndex(index + 1);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  if (recording.fileCount === 0) return html`<p class="empty">No files.</p>`;
  return html`
    <table class="files">
      <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">URL</th></tr></thead>
      <tbody>${page.files.map(
        (file) => html`<tr><td>${file.name}</td><td>${file.status}</td><td class="url">${file.url ?? '—'}</td></tr>`,
      )}</tbody>
    </table>
    <nav class="pager" aria-label="File pages">
      <span>${recording.fileCount} files, page ${index + 1}</span>
      ${index > 0 ? html`<button type="button" onClick=${() => setIndex(index - 1)}>Previous</button>` : null}
      ${page.next || pages[index + 1] ? html`<button type="button" class="next" onClick=${next}>Next</button>` : null}
    </nav>
    ${error ? html`<${ErrorMessage} message=${error} />` : null}`;
}

function ReconciliationBlock({ recording }: { recording: RecordingState }) {
  const reconciliation = recording.reconciliation;
  if (!reconciliation) {
    return html`<p>The vendor has not been asked about this recording (the sweep asks about stale ones when the app has API credentials).</p>`;
  }
  return html`<table class="state"><tbody>
    <tr><th scope="row">Vendor status</th><td>${reconciliation.vendorStatus}</td></tr>
    <tr><th scope="row">Checked</th><td><${Time} value=${reconciliation.checkedAt} /></td></tr>
    <tr><th scope="row">Detail</th><td><code>${reconciliation.detail === undefined ? '—' : JSON.stringify(reconciliation.detail)}</code></td></tr>
  </tbody></table>`;
}
