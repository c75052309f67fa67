// The server's field rules (dd-domain), one for one: same checks, same order, same reason
// text. docs/validation-cases.json is run against both this file (validation.test.ts) and
// dd-domain (crates/domain/tests/validation_cases.rs), so the page accepts exactly what the
// API accepts. Change a rule here only together with dd-domain and the case file.

import type { AmountType, Designation } from "../../api/types";

/** A rule broken by a value: dd-domain's reason, e.g. "fails the ABA checksum". */
export type Reason = string;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: Reason };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = <T>(reason: Reason): Checked<T> => ({ ok: false, reason });

const ROUTING_WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1] as const;

/** Federal Reserve prefixes: 00–12, 21–32, 61–72, 80. */
function validPrefix(prefix: number): boolean {
  return (
    (prefix >= 0 && prefix <= 12) ||
    (prefix >= 21 && prefix <= 32) ||
    (prefix >= 61 && prefix <= 72) ||
    prefix === 80
  );
}

/** dd_domain::RoutingNumber::parse (no trimming). */
export function checkRoutingNumber(value: string): Checked<string> {
  if (!/^[0-9]*$/.test(value)) return fail("must contain only digits");
  if (value.length !== 9) return fail("must be exactly 9 digits");
  const digits = [...value].map(Number);
  const [first = 0, second = 0] = digits;
  if (!validPrefix(first * 10 + second)) {
    return fail("has an invalid prefix (must start with 00-12, 21-32, 61-72 or 80)");
  }
  const sum = digits.reduce((acc, d, i) => acc + d * (ROUTING_WEIGHTS[i] ?? 0), 0);
  if (sum % 10 !== 0) return fail("fails the ABA checksum");
  return ok(value);
}

/** NACHA DFI account number field width. */
export const MAX_ACCOUNT_LEN = 17;

/** dd_domain::AccountNumber::parse (no trimming, case kept). */
export function checkAccountNumber(value: string): Checked<string> {
  if (value.length === 0) return fail("is required");
  if (!/^[A-Za-z0-9]*$/.test(value)) return fail("must contain only letters and digits");
  if (value.length > MAX_ACCOUNT_LEN) return fail("must be at most 17 characters");
  return ok(value);
}

export const DESIGNATIONS = ["Checking", "Savings", "MoneyMarket"] as const satisfies readonly Designation[];
export const AMOUNT_TYPES = ["Flat", "Percentage", "Balance Remainder"] as const satisfies readonly AmountType[];

export function checkDesignation(value: string): Checked<Designation> {
  const found = DESIGNATIONS.find((d) => d === value);
  return found ? ok(found) : fail("must be one of Checking, Savings, MoneyMarket");
}

export function checkAmountType(value: string): Checked<AmountType> {
  const found = AMOUNT_TYPES.find((t) => t === value);
  return found ? ok(found) : fail("must be one of Flat, Percentage, Balance Remainder");
}

/** $99,999,999.99: the 10-digit amount field of a NACHA entry, in cents. */
export const MAX_FLAT_CENTS = 9_999_999_999;
/** 100.00 %, in hundredths of a percent. */
export const MAX_PERCENT_HUNDREDTHS = 10_000;

/**
 * dd-domain's rounding: 2 decimals, half away from zero, decided on the shortest decimal
 * that round-trips to `value` (what a JSON body says), not on the binary value, so 1.005
 * is 1.01. Returns hundredths (cents, or hundredths of a percent).
 */
function roundToHundredths(value: number): Checked<number> {
  if (!Number.isFinite(value)) return fail("must be a finite number");
  if (value <= 0) return fail("must be greater than 0");
  // JavaScript and Rust both print the shortest round-trip decimal; JavaScript switches to
  // exponent form outside [1e-6, 1e21), where the outcome is already known.
  const text = String(value);
  if (text.includes("e")) return value < 1 ? ok(0) : fail("is too large");
  const [whole = "", frac = ""] = text.split(".");
  if (whole.length > 15) return fail("is too large");
  const digit = (i: number) => Number(frac[i] ?? "0");
  const roundUp = digit(2) >= 5 ? 1 : 0;
  return ok(Number(whole) * 100 + digit(0) * 10 + digit(1) + roundUp);
}

/** A validated amount: the stored integer (null for Balance Remainder). */
export interface Allocation {
  amountType: AmountType;
  /** Cents for Flat, hundredths of a percent for Percentage, null for Balance Remainder. */
  stored: number | null;
}

/** dd_domain::Allocation::new: the (amountType, amount) pair of a request body. */
export function checkAllocation(amountType: AmountType, amount: number | null): Checked<Allocation> {
  if (amountType === "Balance Remainder") {
    return amount === null
      ? ok({ amountType, stored: null })
      : fail("must be null for Balance Remainder");
  }
  if (amount === null) return fail("is required for Flat and Percentage");
  const rounded = roundToHundredths(amount);
  if (!rounded.ok) return rounded;
  const stored = rounded.value;
  if (stored <= 0) return fail("must be at least 0.01");
  if (amountType === "Flat" && stored > MAX_FLAT_CENTS) {
    return fail("must be at most 99999999.99 for Flat");
  }
  if (amountType === "Percentage" && stored > MAX_PERCENT_HUNDREDTHS) {
    return fail("must be at most 100 for Percentage");
  }
  return ok({ amountType, stored });
}
