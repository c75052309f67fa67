// "Add direct deposit": the form, then a review step (with the paycheck preview of the
// change), then "Submit" to the API. Errors from the API (duplicate, invalid, not allowed)
// appear in an error summary that takes focus.

import { useState } from "react";
import { Button } from "react-aria-components";
import { useNavigate } from "react-router";

import { describeError } from "../../api/errors";
import { Account } from "../../ui/Account";
import { DESIGNATION_LABELS, mask } from "../../ui/format";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Page } from "../../ui/Page";
import { DepositForm } from "./DepositForm";
import type { Flash } from "./DepositsPage";
import { EMPTY_DEPOSIT, toAllocation, toNewDeposit, type DepositValues } from "./formSchema";
import { useCreateDeposit, useDeposits, useOwnEmployee, type EmployeeRef } from "./queries";
import { AmountSummary, ReviewList } from "./ReviewList";
import { PaycheckPreview } from "./PaycheckPreview";

export function AddDepositPage() {
  const who = useOwnEmployee();
  const navigate = useNavigate();
  const [values, setValues] = useState<DepositValues | null>(null);
  if (!who) {
    return (
      <Page title="Add direct deposit">
        <p>Your sign-in is not linked to an employee record.</p>
      </Page>
    );
  }
  if (!values) {
    return (
      <Page title="Add direct deposit" intro="Step 1 of 2: the bank account and how much of each paycheck goes there.">
        <DepositForm initial={EMPTY_DEPOSIT} onContinue={setValues} onCancel={() => navigate("/deposits")} />
      </Page>
    );
  }
  return <Review who={who} values={values} onBack={() => setValues(null)} />;
}

function Review({ who, values, onBack }: { who: EmployeeRef; values: DepositValues; onBack: () => void }) {
  const navigate = useNavigate();
  const create = useCreateDeposit(who);
  const deposits = useDeposits(who);
  const body = toNewDeposit(values);
  const submit = () =>
    create.mutate(body, {
      onSuccess: () => {
        const flash: Flash = { flash: "Deposit added. It is pending until HR approves it." };
        navigate("/deposits", { state: flash });
      },
    });
  return (
    <Page title="Review your direct deposit" intro="Step 2 of 2: check the details, then submit them for approval.">
      {create.isError ? <ErrorSummary problems={[{ message: describeError(create.error) }]} /> : null}
      <ReviewList
        items={[
          ["Routing number", values.routingNumber],
          ["Account number", <Account key="a" number={mask(values.accountNumber)} />],
          ["Account type", DESIGNATION_LABELS[body.bankAccount.designation]],
          ["Amount", <AmountSummary key="m" allocation={toAllocation(values)} />],
        ]}
      />
      <PaycheckPreview
        who={who}
        headingLevel={2}
        change={{ proposed: toAllocation(values) }}
        accountFor={(id) =>
          id === null ? mask(values.accountNumber) : deposits.data?.find((d) => d.id === id)?.bankAccount.accountNumber
        }
      />
      <div className="form-actions">
        <Button className="button button-primary" onPress={submit} isDisabled={create.isPending}>
          Submit
        </Button>
        <Button className="button button-quiet" onPress={onBack} isDisabled={create.isPending}>
          Change details
        </Button>
      </div>
    </Page>
  );
}
