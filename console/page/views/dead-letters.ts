import { useState } from 'preact/hooks';
import { type DeadLetterQueue, requestJson, segment } from '../api';
import { ErrorMessage, html, Loading, messageOf, Time, useLoad } from '../ui';

type Outcome = { ok: boolean; text: string };

export function DeadLettersView() {
  const [loaded, reload] = useLoad('dead-letters', () =>
    requestJson<{ queues: DeadLetterQueue[] }>('Loading the dead-letter queues', '/dead-letters'),
  );
  // Kept here: the queues reload after a redrive, and its outcome must outlive that.
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const onDone = (result: Outcome) => {
    setOutcome(result);
    reload();
  };
  return html`
    <h1>Dead letters</h1>
    <p><button type="button" onClick=${reload}>Refresh</button></p>
    ${outcome ? (outcome.ok ? html`<p class="ok" role="status">${outcome.text}</p>` : html`<${ErrorMessage} message=${outcome.text} />`) : null}
    ${loaded.state === 'loading' ? html`<${Loading} what="dead-letter queues" />` : null}
    ${loaded.state === 'error' ? html`<${ErrorMessage} message=${loaded.message} />` : null}
    ${loaded.state === 'ok' ? loaded.value.queues.map((queue) => html`<${QueueSection} queue=${queue} onDone=${onDone} />`) : null}
  `;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function QueueSection({ queue, onDone }: { queue: DeadLetterQueue; onDone: (outcome: Outcome) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const redrive = async () => {
    setBusy(true);
    try {
      const result = await requestJson<{ moved: number; failed: number }>(
        `Redriving ${queue.label}`,
        `/dead-letters/${segment(queue.name)}/redrive`,
        { method: 'POST' },
      );
      onDone({
        ok: result.failed === 0,
        text: `${queue.label}: moved ${plural(result.moved, 'message')} back to ${queue.redrive}; ${result.failed} failed.`,
      });
    } catch (error) {
      onDone({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const headingId = `queue-${queue.name}`;
  return html`<section class="queue" aria-labelledby=${headingId} data-queue=${queue.name}>
    <h2 id=${headingId}>${queue.label}</h2>
    <p class="depth"><strong>${plural(queue.depth, 'message')}</strong> (${queue.visible} visible, ${queue.inFlight} in flight)</p>
    ${queue.hint ? html`<p class="hint">${queue.hint}</p>` : null}
    ${
      queue.redrive && queue.depth > 0
        ? confirming
          ? html`<div class="confirm" role="group" aria-label="Confirm redrive">
              <p>Move ${plural(queue.depth, 'message')} from ${queue.label} back to ${queue.redrive}?</p>
              <button type="button" class="danger" disabled=${busy} onClick=${redrive}>Confirm redrive</button>
              <button type="button" disabled=${busy} onClick=${() => setConfirming(false)}>Cancel</button>
            </div>`
          : html`<p><button type="button" onClick=${() => setConfirming(true)}>Redrive</button></p>`
        : null
    }
    ${
      queue.messages.length > 0
        ? html`<table class="messages">
            <caption>First ${plural(queue.messages.length, 'message')} (no body, signature or header is shown)</caption>
            <thead><tr><th scope="col">Source</th><th scope="col">App</th><th scope="col">Recording</th>
              <th scope="col">Time</th><th scope="col">Dead-lettered</th><th scope="col">Receives</th><th scope="col">Reason</th></tr></thead>
            <tbody>${queue.messages.map(
              (message) => html`<tr>
                <td>${message.source}</td><td>${message.appId ?? '—'}</td><td>${message.recording ?? '—'}</td>
                <td><${Time} value=${message.time} /></td><td><${Time} value=${message.sentAt} /></td>
                <td class="number">${message.receiveCount}</td><td>${message.reason ?? '—'}</td></tr>`,
            )}</tbody></table>`
        : null
    }
  </section>`;
}
