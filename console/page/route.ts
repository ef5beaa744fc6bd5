/**
 * The console's views, each a hash URL so a link can be shared (README, "Console"). Pure: no DOM,
 * so the router is tested without a browser.
 */
export const VIEWS = ['recordings', 'recording', 'stale', 'dead-letters', 'webhooks'] as const;
export type ViewName = (typeof VIEWS)[number];

export type Route =
  | { readonly view: 'recordings'; readonly params: RecordingsParams }
  | { readonly view: 'recording'; readonly platform: string; readonly appId: string; readonly taskId: string }
  | { readonly view: 'stale' }
  | { readonly view: 'dead-letters' }
  | { readonly view: 'webhooks'; readonly params: WebhooksParams }
  | { readonly view: 'not-found'; readonly hash: string };

export interface RecordingsParams {
  readonly platform?: string;
  readonly appId?: string;
  readonly status?: string;
  readonly stale?: boolean;
  readonly room?: string;
  /** Rows a page, 1–100 (20 when unset). */
  readonly limit?: number;
  readonly cursor?: string;
}

export interface WebhooksParams {
  readonly endpoint?: string;
  readonly status?: string;
  /** Rows a page, 1–100 (20 when unset). */
  readonly limit?: number;
  readonly cursor?: string;
}

export const MAX_PAGE_ROWS = 100;
export const DEFAULT_PAGE_ROWS = 20;

/** `#/recordings?platform=…` → the route; an empty hash is the recordings of the first app. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const [path = '', search = ''] = text.split('?', 2);
  const query = new URLSearchParams(search);
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => safeDecode(segment));
  const [view, ...rest] = segments;
  const value = (name: string) => {
    const found = query.get(name);
    return found === null || found === '' ? undefined : found;
  };
  const limitValue = Number(value('limit'));
  const limit = Number.isInteger(limitValue) && limitValue >= 1 && limitValue <= MAX_PAGE_ROWS ? limitValue : undefined;
  if (view === undefined || view === 'recordings') {
    return {
      view: 'recordings',
      params: {
        platform: value('platform'),
        appId: value('appId'),
        status: value('status'),
        stale: value('stale') === 'true' ? true : undefined,
        room: value('room'),
        limit,
        cursor: value('cursor'),
      },
    };
  }
  if (view === 'recording' && rest.length === 3) {
    const [platform = '', appId = '', taskId = ''] = rest;
    return { view: 'recording', platform, appId, taskId };
  }
  if (view === 'stale' && rest.length === 0) return { view: 'stale' };
  if (view === 'dead-letters' && rest.length === 0) return { view: 'dead-letters' };
  if (view === 'webhooks' && rest.length === 0) {
    return {
      view: 'webhooks',
      params: { endpoint: value('endpoint'), status: value('status'), limit, cursor: value('cursor') },
    };
  }
  return { view: 'not-found', hash };
}

/** The hash of a route, parameters in a fixed order and empty ones left out. */
export function routeHash(route: Route): string {
  switch (route.view) {
    case 'recordings':
      return `#/recordings${queryOf({
        platform: route.params.platform,
        appId: route.params.appId,
        status: route.params.status,
        stale: route.params.stale ? 'true' : undefined,
        room: route.params.room,
        limit: route.params.limit === undefined ? undefined : String(route.params.limit),
        cursor: route.params.cursor,
      })}`;
    case 'recording':
      return `#/recording/${[route.platform, route.appId, route.taskId].map(encodeURIComponent).join('/')}`;
    case 'webhooks':
      return `#/webhooks${queryOf({
        endpoint: route.params.endpoint,
        status: route.params.status,
        limit: route.params.limit === undefined ? undefined : String(route.params.limit),
        cursor: route.params.cursor,
      })}`;
    case 'not-found':
      return route.hash;
    default:
      return `#/${route.view}`;
  }
}

function queryOf(values: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') query.set(name, value);
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
