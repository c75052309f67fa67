/** A bank account number: masked ones (`*****6789`) as "•••• 6789", read as "ending 6789". */
export function Account({ number }: { number: string }) {
  const shown = number.replace(/^\*+/, "");
  if (shown === number) return <span className="account">{number}</span>;
  return (
    <span className="account">
      <span aria-hidden="true">••••&nbsp;</span>
      <span className="sr-only">ending </span>
      {shown || <span className="sr-only">hidden</span>}
    </span>
  );
}
