// The deposits feature's pages, loaded together on first use (see app/routes.tsx).
export { AddDepositPage } from "./AddDepositPage";
export { DepositsPage } from "./DepositsPage";
export { EditDepositPage } from "./EditDepositPage";
