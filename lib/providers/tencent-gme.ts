import type { GmeApp } from '../config/apps';
import { AppNotAllowedError, BadRequestError } from '../errors';
import { readIdentifier, readInteger, readObject, readString, withoutKeys } from '../json';
import { withEventId } from '../model/event-id';
import { type FileStatus, type Interpretation, unmodelled } from '../model/events';
import { codeMessageAnswer, type Provider } from './provider';
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

export function createTencentGmeProvider(): Provider {
  return {
    endpoint: 'tencent-gme',
    platform: 'gme',
    forwardedHeaders: ['content-type', 'signature'],

    authenticate(request, { apps, body }): GmeApp {
      const appId = readIdentifier(body(), 'BizID');
      if (appId === undefined) throw new BadRequestError('BizID is missing');
      if (request.query.appId && request.query.appId !== appId) {
        throw new AppNotAllowedError('app_mismatch', 'BizID does not match the URL');
      }
      const app = apps.find('gme', appId);
      if (!app) throw new AppNotAllowedError('unknown_app', 'BizID is not a configured gme app');
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
      if (!detail || seqNo === undefined) throw new BadRequestError('Detail.SeqNo must be an integer');
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
  };
}
