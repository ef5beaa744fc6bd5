import type { JsonObject } from '../json';

/**
 * What a vendor said about a task when the sweep asked (CONTRACT §7), ranked from least to most
 * telling: a recording shows its most telling answer of its latest quiet period.
 */
export const VENDOR_STATUSES = ['unknown', 'alive', 'ended', 'failed'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

/** One vendor answer about one task, as a vendor's `RecordingQuery` returns it. */
export interface VendorFinding {
  readonly vendorStatus: VendorStatus;
  /**
   * What the vendor said, short and free of secrets and request ids, so that the same answer is the
   * same fact: `InProgress`, `Exited`, `ResourceNotFound`, `STOPPED/INTERNAL_ERROR`, `timeout`, `HTTP 503`.
   */
  readonly detail: string;
  /**
   * LiveKit: the `EgressInfo` ListEgress returned, rewritten as the webhook body it mirrors
   * (camelCase, `event`, a deterministic `id`), so that it is applied exactly as that webhook would be.
   */
  readonly mirroredCallback?: JsonObject;
}

/** `detail` is cut to this length: it comes from the vendor and ends up in the state and logs. */
export const MAX_FINDING_DETAIL = 120;

/** A finding with its detail bounded. */
export function finding(vendorStatus: VendorStatus, detail: string, mirroredCallback?: JsonObject): VendorFinding {
  return {
    vendorStatus,
    detail: detail.slice(0, MAX_FINDING_DETAIL),
    ...(mirroredCallback !== undefined && { mirroredCallback }),
  };
}

/** A recording's reconciliation as its state shows it (CONTRACT §7). */
export interface Reconciliation {
  /** When the vendor first gave this answer in this quiet period. */
  readonly checkedAt: string;
  readonly vendorStatus: VendorStatus;
  readonly detail: string;
}
