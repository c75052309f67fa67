// "Pending approvals" (HR admin): the company's pending direct deposits, oldest first, each
// with Approve and Reject (a reason is required), and the full account number on request.

import { useRef, useState } from "react";
import { Button } from "react-aria-components";

import { describeError } from "../../api/errors";
import type { PendingDeposit } from "../../api/types";
import { ErrorSummary, type Problem } from "../../ui/ErrorSummary";
import { AMOUNT_TYPE_LABELS, DESIGNATION_LABELS, formatAmount, formatDateTime } from "../../ui/format";
import { Page } from "../../ui/Page";
import { useMe } from "../sign-in/session";
import { usePending, useApprove, type CompanyRef } from "./queries";
import { RejectDialog } from "./RejectDialog";
import { RevealAccount } from "./RevealAccount";

export function ApprovalsPage() {
  const me = useMe();
  if (me.companyId === null) {
    return (
      <Page title="Pending approvals">
        <p>Your sign-in is not linked to a company.</p>
      </Page>
    );
  }
  return <Approvals company={{ tenantId: me.tenantId, companyId: me.companyId }} />;
}

function Approvals({ company }: { company: CompanyRef }) {
  const pending = usePending(company);
  const approve = useApprove(company);
  const [rejecting, setRejecting] = useState<PendingDeposit | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  // The decided row disappears with the button that had focus: focus goes to the outcome.
  const statusBox = useRef<HTMLDivElement>(null);
  const announce = (message: string) => {
    setStatus(message);
    requestAnimationFrame(() => statusBox.current?.focus());
  };

  const onApprove = (deposit: PendingDeposit) => {
    setProblems([]);
    setStatus(null);
    approve.mutate(deposit, {
      onSuccess: () => announce(`Approved ${deposit.employeeName}'s deposit. It goes to payroll now.`),
      onError: (error) => setProblems([{ message: describeError(error) }]),
    });
  };

  const count = pending.data?.length ?? 0;
  return (
    <Page
      title="Pending approvals"
      intro="New and changed direct deposits wait here until you approve or reject them. Oldest first."
    >
      <div className="status-box" role="status" tabIndex={-1} ref={statusBox}>
        {status ? <p className="notice notice-success">{status}</p> : null}
      </div>
      <ErrorSummary problems={problems} />
      {pending.isPending ? (
        <p aria-busy="true">Loading pending deposits…</p>
      ) : pending.isError ? (
        <ErrorSummary problems={[{ message: describeError(pending.error) }]} />
      ) : count === 0 ? (
        <div className="panel empty">
          <h2>All caught up</h2>
          <p>No direct deposits are waiting for approval.</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="sr-only">Direct deposits waiting for approval, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Employee</th>
                <th scope="col">Bank account</th>
                <th scope="col">Amount</th>
                <th scope="col">Submitted</th>
                <th scope="col">
                  <span className="sr-only">Decision</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.data.map((deposit) => {
                const rowId = `pending-${deposit.id}`;
                return (
                  <tr key={deposit.id}>
                    <th scope="row" id={rowId} data-label="Employee">
                      {deposit.employeeName}
                      <span className="sub">Employee #{deposit.employeeId}</span>
                    </th>
                    <td data-label="Bank account">
                      <RevealAccount company={company} deposit={deposit} />
                      <span className="sub">
                        {DESIGNATION_LABELS[deposit.bankAccount.designation]} · routing {deposit.bankAccount.routingNumber}
                      </span>
                    </td>
                    <td data-label="Amount">
                      <span className="amount">{formatAmount(deposit.amountType, deposit.amount)}</span>
                      <span className="sub">{AMOUNT_TYPE_LABELS[deposit.amountType]}</span>
                    </td>
                    <td data-label="Submitted">{formatDateTime(deposit.submittedAt)}</td>
                    <td className="row-actions">
                      <Button
                        className="button button-small button-primary"
                        aria-describedby={rowId}
                        isDisabled={approve.isPending}
                        onPress={() => onApprove(deposit)}
                      >
                        Approve
                      </Button>
                      <Button
                        className="button button-small button-danger-quiet"
                        aria-describedby={rowId}
                        onPress={() => {
                          setStatus(null);
                          setRejecting(deposit);
                        }}
                      >
                        Reject
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <RejectDialog
        company={company}
        deposit={rejecting}
        onClose={() => setRejecting(null)}
        onRejected={(deposit) => {
          setRejecting(null);
          announce(`Rejected ${deposit.employeeName}'s deposit. They will see your reason.`);
        }}
      />
    </Page>
  );
}
