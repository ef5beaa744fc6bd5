import type { SecretSet } from '../config/secrets';
import { BadRequestError, VerificationError } from '../errors';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  readIdentifier,
  readInteger,
  readObject,
  withoutKeys,
} from '../json';
import { withEventId } from '../model/event-id';
import { type FileMention, type FileStatus, type Interpretation, unmodelled } from '../model/events';
import { checkIdField, readVendorTime } from '../model/input-bounds';
import { type AppliedEvent, highestStatus, type RecordingStatus, type StatusRule } from '../model/status-rule';
import { codeMessageAnswer, keysOf, type Provider, requireApp, type Vendor } from './provider';
import { assertAnyKeyMatches, decodeHexDigest, hmac } from './verification';

export interface AgoraApp {
  readonly platform: 'agora';
  /** The Agora App ID, named in the callback URL: no NCS body carries it (PROTOCOLS.md §6). */
  readonly appId: string;
  /** The Cloud Recording NCS secret; several while rotating. */
  readonly ncsSecret: SecretSet;
}

/** NCS product 3 is Cloud Recording; others may share the URL (PROTOCOLS.md §6). */
const CLOUD_RECORDING_PRODUCT = 3;
const SIGNATURE_V2 = 'agora-signature-v2';
/**
 * Excluded from the identity, which is then the payload: notifyMs changes on every resend, noticeId
 * is not promised stable, and the top-level sid copies payload.sid (README, "What counts as the same event"; PROTOCOLS.md §6).
 */
const DELIVERY_METADATA = ['notifyMs', 'noticeId', 'sid'] as const;
const SIGNATURE_V1 = 'agora-signature';

/** Agora NCS signatures: lower-case hex HMAC-SHA1 (`Agora-Signature`) and HMAC-SHA256 (`-V2`) of the raw body. */
export function signAgoraBody(secret: string, body: Buffer | string): { v1: string; v2: string } {
  return { v1: hmac('sha1', secret, body).toString('hex'), v2: hmac('sha256', secret, body).toString('hex') };
}

/**
 * The `details` field that decides each event's status (PROTOCOLS.md §6, event table): it becomes
 * the event's `code`, so the status rule needs nothing else from the body.
 */
const CODE_FIELD: Readonly<Record<number, string>> = {
  3: 'status',
  11: 'exitStatus',
  30: 'status',
  31: 'status',
  32: 'status',
  40: 'status',
  41: 'leaveCode',
  71: 'code',
};

/**
 * The documented Cloud Recording event types (PROTOCOLS.md §6). Any other type is acknowledged and
 * not queued: a recording's summary counts events by type, so an open set would grow without bound.
 */
const DOCUMENTED_EVENT_TYPES: ReadonlySet<number> = new Set([
  1, 2, 3, 4, 11, 12, 30, 31, 32, 33, 40, 41, 42, 43, 44, 45, 60, 61, 70, 71, 72, 73, 80, 81, 90, 100, 1001,
]);

export function createAgoraProvider(): Provider<AgoraApp> {
  return {
    endpoint: 'agora',
    platform: 'agora',
    forwardedHeaders: ['content-type', SIGNATURE_V1, SIGNATURE_V2],
    signatureHeaders: [SIGNATURE_V1, SIGNATURE_V2],
    signatureQuery: ['appId'],

    authenticate(request, { apps }): AgoraApp {
      const urlAppId = request.query.appId;
      const [only, ...others] = apps.list<AgoraApp>('agora');
      // README, "The apps document": without appId in the URL, the one configured agora app, if there is exactly one.
      const app =
        !urlAppId && only && others.length === 0
          ? only
          : requireApp<AgoraApp>(apps, 'agora', urlAppId, 'appId in the URL');
      // V2 whenever present, and a wrong V2 is final; V1 (SHA-1) only when V2 is absent (PROTOCOLS.md §6).
      const v2 = request.headers[SIGNATURE_V2];
      if (v2) {
        assertAnyKeyMatches(app.ncsSecret, decodeHexDigest(v2, 32), (key) => hmac('sha256', key, request.body));
        return app;
      }
      const v1 = request.headers[SIGNATURE_V1];
      if (!v1) throw new VerificationError('missing_signature', 'Agora-Signature-V2 header is missing');
      assertAnyKeyMatches(app.ncsSecret, decodeHexDigest(v1, 20), (key) => hmac('sha1', key, request.body));
      return app;
    },

    interpret({ appId, body }): Interpretation {
      const productId = readInteger(body, 'productId');
      if (productId !== CLOUD_RECORDING_PRODUCT) return unmodelled(`productId ${productId ?? 'missing'}`);
      const eventType = readInteger(body, 'eventType');
      if (eventType === undefined) throw new BadRequestError('eventType must be an integer');
      if (!DOCUMENTED_EVENT_TYPES.has(eventType)) return unmodelled(`eventType ${eventType}`);
      const payload = readObject(body, 'payload');
      if (!payload) throw new BadRequestError('payload must be an object');
      // The task id is payload.sid; the top-level copy is not in the vendor's field list (PROTOCOLS.md §6).
      const taskId = readIdentifier(payload, 'sid');
      if (!taskId) throw new BadRequestError('payload.sid is missing');
      const details = readObject(payload, 'details') ?? {};
      readVendorTime(body, 'notifyMs', 'ms');
      const sentAt = readVendorTime(payload, 'sendts', 'ms', 'payload.sendts');
      checkIdField(payload, 'uid', 'payload.uid');
      const codeField = CODE_FIELD[eventType];
      const code = codeField === undefined ? null : (readInteger(details, codeField) ?? null);
      return {
        kind: 'event',
        event: withEventId(
          {
            kind: 'recording',
            platform: 'agora',
            appId,
            taskId,
            roomId: readIdentifier(payload, 'cname') ?? null,
            eventType: String(eventType),
            code,
            seqNo: null,
            files: agoraFiles(eventType, details, code),
            occurredAt: sentAt ?? null,
            // Uploading progress arrives every minute of a recording: keep it out of the room index.
            indexInRoom: eventType !== 33,
          } as const,
          () => withoutKeys(body, DELIVERY_METADATA),
        ),
      };
    },

    answer: codeMessageAnswer,

    sign(request, { appId, key }) {
      request.query.set('appId', appId);
      if (!key) return;
      const { v1, v2 } = signAgoraBody(key.secret, request.body);
      request.headers[SIGNATURE_V1] = v1;
      request.headers[SIGNATURE_V2] = v2;
    },

    claimedApp: (callback, apps) => {
      const appId = new URLSearchParams(callback.query).get('appId');
      if (appId) return apps.find<AgoraApp>('agora', appId);
      const [only, ...others] = apps.list<AgoraApp>('agora');
      return others.length === 0 ? only : undefined;
    },

    signingKeys: (app) => keysOf(app.ncsSecret),
  };
}

/**
 * The files an event names (PROTOCOLS.md §6). `fileList` is a string in events 3 and 4 and an array
 * elsewhere; entries spell the name `fileName` or `filename`. No event carries a URL. Statuses use
 * the shared vocabulary: 31 uploaded, 32 `pending_upload` (some files wait in Agora's backup),
 * 45 snapshots uploaded, anything else `recorded`.
 */
function agoraFiles(eventType: number, details: JsonObject, code: number | null): FileMention[] {
  const named = (names: Iterable<string>, status: FileStatus): FileMention[] =>
    [...new Set(names)].map((name) => ({ name, url: null, status }));
  switch (eventType) {
    case 3:
    case 4:
    case 71:
    case 1001:
      return named(fileNames(details.fileList), 'recorded');
    case 31:
      return named(fileNames(details.fileList), code === 0 ? 'uploaded' : 'failed');
    case 32:
      return named(fileNames(details.fileList), code === 0 ? 'pending_upload' : 'failed');
    case 45:
      return named(fileNames(details.fileName), 'uploaded');
    case 81: {
      const uids = Array.isArray(details.uids) ? details.uids : [];
      return named(
        uids.flatMap((uid) => (isJsonObject(uid) ? fileNames(uid.fileList) : [])),
        'recorded',
      );
    }
    default:
      return [];
  }
}

function fileNames(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (typeof entry === 'string') return entry ? [entry] : [];
    if (!isJsonObject(entry)) return [];
    const name = entry.fileName ?? entry.filename;
    return typeof name === 'string' && name ? [name] : [];
  });
}

/**
 * The status each event implies (PROTOCOLS.md §6, "Proposed status rule"), or none for the neutral
 * events (1, 2, 73, 80, 81, 90, 100, 1001 and any type not documented).
 */
function agoraEventStatus({ eventType, code }: AppliedEvent): RecordingStatus | undefined {
  switch (Number(eventType)) {
    case 3:
      if (code === 20) return 'failed';
      return code === 6 || code === 7 || code === 8 ? 'stopped' : 'recording';
    case 11:
      return code === 0 ? 'completed' : 'failed';
    case 30:
    case 40:
      return code === 0 || code === null ? 'recording' : 'failed';
    case 31:
    case 32:
      return code === 0 ? 'completed' : 'failed';
    case 41:
      // leaveCode is a bit mask; 0 alone means initialization failed.
      return code === 0 ? 'failed' : 'stopped';
    case 61:
      return 'completed';
    case 71:
      return code === 0 || code === 1 ? 'stopped' : 'failed';
    case 72:
      return 'failed';
    case 4:
    case 12:
    case 33:
    case 42:
    case 43:
    case 44:
    case 45:
    case 60:
    case 70:
      return 'recording';
    default:
      return undefined;
  }
}

/** Failure outranks completion: a contradiction stays visible (PROTOCOLS.md §6). */
const AGORA_PRECEDENCE = ['recording', 'stopped', 'completed', 'failed'] as const;

export const AGORA_STATUS_RULE: StatusRule = {
  facts: (event) => {
    const status = agoraEventStatus(event);
    return status === undefined ? [] : [status];
  },
  status: (facts) => highestStatus(facts, AGORA_PRECEDENCE),
};

export const AGORA_VENDOR: Vendor<AgoraApp, 'agora'> = {
  platform: 'agora',
  endpoints: ['agora'],
  secretFields: ['ncsSecret'],
  bodyKeys: ['noticeId', 'notifyMs'],
  statusRule: AGORA_STATUS_RULE,
  parseApp: (appId, entry) => ({ platform: 'agora', appId, ncsSecret: entry.secret('ncsSecret', true) }),
  createProviders: () => [createAgoraProvider()],
};
