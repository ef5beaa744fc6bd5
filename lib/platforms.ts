/**
 * The namespaces a recording lives in, each with the callback endpoints that feed it (README,
 * "Routes and answers"): Chat and TRTC both feed `trtc`. A leaf, imported by everything and
 * importing nothing; the vendor registry (lib/providers/registry.ts) is checked against it by the
 * compiler, so a platform without its vendor, or a vendor without its platform, does not build.
 */
export const ENDPOINTS_BY_PLATFORM = {
  trtc: ['tencent-im', 'tencent-trtc'],
  gme: ['tencent-gme'],
  sparkrtc: ['huawei-sparkrtc'],
  agora: ['agora'],
  livekit: ['livekit'],
} as const;

export type Platform = keyof typeof ENDPOINTS_BY_PLATFORM;
/** The callback endpoints of one platform. */
export type EndpointOf<P extends Platform> = (typeof ENDPOINTS_BY_PLATFORM)[P][number];
export type Endpoint = EndpointOf<Platform>;

export const PLATFORMS = Object.keys(ENDPOINTS_BY_PLATFORM) as readonly Platform[];
export const ENDPOINTS: readonly Endpoint[] = PLATFORMS.flatMap(
  (platform): readonly Endpoint[] => ENDPOINTS_BY_PLATFORM[platform],
);

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

export function isEndpoint(value: string): value is Endpoint {
  return (ENDPOINTS as readonly string[]).includes(value);
}

const PLATFORM_OF_ENDPOINT = new Map<Endpoint, Platform>(
  PLATFORMS.flatMap((platform) =>
    ENDPOINTS_BY_PLATFORM[platform].map((endpoint): [Endpoint, Platform] => [endpoint, platform]),
  ),
);

/** The namespace an endpoint's recordings live in: Chat and TRTC share `trtc`. */
export function platformOf(endpoint: Endpoint): Platform {
  return PLATFORM_OF_ENDPOINT.get(endpoint) as Platform;
}
