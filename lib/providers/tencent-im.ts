import { getNumberFromEnv } from '../env';
import { BadRequestError, type CallbackError, VerificationError } from '../errors';
import { jsonAnswer } from '../http/answer';
import { readIdentifier, readObject, readString, toPlainJson } from '../json';
import { withEventId } from '../model/event-id';
import { type Interpretation, unmodelled } from '../model/events';
import { checkIdField, readVendorTime } from '../model/input-bounds';
import {
  type AuthenticationContext,
  findApp,
  keysOf,
  type Provider,
  type ProviderEnv,
  requireApp,
  type VerifiedCallback,
} from './provider';
import type { TrtcApp } from './trtc-app';
import { interpretTrtcRecordingEvent } from './trtc-recording-event';
import { assertAnyKeyMatches, assertFresh, decodeHexDigest, parseUnixTimestamp, sha256 } from './verification';

/** The vendor rejects a RequestTime more than 1 minute from now (PROTOCOLS.md §1). */
export const DEFAULT_IM_REQUEST_TIME_TOLERANCE_SECONDS = 60;

/** The vendor's older Chat page spells the command `Follow.`; the vendor now uses `Live.`. Both feed one recording. */
const RECORDING_COMMANDS = new Set([
  'Live.CallbackAfterCloudRecordingChanged',
  'Follow.CallbackAfterCloudRecordingChanged',
]);
const ROOM_COMMANDS = new Set(['Room.CallbackAfterUpdateRoomInfo', 'Live.CallbackAfterUpdateRoomInfo']);
const ROOM_BOOLEAN_FIELDS = [
  'IsVideoDisabled',
  'IsAudioDisabled',
  'IsMessageDisabled',
  'IsScreenSharingDisabled',
  'IsCloudRecordingDisabled',
] as const;

/**
 * Chat's webhook signature: lower-case hex SHA-256 of token + RequestTime. It is not an HMAC and
 * does not cover the body (PROTOCOLS.md §1).
 */
export function signImRequest(token: string, requestTime: string): string {
  return sha256(token + requestTime).toString('hex');
}

export interface TencentImOptions {
  /** Seconds a `RequestTime` may differ from now, either way. 0 turns the check off. */
  requestTimeToleranceSeconds?: number;
}

/** Reads IM_REQUEST_TIME_TOLERANCE_SECONDS. */
export function tencentImOptionsFromEnv(env: ProviderEnv): TencentImOptions {
  return {
    requestTimeToleranceSeconds: getNumberFromEnv({
      env,
      key: 'IM_REQUEST_TIME_TOLERANCE_SECONDS',
      defaultValue: DEFAULT_IM_REQUEST_TIME_TOLERANCE_SECONDS,
      allowZero: true,
    }),
  };
}

export function createTencentImProvider(options: TencentImOptions = {}): Provider<TrtcApp> {
  const tolerance = options.requestTimeToleranceSeconds ?? DEFAULT_IM_REQUEST_TIME_TOLERANCE_SECONDS;
  return {
    endpoint: 'tencent-im',
    platform: 'trtc',
    forwardedHeaders: ['content-type'],
    signatureHeaders: [],
    signatureQuery: ['SdkAppid', 'RequestTime', 'Sign'],

    authenticate(request, { apps }: AuthenticationContext): TrtcApp {
      const app = requireApp<TrtcApp>(apps, 'trtc', request.query.SdkAppid, 'SdkAppid in the URL');
      if (app.imToken.size === 0) {
        // The SdkAppid match alone, as the vendor's Chat page describes, only on the explicit opt-in (README, "The apps document").
        if (app.allowUnsigned) return app;
        throw new VerificationError(
          'missing_signature',
          'this app has no imToken and does not allow unsigned callbacks',
        );
      }
      const { RequestTime: requestTime, Sign: sign } = request.query;
      const requestTimeMs = parseUnixTimestamp(requestTime, 'RequestTime');
      if (!sign) throw new VerificationError('missing_signature', 'Sign is missing from the URL');
      assertFresh(requestTimeMs, request.receivedAt, tolerance, 'RequestTime');
      assertAnyKeyMatches(app.imToken, decodeHexDigest(sign, 32), (token) => sha256(token + (requestTime as string)));
      return app;
    },

    interpret({ appId, query, body }: VerifiedCallback): Interpretation {
      const command = readString(body, 'CallbackCommand') ?? query.CallbackCommand ?? '';
      if (RECORDING_COMMANDS.has(command)) {
        return interpretTrtcRecordingEvent(body, appId);
      }
      if (!ROOM_COMMANDS.has(command)) return unmodelled(command || 'no CallbackCommand');

      const roomInfo = readObject(body, 'RoomInfo');
      const roomId = roomInfo && readIdentifier(roomInfo, 'RoomId');
      if (!roomInfo || !roomId) throw new BadRequestError('RoomInfo.RoomId is missing');
      const eventTime = readVendorTime(body, 'EventTime', 'ms');
      if (eventTime === undefined) throw new BadRequestError('EventTime must be an integer');
      checkIdField(body, 'Operator_Account');
      const info = toPlainJson(roomInfo) as Record<string, unknown>;
      for (const field of ROOM_BOOLEAN_FIELDS) {
        // The vendor's sample sends IsCloudRecordingDisabled as the string "false" (PROTOCOLS.md §1).
        if (info[field] === 'true' || info[field] === 'false') info[field] = info[field] === 'true';
      }
      return {
        kind: 'event',
        event: withEventId(
          {
            kind: 'room',
            platform: 'trtc',
            appId,
            roomId,
            eventTime,
            operator: readString(body, 'Operator_Account') ?? null,
            roomInfo: info,
          } as const,
          () => ({ ...body, CallbackCommand: null }),
        ),
      };
    },

    answer(error: CallbackError | null) {
      return error === null
        ? jsonAnswer(200, { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' })
        : jsonAnswer(error.status, { ActionStatus: 'FAIL', ErrorCode: error.status, ErrorInfo: error.message });
    },

    sign(request, { appId, key, now }) {
      request.query.set('SdkAppid', appId);
      if (!key) return;
      const seconds = String(Math.floor(now / 1000));
      request.query.set('RequestTime', seconds);
      request.query.set('Sign', signImRequest(key.secret, seconds));
    },

    claimedApp: (callback, apps) => findApp<TrtcApp>(apps, 'trtc', new URLSearchParams(callback.query).get('SdkAppid')),

    signingKeys: (app) => keysOf(app.imToken),
  };
}
