/**
 * DEVELOPMENT AND TESTS ONLY: serves a built desk (desk/dist) at /desk/ together with the mock API, the way
 * the local stack will serve it with the real one. Used by the browser tests and `npm run desk:preview`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { deskAsset } from "../../local/desk-assets";
import { MockDesk } from "./mock-api";

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
      const { status, headers, body } = await deskAsset(root, path.slice("/desk/".length));
      res.writeHead(status, headers).end(body);
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
