// The add / edit forms: what a person types (text) → the request body, through the same
// rules as the server (validation.ts). Messages name the field by its label.

import { z } from "zod/mini";

import type { AllocationBody, AmountType, Designation, NewDirectDeposit } from "../../api/types";
import { checkAccountNumber, checkAllocation, checkAmountType, checkDesignation, checkRoutingNumber } from "./validation";

export const FIELD_IDS = {
  routingNumber: "routing-number",
  accountNumber: "account-number",
  confirmAccountNumber: "confirm-account-number",
  designation: "account-type",
  amountType: "amount-type",
  amount: "amount",
} as const;

export const FIELD_LABELS = {
  routingNumber: "Routing number",
  accountNumber: "Account number",
  confirmAccountNumber: "Confirm account number",
  designation: "Account type",
  amountType: "Amount type",
  amount: "Amount",
} as const;

export type FieldName = keyof typeof FIELD_IDS;

export interface AmountValues {
  amountType: AmountType | "";
  amount: string;
}

export interface DepositValues extends AmountValues {
  routingNumber: string;
  accountNumber: string;
  confirmAccountNumber: string;
  designation: Designation | "";
}

export const EMPTY_DEPOSIT: DepositValues = {
  routingNumber: "",
  accountNumber: "",
  confirmAccountNumber: "",
  designation: "",
  amountType: "",
  amount: "",
};

/**
 * The number a person typed: "250", "12.50", "$1,250.00", "12.5%". Anything else (letters,
 * exponents, two dots) is refused as text before the server's rules apply to the number.
 */
export function parseAmountText(text: string): number | null {
  const plain = text.trim().replace(/^\$/, "").replace(/%$/, "").replace(/,/g, "").trim();
  if (!/^(\d+\.?\d*|\.\d+)$/.test(plain)) return null;
  return Number(plain);
}

function sentence(field: FieldName, reason: string): string {
  return `${FIELD_LABELS[field]} ${reason}.`;
}

type Issue = (field: FieldName, message: string) => void;

function checkAmountFields(values: AmountValues, issue: Issue): number | null | undefined {
  const kind = checkAmountType(values.amountType);
  if (!kind.ok) {
    issue("amountType", "Choose an amount type.");
    return undefined;
  }
  if (kind.value === "Balance Remainder") return null;
  if (values.amount.trim() === "") {
    issue("amount", kind.value === "Percentage" ? "Enter the percentage of your pay." : "Enter the amount.");
    return undefined;
  }
  const amount = parseAmountText(values.amount);
  if (amount === null) {
    issue("amount", "Amount must be a number, like 250 or 12.50.");
    return undefined;
  }
  const allocation = checkAllocation(kind.value, amount);
  if (!allocation.ok) {
    issue("amount", sentence("amount", allocation.reason));
    return undefined;
  }
  return amount;
}

type Context = Parameters<Parameters<typeof z.superRefine<unknown>>[0]>[1];

function addIssue(ctx: Context): Issue {
  return (field, message) => ctx.addIssue({ code: "custom", path: [field], message, input: undefined });
}

export const depositSchema = z.custom<DepositValues>().check(
  z.superRefine((values, ctx) => {
    const issue = addIssue(ctx);
    if (values.routingNumber === "") issue("routingNumber", "Enter the routing number.");
    else {
      const routing = checkRoutingNumber(values.routingNumber);
      if (!routing.ok) issue("routingNumber", sentence("routingNumber", routing.reason));
    }
    if (values.accountNumber === "") issue("accountNumber", "Enter the account number.");
    else {
      const account = checkAccountNumber(values.accountNumber);
      if (!account.ok) issue("accountNumber", sentence("accountNumber", account.reason));
    }
    if (values.confirmAccountNumber === "") issue("confirmAccountNumber", "Enter the account number again.");
    else if (values.confirmAccountNumber !== values.accountNumber) {
      issue("confirmAccountNumber", "Confirm account number must match the account number.");
    }
    if (!checkDesignation(values.designation).ok) issue("designation", "Choose an account type.");
    checkAmountFields(values, issue);
  }),
);

export const amountSchema = z.custom<AmountValues>().check(
  z.superRefine((values, ctx) => {
    checkAmountFields(values, addIssue(ctx));
  }),
);

/** The create body of valid form values (after {@link depositSchema} passed). */
export function toNewDeposit(values: DepositValues): NewDirectDeposit {
  return {
    ...toAllocation(values),
    bankAccount: {
      routingNumber: values.routingNumber,
      accountNumber: values.accountNumber,
      designation: values.designation as Designation,
    },
  };
}

/** The amount type and amount of valid form values, as the API takes them. */
export function toAllocation(values: AmountValues): AllocationBody {
  return allocationBody(values.amountType as AmountType, parseAmountText(values.amount));
}

export function allocationBody(amountType: AmountType, amount: number | null): AllocationBody {
  switch (amountType) {
    case "Flat":
    case "Percentage":
      // Validated before: Flat and Percentage always have an amount here.
      return { amountType, amount: amount ?? 0 };
    case "Balance Remainder":
      // "absent or null" in the contract; absent keeps the generated body type simple.
      return { amountType };
  }
}

/** Pasted numbers often carry spaces around them; they are dropped before the rules run. */
export function normalize(values: DepositValues): DepositValues {
  return {
    ...values,
    routingNumber: values.routingNumber.trim(),
    accountNumber: values.accountNumber.trim(),
    confirmAccountNumber: values.confirmAccountNumber.trim(),
  };
}
