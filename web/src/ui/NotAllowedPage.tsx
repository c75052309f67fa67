import { Link } from "react-router";

import { Page } from "./Page";

/** Shown when a signed-in user opens a page their role may not use. */
export function NotAllowedPage({ what }: { what: string }) {
  return (
    <Page title="Not allowed" intro={`${what} are for HR admins only.`}>
      <div className="panel">
        <p>
          Your account can manage your own direct deposits. If you think you should have access, ask your HR
          team.
        </p>
        <p>
          <Link to="/deposits">Go to your direct deposits</Link>
        </p>
      </div>
    </Page>
  );
}
