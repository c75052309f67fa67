import type { AmountType, DepositStatus, Designation } from "../api/types";

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const percent = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export function formatMoney(value: number): string {
  return money.format(value);
}

/** The amount column: money, a percentage, or "Remainder". */
export function formatAmount(amountType: AmountType, amount: number | null | undefined): string {
  if (amountType === "Balance Remainder" || amount === null || amount === undefined) return "Remainder";
  return amountType === "Percentage" ? `${percent.format(amount)}%` : formatMoney(amount);
}

export const DESIGNATION_LABELS: Record<Designation, string> = {
  Checking: "Checking",
  Savings: "Savings",
  MoneyMarket: "Money market",
};

export const AMOUNT_TYPE_LABELS: Record<AmountType, string> = {
  Flat: "Flat amount",
  Percentage: "Percentage",
  "Balance Remainder": "Balance remainder",
};

export const STATUS_LABELS: Record<DepositStatus, string> = {
  Pending: "Pending approval",
  Approved: "Approved",
  Rejected: "Rejected",
  "No Status": "No status",
};

export function formatDateTime(rfc3339: string): string {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** Masks like the API does for employees: all but the last 4 as `*` (all when under 7). */
export function mask(value: string): string {
  const chars = [...value];
  const shown = chars.length < 7 ? 0 : 4;
  return "*".repeat(chars.length - shown) + chars.slice(chars.length - shown).join("");
}
