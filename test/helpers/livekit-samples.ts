import fc from 'fast-check';
import type { LogicalEvent } from './event-arbitraries';
import type { Sample } from './samples';

/** The dev livekit app of config/apps.local.json, with its current key. */
export const LIVEKIT_DEV_APP = 'livekit-dev';
export const LIVEKIT_DEV_KEY = { keyId: 'APIdevKeyNotSecret', secret: 'dev-livekit-secret-not-secret-0000000001' };

/** PROTOCOLS.md §7's self-made vector, checked there with livekit-server-sdk. */
export const LIVEKIT_VECTOR = {
  apiKey: 'APIlkTestKey01',
  apiSecret: 'lk-test-secret-0123456789abcdef0123456789',
  body: '{"event":"egress_ended","egressInfo":{"egressId":"EG_k3XqYV9z8pTw","roomId":"RM_Rk2ZbX7mQ4hN","roomName":"room-42","status":"EGRESS_COMPLETE","startedAt":"1700000000123456789","endedAt":"1700000600987654321","updatedAt":"1700000601000000000","fileResults":[{"filename":"recordings/room-42/EG_k3XqYV9z8pTw.mp4","startedAt":"1700000000500000000","endedAt":"1700000600900000000","duration":"600400000000","size":"73400320","location":"https://example-bucket.s3.amazonaws.com/recordings/room-42/EG_k3XqYV9z8pTw.mp4"}],"details":"End reason: StopEgress API","manifestLocation":"https://example-bucket.s3.amazonaws.com/recordings/room-42/EG_k3XqYV9z8pTw.json"},"id":"EV_2mL8cQ4sT9vA","createdAt":"1700000601"}',
  sha256: 'TitvPk5rsYsjm9yaZm+jcwqBlZB1q7mrpLv6fWIq1jc=',
  issuedAt: 1700000601,
  authorization:
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJBUElsa1Rlc3RLZXkwMSIsImV4cCI6MTcwMDAwMDkwMSwibmJmIjoxNzAwMDAwNjAxLCJpYXQiOjE3MDAwMDA2MDEsInNoYTI1NiI6IlRpdHZQazVyc1lzam05eWFabStqY3dxQmxaQjFxN21ycEx2NmZXSXExamM9In0.zU0bLcqGIpO3c_SZaJuSdisGr60tw_4U6dsrNaPK-E8',
  spacedSha256: 'Z22KsL/+nEfBVmvDH1d0KxEZna4oZU9jPflsE+U5zyU=',
} as const;

/** The vector as Go's protojson may send it: a space after every comma (PROTOCOLS.md §7). */
export const LIVEKIT_VECTOR_SPACED_BODY = LIVEKIT_VECTOR.body.replaceAll(',"', ', "');

export interface LiveKitEventOptions {
  egressId: string;
  event: string;
  /** Omitted for EGRESS_STARTING, as protojson omits zero values. */
  status?: string;
  id: string;
  file?: string;
  createdAt?: number;
}

/** An egress WebhookEvent in protojson (PROTOCOLS.md §7); int64 fields are strings. */
export function liveKitBody(options: LiveKitEventOptions): string {
  const createdAt = options.createdAt ?? 1700000600;
  return JSON.stringify({
    event: options.event,
    egressInfo: {
      egressId: options.egressId,
      roomId: 'RM_Rk2ZbX7mQ4hN',
      roomName: 'room-42',
      ...(options.status ? { status: options.status } : {}),
      startedAt: '1700000000123456789',
      updatedAt: `${createdAt}000000001`,
      ...(options.file
        ? {
            fileResults: [
              {
                filename: options.file,
                size: '9007199254740993',
                location: `https://bucket.example.com/${options.file}`,
              },
            ],
          }
        : {}),
    },
    id: options.id,
    createdAt: String(createdAt),
  });
}

export const liveKitSample = (name: string, options: LiveKitEventOptions): Sample => ({
  name,
  endpoint: 'livekit',
  appId: LIVEKIT_DEV_APP,
  body: liveKitBody(options),
});

/** started (no status) → updated ACTIVE → updated ENDING → ended COMPLETE: `completed` (README, "Status rules"). */
export function liveKitLifecycle(egressId: string): Sample[] {
  const steps: [string, string | undefined][] = [
    ['egress_started', undefined],
    ['egress_updated', 'EGRESS_ACTIVE'],
    ['egress_updated', 'EGRESS_ENDING'],
    ['egress_ended', 'EGRESS_COMPLETE'],
  ];
  return steps.map(([event, status], index) =>
    liveKitSample(`livekit-${index}-${event}`, {
      egressId,
      event,
      status,
      id: `EV_${egressId.slice(-6)}${index}`,
      createdAt: 1700000600 + index,
      file: event === 'egress_ended' ? `recordings/${egressId}.mp4` : undefined,
    }),
  );
}

/**
 * A logical egress event for the convergence properties. A retry is byte-identical; the other
 * delivery is the same event with Go's post-comma spaces (PROTOCOLS.md §7).
 */
export const liveKitEvent = (egressId: string): fc.Arbitrary<LogicalEvent> =>
  fc
    .record({
      step: fc.constantFrom<[string, string | undefined]>(
        ['egress_started', undefined],
        ['egress_updated', 'EGRESS_ACTIVE'],
        ['egress_updated', 'EGRESS_ENDING'],
        ['egress_ended', 'EGRESS_COMPLETE'],
        ['egress_ended', 'EGRESS_LIMIT_REACHED'],
        ['egress_ended', 'EGRESS_FAILED'],
        ['egress_ended', 'EGRESS_ABORTED'],
      ),
      file: fc.constantFrom(undefined, `${egressId}.mp4`, `${egressId}-2.mp4`),
      nth: fc.nat(1),
    })
    .map(({ step: [event, status], file, nth }) => {
      const id = `EV_${event.slice(7, 10)}${status?.slice(7, 10) ?? 'STA'}${file?.length ?? 0}${nth}`;
      const body = liveKitBody({ egressId, event, status, id, file });
      return {
        key: `${egressId}:${id}`,
        deliver: (variant: number): Sample => ({
          name: 'livekit',
          endpoint: 'livekit',
          appId: LIVEKIT_DEV_APP,
          body: variant % 2 ? body.replaceAll(',"', ', "') : body,
        }),
      };
    });
