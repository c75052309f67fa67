import { Navigate, type RouteObject } from "react-router";

import { RequireSession } from "../features/sign-in/RequireSession";
import { SignInPage } from "../features/sign-in/SignInPage";
import { useMe } from "../features/sign-in/session";
import { NotFoundPage } from "../ui/NotFoundPage";
import { AppShell } from "./AppShell";

/** Where a user lands: HR admins on their queue, employees on their deposits. */
function Home() {
  const me = useMe();
  return <Navigate to={me.role === "admin" ? "/approvals" : "/deposits"} replace />;
}

// The feature pages load on first use: the sign-in page (the first load) stays small.
const deposits = () => import("../features/deposits/pages");
const approvals = () => import("../features/approvals/pages");

export const routes: RouteObject[] = [
  { path: "/sign-in", element: <SignInPage /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <AppShell />,
        children: [
          { index: true, element: <Home /> },
          { path: "deposits", lazy: async () => ({ Component: (await deposits()).DepositsPage }) },
          { path: "deposits/new", lazy: async () => ({ Component: (await deposits()).AddDepositPage }) },
          { path: "deposits/:id/edit", lazy: async () => ({ Component: (await deposits()).EditDepositPage }) },
          { path: "approvals", lazy: async () => ({ Component: (await approvals()).AdminApprovalsPage }) },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];
