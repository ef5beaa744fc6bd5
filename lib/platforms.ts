/** The namespaces a recording lives in (CONTRACT §1). Chat and TRTC callbacks both feed `trtc`. */
export const PLATFORMS = ['trtc', 'gme', 'sparkrtc'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** The callback endpoints (CONTRACT §1), one provider module each. */
export const ENDPOINTS = ['tencent-im', 'tencent-trtc', 'tencent-gme', 'huawei-sparkrtc'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export function isEndpoint(value: string): value is Endpoint {
  return (ENDPOINTS as readonly string[]).includes(value);
}

const ENDPOINT_PLATFORMS: Record<Endpoint, Platform> = {
  'tencent-im': 'trtc',
  'tencent-trtc': 'trtc',
  'tencent-gme': 'gme',
  'huawei-sparkrtc': 'sparkrtc',
};

/** The namespace an endpoint's recordings live in: Chat and TRTC share `trtc` (CONTRACT §1). */
export function platformOf(endpoint: Endpoint): Platform {
  return ENDPOINT_PLATFORMS[endpoint];
}
