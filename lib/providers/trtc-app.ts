import type { SecretSet } from '../config/secrets';

/** Tencent Cloud API 3.0 credentials for `DescribeCloudRecording` (README, "The apps document"). */
export interface TrtcApiCredentials {
  readonly secretId: string;
  readonly secretKey: SecretSet;
  /** `ap-guangzhou`, …: the API requires it (PROTOCOLS.md §8.1). */
  readonly region: string;
}

/** A trtc app of the apps document: Chat (tencent-im) and TRTC callbacks both serve it (README, "The apps document"). */
export interface TrtcApp {
  readonly platform: 'trtc';
  readonly appId: string;
  /** Chat webhook token; when empty, Chat callbacks are refused unless `allowUnsigned` (README, "The apps document"). */
  readonly imToken: SecretSet;
  /**
   * Accept unsigned Chat callbacks on the SdkAppid match alone, as the vendor's Chat page describes. Only consulted
   * without an `imToken`: Chat and TRTC share the `trtc` namespace, so this lets anyone who knows the
   * SdkAppid (it ships in client apps) write into recordings that arrived signed through TRTC.
   */
  readonly allowUnsigned: boolean;
  /** TRTC callback key; when empty, the tencent-trtc endpoint refuses this app. */
  readonly callbackKey: SecretSet;
  readonly api?: TrtcApiCredentials;
}
