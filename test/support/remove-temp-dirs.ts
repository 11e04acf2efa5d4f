import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dirs";

// A setup file's afterAll runs after the test file's own (hooks run as a stack): a stack the file started
// has stopped before its state folder is removed.
afterAll(removeTempDirs);
