import { useEffect, type ReactNode } from "react";
import { Navigate, Outlet, useLocation } from "react-router";

import { ApiError } from "../../api/errors";
import { NotAllowedPage } from "../../ui/NotAllowedPage";
import { MeProvider, useMe, useMeQuery, useSession } from "./session";

/** Pages below need a signed-in user; without one the sign-in page opens. */
export function RequireSession() {
  const { token, claims, signOut } = useSession();
  const location = useLocation();
  const me = useMeQuery();
  const expired = claims !== null && claims.exp > 0 && claims.exp * 1000 <= Date.now();
  const rejected = me.error instanceof ApiError && (me.error.isUnauthenticated || me.error.isNotAllowed);

  useEffect(() => {
    if (token && (claims === null || expired || rejected)) signOut("Your session has ended. Sign in again.");
  }, [token, claims, expired, rejected, signOut]);

  if (!token || claims === null || expired || rejected) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
  }
  if (me.isPending) {
    return (
      <main className="loading" aria-busy="true">
        <p>Loading your account…</p>
      </main>
    );
  }
  if (me.isError) {
    return (
      <main className="boot-error">
        <h1>Direct deposits are unavailable</h1>
        <p>We could not load your account. Reload the page in a moment.</p>
      </main>
    );
  }
  return (
    <MeProvider value={me.data}>
      <Outlet />
    </MeProvider>
  );
}

/** HR admin pages: anyone else gets a clear "Not allowed" page (and the API refuses anyway). */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const me = useMe();
  if (me.role !== "admin") return <NotAllowedPage what="Pending approvals" />;
  return children;
}
