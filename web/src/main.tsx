import "./ui/styles/index.css";

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./app/App";
import { loadConfig } from "./app/config";
import { adoptTokenFromLocation } from "./features/sign-in/token";

const root = createRoot(document.getElementById("root") as HTMLElement);

// Before anything renders: a token from the single sign-on leaves the URL at once.
adoptTokenFromLocation(window.location, window.history);

loadConfig()
  .then((config) =>
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    ),
  )
  .catch(() =>
    root.render(
      <main className="boot-error">
        <h1>Direct deposits are unavailable</h1>
        <p>The app could not load its settings. Reload the page in a moment.</p>
      </main>,
    ),
  );
