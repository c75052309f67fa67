import { Button } from "react-aria-components";
import { NavLink, Outlet, useNavigate } from "react-router";

import { useMe, useSession } from "../features/sign-in/session";

/** Header (who is signed in, where to go, "Sign out") around every signed-in page. */
export function AppShell() {
  const me = useMe();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const name = me.firstName ? `${me.firstName} ${me.lastName ?? ""}`.trim() : me.email;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <div className="top-bar-inner">
          <span className="brand">
            <span className="brand-mark" aria-hidden="true" /> Direct Deposits
          </span>
          <nav aria-label="Main" className="main-nav">
            <ul>
              {me.employeeId !== null ? (
                <li>
                  <NavLink to="/deposits" end={false}>
                    My deposits
                  </NavLink>
                </li>
              ) : null}
              {me.role === "admin" ? (
                <li>
                  <NavLink to="/approvals">Pending approvals</NavLink>
                </li>
              ) : null}
            </ul>
          </nav>
          <div className="who">
            <span className="who-name">
              {name}
              <span className="who-meta">
                {me.role === "admin" ? "HR admin" : "Employee"} · {me.tenantName}
              </span>
            </span>
            <Button
              className="button button-quiet"
              onPress={() => {
                signOut();
                navigate("/sign-in", { replace: true });
              }}
            >
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
