import { VENDORS } from './providers/registry';

type RegisteredVendor = (typeof VENDORS)[number];

/** The namespaces a recording lives in (README, "Routes and answers"), one per vendor. Chat and TRTC both feed `trtc`. */
export type Platform = RegisteredVendor['platform'];
/** The callback endpoints (README, "Routes and answers"), each served by its vendor's provider. */
export type Endpoint = RegisteredVendor['endpoints'][number];

export const PLATFORMS: readonly Platform[] = VENDORS.map((vendor) => vendor.platform);
export const ENDPOINTS: readonly Endpoint[] = VENDORS.flatMap((vendor): readonly Endpoint[] => vendor.endpoints);

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

export function isEndpoint(value: string): value is Endpoint {
  return (ENDPOINTS as readonly string[]).includes(value);
}

const ENDPOINT_PLATFORMS = new Map<Endpoint, Platform>(
  VENDORS.flatMap((vendor) => vendor.endpoints.map((endpoint): [Endpoint, Platform] => [endpoint, vendor.platform])),
);

/** The namespace an endpoint's recordings live in: Chat and TRTC share `trtc` (README, "Routes and answers"). */
export function platformOf(endpoint: Endpoint): Platform {
  return ENDPOINT_PLATFORMS.get(endpoint) as Platform;
}
