/**
 * The corpus of bad stack configs: every value the program refuses, run through the whole program under the mock
 * engine. Each must fail with exactly the listed messages (each naming its key), before any resource is registered
 * (nothing but the root Stack), and without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigValidationError } from "../config/load";
import { attemptSynthesis } from "../offline/runtime/harness";
import { CORPUS } from "./support/bad-configs";
import { ROOT } from "./support/config";

describe("bad stack configs are refused before any resource is registered", () => {
  it("every message names the key it is about", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
    for (const c of CORPUS) {
      for (const p of c.problems)
        expect(p, c.what).toMatch(/^(webapp-platform|azure-native):[A-Za-z]+[^:]*: /);
    }
  });

  it.each(CORPUS.map((c) => [c.what, c] as const))("refuses %s", async (_what, c) => {
    const attempt = await attemptSynthesis({
      programDir: ROOT,
      stack: c.stack,
      configOverrides: c.overrides,
    });
    expect(attempt.error).toBeInstanceOf(ConfigValidationError);
    const error = attempt.error as ConfigValidationError;
    expect(error.problems).toEqual(c.problems);
    // A RunError is printed by Pulumi as its message alone; the message itself holds no stack trace.
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(attempt.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});
