import type { Endpoint } from '../../lib/platforms';

/** Dev app ids from config/apps.local.json. */
export const DEV_APPS = {
  trtc: '1400000001',
  trtcSigned: '1400000003',
  gme: '1400000000',
  sparkrtc: '5fcdf5651xxxxxx6f835d0d4',
  sparkrtcUnsigned: 'sparkrtc-unsigned-dev',
} as const;

export interface Sample {
  readonly name: string;
  readonly endpoint: Endpoint;
  readonly appId: string;
  readonly body: string;
  /** Query parameters the vendor puts in the URL besides the signature ones. */
  readonly query?: Readonly<Record<string, string>>;
}

const chatQuery = (command: string) => ({
  CallbackCommand: command,
  contenttype: 'json',
  ClientIP: '127.0.0.1',
  OptPlatform: 'RESTAPI',
});

export const SEED_TRTC_TASK_ID = '-m9-bVVU7id***K-m928oZWQndiborbEWH3zY-lIXlprc-gQvQE';
export const SEED_GME_TASK_ID = '446946705284000000';
export const SEED_SPARKRTC_JOB_ID = '608196a2fa1xxxxxx515147f32ef463b';

/** The vendor's sample on Chat's recording-status page (PROTOCOLS.md §1): Chat relays TRTC's 305 UPLOAD_STOP. */
export const SEED_000: Sample = {
  name: 'seed-000-chat-recording-305',
  endpoint: 'tencent-im',
  appId: DEV_APPS.trtc,
  query: chatQuery('Follow.CallbackAfterCloudRecordingChanged'),
  body: JSON.stringify({
    CallbackCommand: 'Follow.CallbackAfterCloudRecordingChanged',
    EventGroupId: 3,
    EventType: 305,
    CallbackTs: 1752580150082,
    EventInfo: {
      RoomId: '635055',
      EventTs: 1752580150,
      EventMsTs: 1752580150081,
      UserId: 'user1',
      TaskId: SEED_TRTC_TASK_ID,
      Payload: { Status: 0 },
    },
  }),
};

/** The vendor's sample on GME's recording-callback page (PROTOCOLS.md §3): segment 0 started. The TaskID is written as the vendor sends it: a bare 64-bit number. */
export const SEED_001: Sample = {
  name: 'seed-001-gme-segment-started',
  endpoint: 'tencent-gme',
  appId: DEV_APPS.gme,
  body: gmeBody({ taskId: SEED_GME_TASK_ID, eventType: 1, seqNo: 0, timestamp: 1675930605 }),
};

/** The vendor's sample on SparkRTC's recording-callback page (PROTOCOLS.md §4): file complete. */
export const SEED_003: Sample = {
  name: 'seed-003-sparkrtc-file-complete',
  endpoint: 'huawei-sparkrtc',
  appId: DEV_APPS.sparkrtc,
  body: JSON.stringify({
    event_type: 'RECORD_FILE_COMPLETE',
    stream_name: 'mystream',
    record_format: 'HLS',
    download_url:
      'https://abc-rtc-bucket2.obs.cn-north-4.myhuaweicloud.com/Record/Record/5fcdf5651xxxxxx6f835d0d4.SparkRTC.myhuaweicloud.com/live/continuous_record/hls/mystream_2021-04-28-08-57-07/mystream_2021-04-28-08-57-07.m3u8',
    file_size: 26254952,
    record_duration: 65,
    start_time: '2021-04-28T08:56:57Z',
    end_time: '2021-04-28T08:58:02Z',
    width: 1280,
    height: 720,
    obs_location: 'http://obs.cn-north-4.myhuaweicloud.com',
    obs_bucket: 'abc-rtc-bucket2',
    obs_object:
      'Record/Record/5fcdf5651xxxxxx6f835d0d4.SparkRTC.myhuaweicloud.com/live/continuous_record/hls/mystream_2021-04-28-08-57-07/mystream_2021-04-28-08-57-07.m3u8',
    app_id: DEV_APPS.sparkrtc,
    job_id: SEED_SPARKRTC_JOB_ID,
    room_id: 'room01',
  }),
};

/** The vendor's sample on Chat's room-info page (PROTOCOLS.md §1), as strict JSON: its `//` comments and missing comma are documentation formatting. */
export const SEED_004: Sample = {
  name: 'seed-004-chat-room-info',
  endpoint: 'tencent-im',
  appId: DEV_APPS.trtc,
  query: chatQuery('Room.CallbackAfterUpdateRoomInfo'),
  body: JSON.stringify({
    CallbackCommand: 'Room.CallbackAfterUpdateRoomInfo',
    Operator_Account: 'bob',
    RoomInfo: {
      RoomId: 'rid-123',
      RoomName: 'rname-123',
      Owner_Account: 'jack',
      TakeSeatMode: 'FreeToTake',
      MaxMemberCount: 300,
      IsVideoDisabled: false,
      IsAudioDisabled: false,
      IsMessageDisabled: false,
      IsScreenSharingDisabled: false,
      IsCloudRecordingDisabled: 'false',
      CustomInfo: '123',
    },
    EventTime: 1670574414123,
  }),
};

export interface TrtcEventOptions {
  taskId: string;
  roomId?: string | number;
  payload?: Record<string, unknown>;
  callbackTs?: number;
  eventMsTs?: number;
}

/** A TRTC cloud-recording callback body (PROTOCOLS.md §2). */
export function trtcBody(eventType: number, options: TrtcEventOptions): string {
  const eventMsTs = options.eventMsTs ?? 1752580000000 + eventType;
  return JSON.stringify({
    EventGroupId: 3,
    EventType: eventType,
    CallbackTs: options.callbackTs ?? eventMsTs + 5,
    EventInfo: {
      RoomId: options.roomId ?? '635055',
      EventTs: Math.floor(eventMsTs / 1000),
      EventMsTs: eventMsTs,
      UserId: 'user1',
      TaskId: options.taskId,
      Payload: options.payload ?? { Status: 0 },
    },
  });
}

/** A GME callback body; the task id is spliced in as a bare number so it keeps all 64 bits. */
export function gmeBody(options: {
  taskId: string;
  eventType: number;
  seqNo: number;
  timestamp?: number;
  roomId?: string;
}): string {
  const fileName = `1400000000_${options.roomId ?? '100'}_999/2023-02-09-16-16-45_${options.taskId}_${options.seqNo}_audio.mp3`;
  return `{"BizID":1400000000,"RoomID":${JSON.stringify(options.roomId ?? '100')},"UserID":"999","TaskID":${options.taskId},"RecordMode":1,"Timestamp":${options.timestamp ?? 1675930605},"EventType":${options.eventType},"Detail":{"SeqNo":${options.seqNo},"FileName":${JSON.stringify(fileName)}}}`;
}

/** A SparkRTC callback body. */
export function sparkRtcBody(
  eventType: string,
  options: { jobId: string; file?: string; appId?: string; roomId?: string },
): string {
  const base = {
    event_type: eventType,
    stream_name: 'mystream',
    record_format: 'MP4',
    app_id: options.appId ?? DEV_APPS.sparkrtc,
    job_id: options.jobId,
    room_id: options.roomId ?? 'room01',
  };
  const file = options.file
    ? {
        download_url: `https://bucket.obs.example.com/${options.file}`,
        obs_bucket: 'bucket',
        obs_object: options.file,
        start_time: '2021-04-28T08:56:57Z',
      }
    : {};
  return JSON.stringify({ ...base, ...file });
}

/** The TRTC lifecycle 301 → 305 that ends `completed` (README, "Status rules"). */
export function trtcLifecycle(taskId: string, roomId = '635055'): Sample[] {
  const events: [number, Record<string, unknown>][] = [
    [301, { Status: 0 }],
    [303, { Status: 0 }],
    [304, { FileList: `${taskId.slice(0, 8)}/index.m3u8` }],
    [302, { LeaveCode: 0 }],
    [305, { Status: 0 }],
  ];
  return events.map(([eventType, payload]) => ({
    name: `trtc-${eventType}`,
    endpoint: 'tencent-trtc',
    appId: DEV_APPS.trtc,
    body: trtcBody(eventType, { taskId, roomId, payload }),
  }));
}
