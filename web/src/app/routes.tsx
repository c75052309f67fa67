import { Navigate, type RouteObject } from "react-router";

import { ApprovalsPage } from "../features/approvals/ApprovalsPage";
import { AddDepositPage } from "../features/deposits/AddDepositPage";
import { DepositsPage } from "../features/deposits/DepositsPage";
import { EditDepositPage } from "../features/deposits/EditDepositPage";
import { RequireAdmin, RequireSession } from "../features/sign-in/RequireSession";
import { SignInPage } from "../features/sign-in/SignInPage";
import { useMe } from "../features/sign-in/session";
import { NotFoundPage } from "../ui/NotFoundPage";
import { AppShell } from "./AppShell";

/** Where a user lands: HR admins on their queue, employees on their deposits. */
function Home() {
  const me = useMe();
  return <Navigate to={me.role === "admin" ? "/approvals" : "/deposits"} replace />;
}

export const routes: RouteObject[] = [
  { path: "/sign-in", element: <SignInPage /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <AppShell />,
        children: [
          { index: true, element: <Home /> },
          { path: "deposits", element: <DepositsPage /> },
          { path: "deposits/new", element: <AddDepositPage /> },
          { path: "deposits/:id/edit", element: <EditDepositPage /> },
          {
            path: "approvals",
            element: (
              <RequireAdmin>
                <ApprovalsPage />
              </RequireAdmin>
            ),
          },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];
