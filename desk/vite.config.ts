/**
 * The agents' desk: built into desk/dist and served at /desk/ (the local stack and CloudFront serve the same
 * files). `npm run desk:dev` also mounts the development-only mock API, so the app runs before the real
 * back end exists; `vite build` never includes it.
 */
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";
import { MockDesk } from "./dev/mock-api";

function mockApi(): Plugin {
  return {
    name: "kefu-desk-mock-api",
    apply: "serve",
    configureServer(server) {
      const mock = new MockDesk({ password: process.env.KEFU_DESK_DEMO_PASSWORD });
      server.config.logger.info(
        `  mock desk API: users agent / supervisor / admin, password ${mock.password}`,
      );
      server.middlewares.use((req, res, next) => {
        mock.handle(req, res).then((handled) => handled || next(), next);
      });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: "/desk/",
  plugins: [react(), mockApi()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
});
