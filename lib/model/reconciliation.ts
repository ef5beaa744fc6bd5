import type { JsonObject } from '../json';

/**
 * What a vendor said about a task when the sweep asked (README, "Lost callbacks"), ranked from least to most
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

/** A recording's reconciliation as its state shows it (README, "Recording state"). */
export interface Reconciliation {
  /** When the vendor first gave this answer in this quiet period. */
  readonly checkedAt: string;
  readonly vendorStatus: VendorStatus;
  readonly detail: string;
}

/** What the vendor said about the task in one quiet period: a fact like any other event. */
export interface ReconciliationFact {
  readonly vendorStatus: VendorStatus;
  readonly detail: string;
  /** The quiet period asked about: when the recording's last callback was applied (ms). */
  readonly quietSince: number;
}

/** A fact as a recording keeps it: with when it was first applied. */
export interface KnownReconciliation extends ReconciliationFact {
  readonly checkedAt: number;
}

const rank = (status: VendorStatus) => VENDOR_STATUSES.indexOf(status);

/**
 * The fact a recording shows: of its latest quiet period, the most telling answer, the latest of
 * those, then the smallest detail. A total order, so the choice is a pure function of the set.
 */
export function moreTelling(a: KnownReconciliation | null, b: KnownReconciliation): KnownReconciliation {
  if (a === null) return b;
  const order =
    a.quietSince - b.quietSince ||
    rank(a.vendorStatus) - rank(b.vendorStatus) ||
    a.checkedAt - b.checkedAt ||
    (a.detail < b.detail ? 1 : a.detail > b.detail ? -1 : 0);
  return order >= 0 ? a : b;
}

export function toReconciliation(known: KnownReconciliation): Reconciliation {
  return {
    checkedAt: new Date(known.checkedAt).toISOString(),
    vendorStatus: known.vendorStatus,
    detail: known.detail,
  };
}

/** Status facts of reconciliation answers; a vendor's own status rule never sees them. */
const VENDOR_ENDED = 'vendor:ended';
const VENDOR_FAILED = 'vendor:failed';

export function reconciliationStatusFacts(fact: ReconciliationFact): string[] {
  if (fact.vendorStatus === 'ended') return [VENDOR_ENDED];
  if (fact.vendorStatus === 'failed') return [VENDOR_FAILED];
  return [];
}

export const isReconciliationStatusFact = (fact: string): boolean => fact === VENDOR_ENDED || fact === VENDOR_FAILED;

/**
 * README, "Status rules", "Reconciliation": a vendor's `ended` makes a recording whose own events never reached a terminal
 * status `stopped`, and its `failed` makes it `failed`; a terminal status from the events stands.
 */
export function withReconciliation(
  own: 'recording' | 'stopped' | 'failed' | 'completed',
  facts: ReadonlySet<string>,
): 'recording' | 'stopped' | 'failed' | 'completed' {
  if (own === 'failed' || own === 'completed') return own;
  if (facts.has(VENDOR_FAILED)) return 'failed';
  if (facts.has(VENDOR_ENDED)) return 'stopped';
  return own;
}
