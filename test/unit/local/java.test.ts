import { afterEach, describe, expect, it } from "vitest";
import { assertJava, JavaMissingError } from "../../../local/emulators";
import { tempDir } from "../../support/temp-dirs";

describe("npm start without Java", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it("fails with one clear line that names the install command", () => {
    process.env.PATH = tempDir("no-java-");
    expect(() => assertJava()).toThrow(JavaMissingError);
    try {
      assertJava();
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
      expect((error as Error).message).toContain("apt-get install -y default-jre-headless");
    }
  });
});
