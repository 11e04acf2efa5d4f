/**
 * DEVELOPMENT AND TESTS ONLY: serves a built desk (desk/dist) at /desk/ together with the mock API, the way
 * the local stack will serve it with the real one. Used by the browser tests and `npm run desk:preview`.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { MockDesk } from "./mock-api";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

export interface DeskServer {
  url: string;
  mock: MockDesk;
  close(): Promise<void>;
}

export async function startDeskServer(options: {
  distDir: string;
  mock: MockDesk;
  port?: number;
}): Promise<DeskServer> {
  const root = resolve(options.distDir);
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (await options.mock.handle(req, res)) return;
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (!path.startsWith("/desk/")) {
        res.writeHead(302, { Location: "/desk/" }).end();
        return;
      }
      const file = normalize(join(root, decodeURIComponent(path.slice("/desk/".length))));
      // Hashed assets are served as they are; every other path is the single-page app's index.
      const target = file.startsWith(root) && extname(file) ? file : join(root, "index.html");
      try {
        const body = await readFile(target);
        res
          .writeHead(200, { "Content-Type": TYPES[extname(target)] ?? "application/octet-stream" })
          .end(body);
      } catch {
        res.writeHead(404).end();
      }
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/desk/`,
    mock: options.mock,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.env.PORT ?? 5174);
  const desk = await startDeskServer({
    distDir: new URL("../dist", import.meta.url).pathname,
    mock: new MockDesk({ password: process.env.KEFU_DESK_DEMO_PASSWORD }),
    port,
  });
  console.log(
    `desk (built, mock API): ${desk.url}  users agent / supervisor / admin, password ${desk.mock.password}`,
  );
}
