import { Link } from "react-router";

import { Page } from "./Page";

export function NotFoundPage() {
  return (
    <Page title="Page not found" intro="There is no page at this address.">
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </Page>
  );
}
