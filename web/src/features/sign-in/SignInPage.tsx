// "Sign in": under `ddctl serve`, one button per demo user (named by the e-mail address);
// in AWS, a link to the HR product's single sign-on, which returns to /app/#token=….

import { useMutation, useQuery } from "@tanstack/react-query";
import { Button } from "react-aria-components";
import { Navigate, useLocation } from "react-router";

import { ErrorSummary } from "../../ui/ErrorSummary";
import { Page } from "../../ui/Page";
import { fetchDemoUsers, signInAsDemoUser, type DemoUser } from "./localSignIn";
import { useSession } from "./session";

export function SignInPage() {
  const { config, token, notice } = useSession();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  if (token) return <Navigate to={from && from !== "/sign-in" ? from : "/"} replace />;
  return (
    <main id="main" className="sign-in">
      <div className="sign-in-card">
        <p className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" /> Direct Deposits
        </p>
        <Page title="Sign in" intro="Choose where your pay goes: your bank accounts, your split, in one place.">
          {notice ? (
            <p className="notice notice-info" role="status">
              {notice}
            </p>
          ) : null}
          {config.signIn === "local" ? <DemoUsers /> : <SsoSignIn ssoUrl={config.signIn.ssoUrl} />}
        </Page>
      </div>
    </main>
  );
}

function SsoSignIn({ ssoUrl }: { ssoUrl: string }) {
  const back = `${window.location.origin}${import.meta.env.BASE_URL}`;
  const href = `${ssoUrl}${ssoUrl.includes("?") ? "&" : "?"}redirect_uri=${encodeURIComponent(back)}`;
  return (
    <p>
      <a className="button button-primary" href={href}>
        Continue with your company account
      </a>
    </p>
  );
}

const ROLE_LABEL = { employee: "Employee", admin: "HR admin" } as const;

function DemoUsers() {
  const { signIn } = useSession();
  const users = useQuery({ queryKey: ["demo-users"], queryFn: fetchDemoUsers, staleTime: Infinity });
  const choose = useMutation({
    mutationFn: (user: DemoUser) => signInAsDemoUser(user.email),
    onSuccess: (token) => signIn(token),
  });
  if (users.isPending) return <p aria-busy="true">Loading demo users…</p>;
  if (users.isError) {
    return <ErrorSummary problems={[{ message: "The demo users could not be loaded. Is ddctl serve running?" }]} />;
  }
  return (
    <>
      {choose.isError ? <ErrorSummary problems={[{ message: "Sign-in failed. Try again." }]} /> : null}
      <p className="hint">
        Local demo: pick a user. In production you arrive here signed in from your HR product.
      </p>
      <ul className="user-list">
        {users.data.map((user) => {
          const about = `user-${user.email.replace(/[^a-z0-9]/gi, "-")}`;
          return (
            <li key={user.email} className="user-item">
              <span className="avatar" aria-hidden="true">
                {initials(user.name)}
              </span>
              <span className="user-text">
                <Button
                  className="link-button user-email"
                  aria-describedby={about}
                  isDisabled={choose.isPending}
                  onPress={() => choose.mutate(user)}
                >
                  {user.email}
                </Button>
                <span id={about} className="user-about">
                  {user.name} · {ROLE_LABEL[user.role]} · {user.tenantName}
                </span>
              </span>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((part) => part[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
}
