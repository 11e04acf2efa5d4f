import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { assertJava, JavaMissingError } from "../../../local/emulators";

describe("npm start without Java", () => {
  const path = process.env.PATH;
  let noJava: string | undefined;
  afterEach(() => {
    process.env.PATH = path;
    if (noJava) rmSync(noJava, { recursive: true, force: true });
    noJava = undefined;
  });

  it("fails with one clear line that names the install command", () => {
    noJava = mkdtempSync(join(tmpdir(), "no-java-"));
    process.env.PATH = noJava;
    expect(() => assertJava()).toThrow(JavaMissingError);
    try {
      assertJava();
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
      expect((error as Error).message).toContain("apt-get install -y default-jre-headless");
    }
  });
});
