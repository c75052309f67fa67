// "Edit": the amount type and amount of one deposit (the bank account is fixed once
// created), then a review step with the paycheck preview, then "Submit".

import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useForm } from "react-hook-form";
import { useNavigate, useParams } from "react-router";

import { describeError } from "../../api/errors";
import type { DirectDeposit } from "../../api/types";
import { Account } from "../../ui/Account";
import { ErrorSummary, type Problem } from "../../ui/ErrorSummary";
import { DESIGNATION_LABELS } from "../../ui/format";
import { Page } from "../../ui/Page";
import { StatusBadge } from "../../ui/StatusBadge";
import { AmountFields } from "./AmountFields";
import { problemsOf } from "./DepositForm";
import type { Flash } from "./DepositsPage";
import { allocationBody, amountSchema, toAllocation, type AmountValues } from "./formSchema";
import { PaycheckPreview } from "./PaycheckPreview";
import { useDeposit, useDeposits, useOwnEmployee, useUpdateDeposit, type EmployeeRef } from "./queries";
import { AmountSummary, ReviewList } from "./ReviewList";

export function EditDepositPage() {
  const who = useOwnEmployee();
  const id = Number(useParams().id);
  const deposit = useDeposit(who, id);
  const [values, setValues] = useState<AmountValues | null>(null);
  if (!who || deposit.isError) {
    return (
      <Page title="Edit direct deposit">
        <ErrorSummary problems={[{ message: deposit.error ? describeError(deposit.error) : "There is no such deposit." }]} />
      </Page>
    );
  }
  if (deposit.isPending) {
    return (
      <Page title="Edit direct deposit">
        <p aria-busy="true">Loading…</p>
      </Page>
    );
  }
  if (!values) return <EditForm deposit={deposit.data} onContinue={setValues} />;
  return <Review who={who} deposit={deposit.data} values={values} onBack={() => setValues(null)} />;
}

function AccountSummary({ deposit }: { deposit: DirectDeposit }) {
  return (
    <p className="panel account-summary">
      <span>
        <Account number={deposit.bankAccount.accountNumber} /> · {DESIGNATION_LABELS[deposit.bankAccount.designation]} · routing{" "}
        {deposit.bankAccount.routingNumber}
      </span>
      <StatusBadge status={deposit.status} />
    </p>
  );
}

function EditForm({ deposit, onContinue }: { deposit: DirectDeposit; onContinue: (v: AmountValues) => void }) {
  const navigate = useNavigate();
  const [problems, setProblems] = useState<Problem[]>([]);
  const form = useForm<AmountValues>({
    defaultValues: { amountType: deposit.amountType, amount: deposit.amount === null ? "" : String(deposit.amount) },
    resolver: zodResolver(amountSchema),
    reValidateMode: "onSubmit",
    shouldFocusError: false,
  });
  const amountType = form.watch("amountType");
  return (
    <Page title="Edit direct deposit" intro="Change how much of each paycheck goes to this account.">
      <AccountSummary deposit={deposit} />
      <Form
        className="form"
        validationBehavior="aria"
        onSubmit={form.handleSubmit(
          (values) => {
            setProblems([]);
            onContinue(values);
          },
          (errors) => setProblems(problemsOf(errors, ["amountType", "amount"])),
        )}
      >
        <ErrorSummary problems={problems} />
        <fieldset className="form-section">
          <legend>How much</legend>
          <AmountFields control={form.control} errors={form.formState.errors} amountType={amountType} />
        </fieldset>
        <div className="form-actions">
          <Button type="submit" className="button button-primary">
            Continue
          </Button>
          <Button className="button button-quiet" onPress={() => navigate("/deposits")}>
            Cancel
          </Button>
        </div>
      </Form>
    </Page>
  );
}

function Review({
  who,
  deposit,
  values,
  onBack,
}: {
  who: EmployeeRef;
  deposit: DirectDeposit;
  values: AmountValues;
  onBack: () => void;
}) {
  const navigate = useNavigate();
  const update = useUpdateDeposit(who, deposit.id);
  const deposits = useDeposits(who);
  const patch = toAllocation(values);
  const submit = () =>
    update.mutate(patch, {
      onSuccess: (saved) => {
        const flash: Flash = {
          flash: saved.status === "Approved" ? "Deposit changed. Payroll uses the new amount from the next payday." : "Deposit changed.",
        };
        navigate("/deposits", { state: flash });
      },
    });
  return (
    <Page title="Review your change" intro="Check the new amount, then submit it.">
      {update.isError ? <ErrorSummary problems={[{ message: describeError(update.error) }]} /> : null}
      <ReviewList
        items={[
          ["Bank account", <Account key="a" number={deposit.bankAccount.accountNumber} />],
          ["Now", <AmountSummary key="n" allocation={allocationBody(deposit.amountType, deposit.amount)} />],
          ["New amount", <AmountSummary key="m" allocation={patch} />],
        ]}
      />
      <PaycheckPreview
        who={who}
        change={{ proposed: patch, replacing: deposit.id }}
        accountFor={(id) =>
          id === null ? deposit.bankAccount.accountNumber : deposits.data?.find((d) => d.id === id)?.bankAccount.accountNumber
        }
      />
      <div className="form-actions">
        <Button className="button button-primary" onPress={submit} isDisabled={update.isPending}>
          Submit
        </Button>
        <Button className="button button-quiet" onPress={onBack} isDisabled={update.isPending}>
          Change amount
        </Button>
      </div>
    </Page>
  );
}
