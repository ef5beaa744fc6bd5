import type { SecretSet } from '../config/secrets';
import { AppNotAllowedError, BadRequestError } from '../errors';
import { readIdentifier, readInteger, readObject, readString, withoutKeys } from '../json';
import { withEventId } from '../model/event-id';
import { type FileStatus, type Interpretation, unmodelled } from '../model/events';
import { checkIdField, readVendorTime } from '../model/input-bounds';
import type { SegmentFacts, StatusRule } from '../model/status-rule';
import { bodyIdentifier } from './body-identifier';
import {
  codeMessageAnswer,
  findApp,
  keysOf,
  type Provider,
  requireApp,
  type SignOptions,
  type Vendor,
} from './provider';
import { assertAnyKeyMatches, decodeBase64Digest, decodeHexDigest, hmac, requireHeader } from './verification';

const SHA1_BYTES = 20;
/** `Timestamp` is the send time and changes on a retry (PROTOCOLS.md §3). */
const DELIVERY_METADATA = ['Timestamp'] as const;
/** 1 segment started, 2 segment finished, 3 segment file uploaded. */
const FILE_STATUS_BY_EVENT: Record<number, FileStatus> = { 1: 'recording', 2: 'recorded', 3: 'uploaded' };

/** GME's signature: HMAC-SHA1 of the raw body. The vendor does not say hex or base64, so we accept both. */
export function signGmeBody(key: string, body: Buffer | string, encoding: 'hex' | 'base64' = 'hex'): string {
  return hmac('sha1', key, body).toString(encoding);
}

export interface GmeApp {
  readonly platform: 'gme';
  readonly appId: string;
  readonly secretKey: SecretSet;
}

/** GME's signing options: the digest's encoding, hex unless a test asks for base64 (both verify). */
export interface GmeSignOptions extends SignOptions {
  readonly encoding?: 'hex' | 'base64';
}

export function createTencentGmeProvider(): Provider<GmeApp, GmeSignOptions> {
  return {
    endpoint: 'tencent-gme',
    platform: 'gme',
    forwardedHeaders: ['content-type', 'signature'],
    signatureHeaders: ['signature'],
    signatureQuery: [],

    authenticate(request, { apps, body }): GmeApp {
      const appId = readIdentifier(body(), 'BizID');
      if (appId !== undefined && request.query.appId && request.query.appId !== appId) {
        throw new AppNotAllowedError('app_mismatch', 'BizID does not match the URL');
      }
      const app = requireApp<GmeApp>(apps, 'gme', appId, 'BizID');
      const signature = requireHeader(request.headers, 'signature');
      const received = decodeHexDigest(signature, SHA1_BYTES) ?? decodeBase64Digest(signature, SHA1_BYTES);
      assertAnyKeyMatches(app.secretKey, received, (key) => hmac('sha1', key, request.body));
      return app;
    },

    interpret({ appId, body }): Interpretation {
      const eventType = readInteger(body, 'EventType');
      if (eventType === undefined) throw new BadRequestError('EventType must be an integer');
      const fileStatus = FILE_STATUS_BY_EVENT[eventType];
      if (!fileStatus) return unmodelled(`EventType ${eventType}`);
      // Read losslessly: TaskID exceeds 2^53 and JSON.parse would round it (PROTOCOLS.md §3).
      const taskId = readIdentifier(body, 'TaskID');
      if (taskId === undefined) throw new BadRequestError('TaskID is missing');
      const detail = readObject(body, 'Detail');
      const seqNo = detail && readInteger(detail, 'SeqNo');
      if (!detail || seqNo === undefined || seqNo < 0) {
        throw new BadRequestError('Detail.SeqNo must be a non-negative integer');
      }
      readVendorTime(body, 'Timestamp', 's');
      checkIdField(body, 'UserID');
      const fileName = readString(detail, 'FileName');
      return {
        kind: 'event',
        event: withEventId(
          {
            kind: 'recording',
            platform: 'gme',
            appId,
            taskId,
            roomId: readIdentifier(body, 'RoomID') ?? null,
            eventType: String(eventType),
            code: null,
            seqNo,
            files: fileName ? [{ name: fileName, url: null, status: fileStatus }] : [],
            occurredAt: null,
            indexInRoom: true,
          } as const,
          () => withoutKeys(body, DELIVERY_METADATA),
        ),
      };
    },

    answer: codeMessageAnswer,

    sign(request, { key, encoding }) {
      if (key) request.headers.signature = signGmeBody(key.secret, request.body, encoding);
    },

    claimedApp: (callback, apps) => findApp<GmeApp>(apps, 'gme', bodyIdentifier(callback.body, 'BizID')),

    signingKeys: (app) => keysOf(app.secretKey),
  };
}

/** A segment's sort key text: the SeqNo, padded so that segments sort by number (README, "Data model"). */
export const gmeSegment = (seqNo: number): string => String(seqNo).padStart(16, '0');

/** The segment facts of event types 2 and 3; every type makes its segment `seen`. */
const SEGMENT_FACT_BY_TYPE: Readonly<Record<string, string>> = { '2': 'ended', '3': 'uploaded' };
const segmentFactsOf = (seqNo: number, eventType: string): SegmentFacts => {
  const fact = SEGMENT_FACT_BY_TYPE[eventType];
  return { segment: gmeSegment(seqNo), facts: fact ? ['seen', fact] : ['seen'] };
};

/**
 * GME (PROTOCOLS.md §3): per segment, 1 started, 2 finished, 3 uploaded. A segment without a 2 is
 * still recording (README, "Status rules"); the task is completed when every segment seen has both 2 and 3.
 * A recording has as many segments as the sender numbers, so its facts are segment facts, counted:
 * `seen` (any event), `ended` (a 2), `uploaded` (a 3). Some segment lacks a 2 exactly when fewer
 * segments ended than were seen; every segment has a 3 exactly when as many were uploaded as seen.
 * Summaries of the previous release kept `<seqNo>:<type>` per segment (`legacySegmentFacts`).
 */
export const GME_STATUS_RULE: StatusRule = {
  facts: () => [],
  segmentFacts: ({ seqNo, eventType }) => segmentFactsOf(seqNo ?? 0, eventType),
  legacySegmentFacts: (fact) => {
    const [seqNo, eventType, ...rest] = fact.split(':');
    const segment = Number(seqNo);
    return eventType !== undefined && rest.length === 0 && seqNo !== '' && Number.isFinite(segment)
      ? segmentFactsOf(segment, eventType)
      : null;
  },
  status: (_facts, { seen = 0, ended = 0, uploaded = 0 }) => {
    if (ended < seen) return 'recording';
    return uploaded === seen ? 'completed' : 'stopped';
  },
};

export const GME_VENDOR: Vendor<GmeApp, 'tencent-gme'> = {
  platform: 'gme',
  endpoints: ['tencent-gme'],
  secretFields: ['secretKey'],
  bodyKeys: ['BizID', 'Detail'],
  statusRule: GME_STATUS_RULE,
  parseApp: (appId, entry) => ({ platform: 'gme', appId, secretKey: entry.secret('secretKey', true) }),
  createProviders: () => [createTencentGmeProvider()],
};
