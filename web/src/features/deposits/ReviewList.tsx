import type { ReactNode } from "react";

import type { AllocationBody } from "../../api/types";
import { AMOUNT_TYPE_LABELS, formatAmount } from "../../ui/format";
import { checkAllocation } from "./validation";

/** The review step's summary of what will be sent. */
export function ReviewList({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="review-list panel">
      {items.map(([label, value]) => (
        <div key={label} className="review-row">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** An amount as the server will store it (rounded to cents the way dd-domain rounds). */
export function AmountSummary({ allocation }: { allocation: AllocationBody }) {
  const { amountType } = allocation;
  const checked = checkAllocation(amountType, allocation.amount ?? null);
  const stored = checked.ok ? checked.value.stored : null;
  return (
    <>
      {formatAmount(amountType, stored === null ? null : stored / 100)}
      <span className="sub">{AMOUNT_TYPE_LABELS[amountType]}</span>
    </>
  );
}
