import { useState } from 'preact/hooks';
import { type Delivery, requestJson, segment } from '../api';
import { routeHash, type WebhooksParams } from '../route';
import { ErrorMessage, html, Loading, messageOf, StatusBadge, Time, useLoad } from '../ui';

const DELIVERY_STATUSES = ['succeeded', 'pending', 'failed'] as const;
const PAGE = 50;

export function WebhooksView({ params }: { params: WebhooksParams }) {
  const [loaded, reload] = useLoad(JSON.stringify(params), () => {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (params.endpoint) query.set('endpoint', params.endpoint);
    if (params.status) query.set('status', params.status);
    if (params.cursor) query.set('cursor', params.cursor);
    return requestJson<{ deliveries: Delivery[]; nextCursor: string | null }>(
      'Loading webhook deliveries (GET /webhooks/deliveries)',
      `/webhooks/deliveries?${query}`,
    );
  });
  const onFilter = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    location.hash = routeHash({ view: 'webhooks', params: { endpoint: text('endpoint'), status: text('status') } });
  };
  return html`
    <h1>Webhook deliveries</h1>
    <form class="filters" onSubmit=${onFilter} aria-label="Filters">
      <label>Endpoint <input name="endpoint" value=${params.endpoint ?? ''} size="16" /></label>
      <label>Status
        <select name="status">
          <option value="" selected=${!params.status}>any</option>
          ${DELIVERY_STATUSES.map((status) => html`<option value=${status} selected=${params.status === status}>${status}</option>`)}
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
    ${loaded.state === 'loading' ? html`<${Loading} what="deliveries" />` : null}
    ${loaded.state === 'error' ? html`<${ErrorMessage} message=${loaded.message} />` : null}
    ${
      loaded.state === 'ok'
        ? loaded.value.deliveries.length === 0
          ? html`<p class="empty">No deliveries match.</p>`
          : html`<table class="deliveries">
              <thead><tr><th scope="col">Endpoint</th><th scope="col">Webhook id</th><th scope="col">Type</th>
                <th scope="col">Recording</th><th scope="col">Status</th><th scope="col">Attempts</th>
                <th scope="col">Last attempt</th><th scope="col">Next attempt</th><th scope="col">Action</th></tr></thead>
              <tbody>${loaded.value.deliveries.map((delivery) => html`<${DeliveryRow} delivery=${delivery} onDone=${reload} />`)}</tbody>
            </table>`
        : null
    }
    ${
      loaded.state === 'ok' && loaded.value.nextCursor
        ? html`<nav class="pager" aria-label="Pages"><a class="next" href=${routeHash({ view: 'webhooks', params: { ...params, cursor: loaded.value.nextCursor } })}>Next</a></nav>`
        : null
    }
  `;
}

function DeliveryRow({ delivery, onDone }: { delivery: Delivery; onDone: () => void }) {
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const last = delivery.attempts[delivery.attempts.length - 1];
  const resend = async () => {
    try {
      await requestJson(
        `Resending ${delivery.webhookId} to ${delivery.endpointId}`,
        `/webhooks/deliveries/${segment(delivery.endpointId)}/${segment(delivery.webhookId)}/resend`,
        { method: 'POST' },
      );
      setNote({ ok: true, text: 'Resend queued.' });
      onDone();
    } catch (error) {
      setNote({ ok: false, text: messageOf(error) });
    }
  };
  const { platform, appId, taskId } = delivery.recording;
  return html`<tr>
    <td>${delivery.endpointId}</td><td><code>${delivery.webhookId}</code></td><td>${delivery.type}</td>
    <td><a href=${routeHash({ view: 'recording', platform, appId, taskId })}>${platform} ${appId} ${taskId}</a></td>
    <td><${StatusBadge} status=${delivery.status} /></td>
    <td class="number">${delivery.attempts.length}</td>
    <td>${last ? html`<${Time} value=${last.at} /> ${last.statusCode ?? last.error ?? ''}` : '—'}</td>
    <td><${Time} value=${delivery.nextAttemptAt} /></td>
    <td><button type="button" onClick=${resend}>Resend</button>
      ${note ? (note.ok ? html`<span role="status">${note.text}</span>` : html`<${ErrorMessage} message=${note.text} />`) : null}</td>
  </tr>`;
}
