// "What lands where for a $X paycheck": the server computes it with dd-domain's allocation
// code (POST …/paycheck-preview), so the page and payroll can never disagree.

import { useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";

import type { AllocationBody, AmountType, PaycheckPreviewRequest } from "../../api/types";
import { describeError } from "../../api/errors";
import { Account } from "../../ui/Account";
import { formatAmount, formatMoney } from "../../ui/format";
import { TextField } from "../../ui/fields";
import { parseAmountText } from "./formSchema";
import { usePaycheckPreview, type EmployeeRef } from "./queries";
import { checkAllocation } from "./validation";

/** The proposed change shown in a review step. */
export interface ProposedChange {
  proposed?: AllocationBody;
  replacing?: number;
}

// The last net pay entered, kept while the app is open so the review steps can reuse it.
let rememberedNetPay = "";

function checkNetPay(text: string): { netPay: number } | { error: string } {
  if (text.trim() === "") return { error: "Enter your net pay." };
  const value = parseAmountText(text);
  if (value === null) return { error: "Net pay must be an amount of money, like 1850.00." };
  // Same range as a Flat amount: more than 0, at most 99,999,999.99, cents.
  const checked = checkAllocation("Flat", value);
  if (!checked.ok || !/^\d*(\.\d{0,2})?$/.test(String(value))) {
    return { error: "Net pay must be more than $0 and at most $99,999,999.99, in whole cents." };
  }
  return { netPay: value };
}

export function PaycheckPreview({
  who,
  change,
  headingLevel = 2,
  accountFor,
}: {
  who: EmployeeRef;
  change?: ProposedChange;
  headingLevel?: 2 | 3;
  /** Masked account of a deposit id (null id: the proposed one). */
  accountFor: (depositId: number | null) => string | undefined;
}) {
  const [text, setText] = useState(rememberedNetPay);
  const [error, setError] = useState<string | null>(null);
  const [request, setRequest] = useState<PaycheckPreviewRequest | null>(() => {
    const checked = checkNetPay(rememberedNetPay);
    return "netPay" in checked ? { netPay: checked.netPay, ...change } : null;
  });
  const preview = usePaycheckPreview(who, request);
  const Heading = headingLevel === 2 ? "h2" : "h3";

  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = checkNetPay(text);
    if ("error" in checked) {
      setError(checked.error);
      setRequest(null);
      return;
    }
    setError(null);
    rememberedNetPay = text;
    setRequest({ netPay: checked.netPay, ...change });
  }

  return (
    <section className="panel preview" aria-labelledby="preview-title">
      <Heading id="preview-title">Paycheck preview</Heading>
      <p className="hint">
        See what lands in each account{change?.proposed ? " after this change" : ""}. Amounts come from payroll's own rules.
      </p>
      <Form className="inline-form" onSubmit={submit} validationBehavior="aria">
        <TextField
          id="net-pay"
          label="Net pay"
          value={text}
          onChange={setText}
          error={error ?? undefined}
          inputMode="decimal"
          prefix="$"
          width="medium"
          description="Your take-home pay for one paycheck"
        />
        <Button type="submit" className="button">
          Show preview
        </Button>
      </Form>
      <div aria-live="polite">
        {preview.isFetching && !preview.data ? <p>Calculating…</p> : null}
        {preview.isError ? <p className="field-error">{describeError(preview.error)}</p> : null}
        {preview.data && request ? (
          <div className="preview-result">
            <table className="data-table compact">
              <caption>For a net pay of {formatMoney(preview.data.netPay)}</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col" className="num">
                    Deposited
                  </th>
                </tr>
              </thead>
              <tbody>
                {preview.data.allocations.map((row, index) => {
                  const account = accountFor(row.depositId ?? null);
                  return (
                    <tr key={row.depositId ?? `new-${index}`} className={row.depositId === null ? "proposed" : undefined}>
                      <th scope="row">
                        {account ? <Account number={account} /> : "Account"}
                        {row.depositId === null ? <span className="tag">New</span> : null}
                        <span className="sub">{ruleText(row.amountType, row.amount)}</span>
                        {row.note ? <span className="sub note">{row.note}</span> : null}
                      </th>
                      <td className="num">{formatMoney(row.deposited)}</td>
                    </tr>
                  );
                })}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">
                    Left over, paid by check
                  </th>
                  <td className="num">{formatMoney(preview.data.undeposited)}</td>
                </tr>
              </tfoot>
            </table>
            {preview.data.warnings.length > 0 ? (
              <ul className="warnings">
                {preview.data.warnings.map((warning) => (
                  <li key={warning}>{warning}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** What a deposit asks for, in words: "$400.00 flat", "15% of net pay", "Balance remainder". */
function ruleText(amountType: AmountType, amount: number | null | undefined): string {
  if (amountType === "Flat") return `${formatAmount(amountType, amount)} flat amount`;
  if (amountType === "Percentage") return `${formatAmount(amountType, amount)} of net pay`;
  return "Balance remainder: what is left";
}
