import { useState } from 'preact/hooks';
import { type Delivery, requestJson, segment } from '../api';
import { DEFAULT_PAGE_ROWS, routeHash, type WebhooksParams } from '../route';
import { ErrorMessage, html, Loading, messageOf, StatusBadge, Time, useLoad } from '../ui';

const DELIVERY_STATUSES = ['succeeded', 'pending', 'failed'] as const;

type Outcome = { ok: boolean; text: string };

/**
 * `#/webhooks`: the delivery log (`GET /webhooks/deliveries`, README "Retries, the delivery log and
 * resends") by endpoint and status, paged, with Resend behind a confirmation. The answer holds no secret,
 * signature or URL; the page shows only its fields.
 */
export function WebhooksView({ params }: { params: WebhooksParams }) {
  const [loaded, reload] = useLoad(JSON.stringify(params), () => {
    const query = new URLSearchParams({ limit: String(params.limit ?? DEFAULT_PAGE_ROWS) });
    if (params.endpoint) query.set('endpoint', params.endpoint);
    if (params.status) query.set('status', params.status);
    if (params.cursor) query.set('cursor', params.cursor);
    const path = `/webhooks/deliveries?${query}`;
    return requestJson<{ deliveries: Delivery[]; nextCursor: string | null }>(
      `Loading webhook deliveries (GET ${path})`,
      path,
    );
  });
  // Kept here: the log reloads after a resend, and its outcome must outlive that.
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const onDone = (result: Outcome) => {
    setOutcome(result);
    if (result.ok) reload();
  };
  const onFilter = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    location.hash = routeHash({
      view: 'webhooks',
      params: { endpoint: text('endpoint'), status: text('status'), limit: params.limit },
    });
  };
  const deliveries = loaded.state === 'ok' ? loaded.value.deliveries : [];
  return html`
    <h1>Webhook deliveries${params.endpoint ? html` to ${params.endpoint}` : ''}</h1>
    <form class="filters" onSubmit=${onFilter} aria-label="Filters">
      <label>Endpoint <input name="endpoint" value=${params.endpoint ?? ''} size="16" placeholder="every endpoint" /></label>
      <label>Status
        <select name="status">
          <option value="" selected=${!params.status}>any</option>
          ${DELIVERY_STATUSES.map((status) => html`<option value=${status} selected=${params.status === status}>${status}</option>`)}
        </select>
      </label>
      <button type="submit">Apply</button>
      <button type="button" onClick=${reload}>Refresh</button>
    </form>
    ${outcome ? (outcome.ok ? html`<p class="ok" role="status">${outcome.text}</p>` : html`<${ErrorMessage} message=${outcome.text} />`) : null}
    ${loaded.state === 'loading' ? html`<${Loading} what="deliveries" />` : null}
    ${loaded.state === 'error' ? html`<${ErrorMessage} message=${loaded.message} />` : null}
    ${
      loaded.state === 'ok'
        ? deliveries.length === 0
          ? html`<p class="empty">No deliveries match.</p>`
          : html`<table class="deliveries">
              <caption>Newest first; a listing without an endpoint spans the endpoints configured now</caption>
              <thead><tr><th scope="col">Endpoint</th><th scope="col">Webhook id</th><th scope="col">Type</th>
                <th scope="col">Recording</th><th scope="col">Status</th><th scope="col">Attempts</th>
                <th scope="col">Last attempt</th><th scope="col">Next attempt</th><th scope="col">Action</th></tr></thead>
              <tbody>${deliveries.map(
                (delivery) =>
                  html`<${DeliveryRow} key=${`${delivery.endpointId}/${delivery.webhookId}`} delivery=${delivery} onDone=${onDone} />`,
              )}</tbody>
            </table>`
        : null
    }
    ${
      loaded.state === 'ok'
        ? html`<nav class="pager" aria-label="Pages">
            ${params.cursor ? html`<a href=${routeHash({ view: 'webhooks', params: { ...params, cursor: undefined } })}>First page</a>` : null}
            ${
              loaded.value.nextCursor
                ? html`<a class="next" href=${routeHash({ view: 'webhooks', params: { ...params, cursor: loaded.value.nextCursor } })}>Next</a>`
                : null
            }
          </nav>`
        : null
    }
  `;
}

/** `HTTP 500 (120 ms)`, `timeout (15002 ms)`, `204 (8 ms)`. */
const attemptText = (attempt: Delivery['attempts'][number]) =>
  `${attempt.error ?? (attempt.statusCode === null ? 'no answer' : `HTTP ${attempt.statusCode}`)}${attempt.ms === null ? '' : ` (${attempt.ms} ms)`}`;

function DeliveryRow({ delivery, onDone }: { delivery: Delivery; onDone: (outcome: Outcome) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const last = delivery.attempts[delivery.attempts.length - 1];
  const resend = async () => {
    setBusy(true);
    const path = `/webhooks/deliveries/${segment(delivery.endpointId)}/${segment(delivery.webhookId)}/resend`;
    try {
      await requestJson(`Resending ${delivery.webhookId} to ${delivery.endpointId} (POST ${path})`, path, {
        method: 'POST',
      });
      onDone({ ok: true, text: `Resend of ${delivery.webhookId} to ${delivery.endpointId} queued.` });
    } catch (error) {
      onDone({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const { platform, appId, taskId } = delivery.recording;
  return html`<tr data-endpoint=${delivery.endpointId} data-webhook-id=${delivery.webhookId}>
    <td>${delivery.endpointId}</td><td><code>${delivery.webhookId}</code></td><td>${delivery.type}</td>
    <td><a href=${routeHash({ view: 'recording', platform, appId, taskId })}>${platform} ${appId} ${taskId}</a></td>
    <td><${StatusBadge} status=${delivery.status} /></td>
    <td class="number">${delivery.attempts.length}</td>
    <td>${last ? html`<${Time} value=${last.at} /> ${attemptText(last)}` : '—'}</td>
    <td><${Time} value=${delivery.nextAttemptAt} /></td>
    <td>${
      confirming
        ? html`<div class="confirm" role="group" aria-label="Confirm resend">
            <p>Send ${delivery.webhookId} to ${delivery.endpointId} again, with the same webhook-id?</p>
            <button type="button" class="danger" disabled=${busy} onClick=${resend}>Confirm resend</button>
            <button type="button" disabled=${busy} onClick=${() => setConfirming(false)}>Cancel</button>
          </div>`
        : html`<button type="button" onClick=${() => setConfirming(true)}>Resend</button>`
    }</td>
  </tr>`;
}
