import "@mantine/core/styles.css";
import { Badge, createTheme, MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App";
import { ApiError, createApiClient } from "./api/client";
import type { DeskConfig } from "./api/types";
import { DeskProvider } from "./context";
import { I18nProvider, initialLocale } from "./i18n";

const theme = createTheme({
  primaryColor: "teal",
  // System CJK faces first so Chinese never falls back to a serif or a bitmap font.
  fontFamily:
    "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', Roboto, 'Helvetica Neue', Arial, sans-serif",
  defaultRadius: "sm",
  components: {
    // A badge is a word or two (a priority, a status, "Current version"): shown whole, never cut to
    // "NOR…". Mantine caps a badge at its cell's width and ellipsises the label; without the cap a
    // table's column widens to fit it instead.
    Badge: Badge.extend({
      styles: {
        root: { maxWidth: "none", flexShrink: 0, overflow: "visible" },
        label: { overflow: "visible", textOverflow: "clip" },
      },
    }),
  },
});

async function start() {
  // The deployment says where Cognito and the API are; the same build runs in AWS and locally.
  const config = (await fetch(`${import.meta.env.BASE_URL}config.json`).then((r) => r.json())) as DeskConfig;
  const api = createApiClient(config);
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        // Auth and permission failures do not get better by asking again.
        retry: (count, error) =>
          !(error instanceof ApiError && [401, 403, 404].includes(error.status)) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
  const locale = initialLocale(config.locale);
  document.documentElement.lang = locale === "zh" ? "zh-CN" : "en";
  const root = document.getElementById("root");
  if (!root) throw new Error("no #root element");
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme}>
        <I18nProvider initial={locale}>
          <QueryClientProvider client={queryClient}>
            <DeskProvider config={config} api={api}>
              <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, "")}>
                <App />
              </BrowserRouter>
            </DeskProvider>
          </QueryClientProvider>
        </I18nProvider>
      </MantineProvider>
    </StrictMode>,
  );
}

void start();
