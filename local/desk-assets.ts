import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

/**
 * The built desk's files as CloudFront serves them: hashed assets as they are (cached for good), any other
 * path the single-page app's index (its routes). Served by the local stack (local/desk.ts) and by the
 * desk's development server with the mock API (desk/dev/serve.ts).
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

export interface DeskAssetResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** The answer to GET `/desk/<relative>` from the built desk in `root` (an absolute path). */
export async function deskAsset(root: string, relative: string): Promise<DeskAssetResponse> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return { status: 400, headers: { "content-type": "text/plain" }, body: "bad path" };
  }
  const file = normalize(join(root, decoded));
  const asset = file.startsWith(`${root}/`) && extname(file) !== "";
  const target = asset ? file : join(root, "index.html");
  try {
    const body = await readFile(target);
    return {
      status: 200,
      headers: {
        "content-type": TYPES[extname(target)] ?? "application/octet-stream",
        "cache-control": target.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
      },
      body,
    };
  } catch {
    return { status: 404, headers: { "content-type": "text/plain" }, body: "not found" };
  }
}
