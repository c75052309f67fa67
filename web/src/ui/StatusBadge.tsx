import type { DepositStatus } from "../api/types";
import { STATUS_LABELS } from "./format";

const TONE: Record<DepositStatus, string> = {
  Pending: "pending",
  Approved: "approved",
  Rejected: "rejected",
  "No Status": "neutral",
};

/** Status as text with a coloured badge: the colour is never the only cue. */
export function StatusBadge({ status }: { status: DepositStatus }) {
  return <span className={`badge badge-${TONE[status]}`}>{STATUS_LABELS[status]}</span>;
}
