// The promotion's health probes expect the body each stack declares (`api.healthCheckBody`, read from its outputs).
import { describe, expect, it } from "vitest";
import { fakeOutputs } from "../../promotion/sim";
import { stackOutputsSchema } from "../../promotion/stack";
import { scenario } from "./helpers";

describe("health probes expect the stack's healthCheckBody", () => {
  it("preflight probes staging with staging's body, the bake probes the canary with production's", async () => {
    const s = scenario();
    for (const [stack, body] of [
      [s.staging, '"ready":true'],
      [s.production, '"status":"ok"'],
    ] as const) {
      const outputs = stack.outputs.bind(stack);
      stack.outputs = async () => {
        const o = await outputs();
        return { ...o, api: { ...o.api, healthCheckBody: body } };
      };
    }
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(s.gates.probed[0]).toEqual({
      url: "https://app-staging.azurewebsites.net/health",
      expectedBody: '"ready":true',
    });
    const canary = s.gates.probed.slice(1);
    expect(canary).toHaveLength(27);
    expect(new Set(canary.map((p) => `${p.url} ${p.expectedBody}`))).toEqual(
      new Set(['https://app-production-canary.azurewebsites.net/health "status":"ok"']),
    );
  });

  it('reads outputs of stacks deployed before the key as the default "status":"ok"', () => {
    const { healthCheckBody, ...older } = fakeOutputs("production", true).api;
    expect(healthCheckBody).toBe('"status":"ok"');
    const parsed = stackOutputsSchema.parse({
      ...fakeOutputs("production", true),
      api: { ...older, healthCheckBody: null },
      release: {
        stable: {
          version: "1.0.0",
          apiPackageUrl: "https://x.example/a.zip",
          apiPackageSha256: "a".repeat(64),
          frontendRef: "a".repeat(40),
        },
        canaryPercentage: 0,
      },
    });
    expect(parsed.api.healthCheckBody).toBe('"status":"ok"');
    expect(
      stackOutputsSchema.shape.api.parse({ ...older, healthCheckBody: '"healthy":true' }).healthCheckBody,
    ).toBe('"healthy":true');
  });
});
