import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { createBrowserRouter, RouterProvider } from "react-router";

import { SessionProvider } from "../features/sign-in/session";
import type { AppConfig } from "./config";
import { routes } from "./routes";

export function App({ config }: { config: AppConfig }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          // A 4xx will not turn into a 2xx by asking again; a lost connection might.
          queries: { retry: (count, error) => count < 2 && !("status" in error), refetchOnWindowFocus: false },
          mutations: { retry: false },
        },
      }),
  );
  const [router] = useState(() => createBrowserRouter(routes, { basename: "/app" }));
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider config={config}>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>
  );
}
