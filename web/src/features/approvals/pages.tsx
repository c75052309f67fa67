// The approvals feature's page, loaded on first use (see app/routes.tsx). HR admins only:
// anyone else gets the "Not allowed" page (and the API refuses anyway).
import { RequireAdmin } from "../sign-in/RequireSession";
import { ApprovalsPage } from "./ApprovalsPage";

export function AdminApprovalsPage() {
  return (
    <RequireAdmin>
      <ApprovalsPage />
    </RequireAdmin>
  );
}
