import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './route';
import { html } from './ui';
import { DeadLettersView } from './views/dead-letters';
import { RecordingView } from './views/recording';
import { RecordingsView } from './views/recordings';
import { StaleView } from './views/stale';
import { WebhooksView } from './views/webhooks';
import './style.css';

const NAV = [
  ['#/recordings', 'Recordings', 'recordings'],
  ['#/stale', 'Stale', 'stale'],
  ['#/dead-letters', 'Dead letters', 'dead-letters'],
  ['#/webhooks', 'Webhooks', 'webhooks'],
] as const;

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'recordings':
      return html`<${RecordingsView} params=${route.params} />`;
    case 'recording':
      return html`<${RecordingView} platform=${route.platform} appId=${route.appId} taskId=${route.taskId} />`;
    case 'stale':
      return html`<${StaleView} />`;
    case 'dead-letters':
      return html`<${DeadLettersView} />`;
    case 'webhooks':
      return html`<${WebhooksView} params=${route.params} />`;
    default:
      return html`<h1>Not found</h1><p class="error" role="alert">No view at ${route.hash}.</p>`;
  }
}

function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  const active = route.view === 'recording' ? 'recordings' : route.view;
  return html`
    <header>
      <span class="brand">rtc-recording-callbacks</span>
      <nav aria-label="Views">
        ${NAV.map(([href, label, view]) => html`<a href=${href} aria-current=${active === view ? 'page' : undefined}>${label}</a>`)}
      </nav>
    </header>
    <main key=${location.hash}><${View} route=${route} /></main>`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
