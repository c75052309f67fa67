import { Button } from "react-aria-components";
import { useNavigate } from "react-router";

import type { DirectDeposit } from "../../api/types";
import { Account } from "../../ui/Account";
import { AMOUNT_TYPE_LABELS, DESIGNATION_LABELS, formatAmount } from "../../ui/format";
import { StatusBadge } from "../../ui/StatusBadge";

/** The employee's deposits as a table; on a phone each row becomes a card (CSS only). */
export function DepositTable({ deposits, onDelete }: { deposits: DirectDeposit[]; onDelete: (d: DirectDeposit) => void }) {
  const navigate = useNavigate();
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="sr-only">Your direct deposits</caption>
        <thead>
          <tr>
            <th scope="col">Bank account</th>
            <th scope="col">Account type</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deposits.map((deposit) => {
            const rowId = `deposit-${deposit.id}`;
            return (
              <tr key={deposit.id}>
                <th scope="row" id={rowId} data-label="Bank account">
                  <Account number={deposit.bankAccount.accountNumber} />
                  <span className="sub">Routing {deposit.bankAccount.routingNumber}</span>
                </th>
                <td data-label="Account type">{DESIGNATION_LABELS[deposit.bankAccount.designation]}</td>
                <td data-label="Amount">
                  <span className="amount">{formatAmount(deposit.amountType, deposit.amount)}</span>
                  <span className="sub">{AMOUNT_TYPE_LABELS[deposit.amountType]}</span>
                </td>
                <td data-label="Status">
                  <StatusBadge status={deposit.status} />
                  {deposit.rejectionReason ? <span className="sub">Reason: {deposit.rejectionReason}</span> : null}
                </td>
                <td className="row-actions">
                  <Button
                    className="button button-small"
                    aria-describedby={rowId}
                    onPress={() => navigate(`/deposits/${deposit.id}/edit`)}
                  >
                    Edit
                  </Button>
                  <Button className="button button-small button-danger-quiet" aria-describedby={rowId} onPress={() => onDelete(deposit)}>
                    Delete
                  </Button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
