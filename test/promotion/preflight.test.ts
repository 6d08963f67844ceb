import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rolloutSchema } from "../../config/rollout";
import { exitCodes } from "../../promotion/controller";
import { policyFor } from "../../promotion/cli";
import { maintenanceWindowRefusal } from "../../promotion/preflight";
import { policyCollector } from "../../promotion/pulumi-driver";
import { artifact, stagingRolloutInput } from "../../offline/promotion-sim/sim";
import { scenario, shape } from "./helpers";

function untouched(s: ReturnType<typeof scenario>): void {
  expect(s.production.ops.filter((o) => o.op === "up")).toHaveLength(0);
  expect(shape(s.production.config)).toBe("1.0.0/-@0");
  expect(s.frontend.calls).toEqual([]);
}

describe("candidate check against staging", () => {
  it("refuses a version staging never ran", async () => {
    const s = scenario();
    const result = await s.controller.promote({ from: "staging", to: "production", expectVersion: "9.9.9" });

    expect(result.outcome).toBe("refused");
    expect(result.exitCode).toBe(exitCodes.refused);
    expect(result.reason).toBe(
      "staging never ran release 9.9.9 (it runs 2.0.0); production only accepts a release staging ran",
    );
    untouched(s);
  });

  it("refuses a version staging ran before but no longer runs", async () => {
    const s = scenario();
    const result = await s.controller.promote({ from: "staging", to: "production", expectVersion: "1.0.0" });

    expect(result.reason).toBe(
      "staging ran 1.0.0 before but now runs 2.0.0; production only accepts the release staging runs now",
    );
    untouched(s);
  });

  it("refuses when the last staging update failed", async () => {
    const s = scenario();
    s.staging.seedUpdate({ stable: artifact("2.0.0"), canaryPercentage: 0 }, 60_000, "failed");
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe(
      "the last staging update failed; production needs a release whose last staging update succeeded",
    );
    untouched(s);
  });

  it("refuses a release that has not soaked when it may not wait (--soak-wait-minutes 0)", async () => {
    const s = scenario({ stagingRanMs: 12 * 60_000 });
    const result = await s.controller.promote({ from: "staging", to: "production", soakWaitMinutes: 0 });

    expect(result.reason).toBe(
      "staging has run 2.0.0 for 12 min; the soak time is 30 min; the remaining 18 min exceed the 0 min this run may wait (--soak-wait-minutes)",
    );
    untouched(s);
  });

  it("started right after the staging deployment, waits for the soak with a line a minute, then promotes", async () => {
    const s = scenario({ stagingRanMs: 2 * 60_000 });
    const started = s.clock.now();
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    const waits = s.lines.filter((l) => l.includes("waiting for the soak")).map((l) => l.slice(9));
    expect(waits).toHaveLength(28);
    expect(waits[0]).toBe(
      "waiting for the soak: staging has run 2.0.0 for 2 min; the soak time is 30 min; 28 min to go, checking staging again in 60 s",
    );
    expect(waits.at(-1)).toBe(
      "waiting for the soak: staging has run 2.0.0 for 29 min; the soak time is 30 min; 1 min to go, checking staging again in 60 s",
    );
    const preview = s.production.ops.find((o) => o.op === "preview")!;
    expect(preview.at - started).toBe(28 * 60_000);
  });

  it("a staging update that fails during the wait is refused at once", async () => {
    const s = scenario({ stagingRanMs: 2 * 60_000 });
    const started = s.clock.now();
    const history = s.staging.history.bind(s.staging);
    s.staging.history = async (limit) => {
      if (s.clock.now() - started >= 10 * 60_000 && s.staging.updates[0]?.result !== "failed")
        s.staging.seedUpdate({ stable: s.candidate, canaryPercentage: 0 }, 0, "failed");
      return history(limit);
    };
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe(
      "the last staging update failed; production needs a release whose last staging update succeeded",
    );
    expect(s.clock.now() - started).toBe(10 * 60_000);
    expect(s.lines.filter((l) => l.includes("waiting for the soak"))).toHaveLength(10);
    untouched(s);
  });

  it("a wait longer than allowed is refused at once, naming the minutes", async () => {
    const s = scenario({ stagingRanMs: 2 * 60_000 });
    const result = await s.controller.promote({ from: "staging", to: "production", soakWaitMinutes: 20 });

    expect(result.reason).toBe(
      "staging has run 2.0.0 for 2 min; the soak time is 30 min; the remaining 28 min exceed the 20 min this run may wait (--soak-wait-minutes)",
    );
    untouched(s);
  });

  it("refuses when staging's metrics have no data over the soak", async () => {
    const s = scenario();
    s.gates.fault = "no-data";
    s.gates.faultAt = 0;
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe("staging metrics unavailable: query API answered HTTP 503");
    untouched(s);
  });

  it("refuses when staging's error rate over the soak broke its gate", async () => {
    const s = scenario({
      stagingRollout: { ...stagingRolloutInput, gates: { inconclusiveLimit: 3, maxErrorRatePercent: 1 } },
    });
    s.gates.fault = "error-rate";
    s.gates.faultAt = 0;
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe("staging error rate over the soak was 12.00% > 1%");
  });

  it("refuses a release production already runs", async () => {
    const s = scenario();
    s.production.deployed = { stable: s.candidate, canaryPercentage: 0 };
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe("production already runs 2.0.0");
  });
});

describe("production preflight", () => {
  it("refuses when the preview fails the policy pack, naming the policies, and restores the config", async () => {
    const s = scenario();
    s.production.policyViolations = [
      "azure-webapp-enforce-min-tls",
      "postgresql-server-enable-high-availability",
    ];
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("refused");
    expect(result.reason).toBe(
      "the production preview with the policy pack (config policies/config/production.json) failed: " +
        "mandatory policies violated: azure-webapp-enforce-min-tls, postgresql-server-enable-high-availability; " +
        "production's release config is restored",
    );
    expect(shape(s.production.config)).toBe("1.0.0/-@0");
    expect(s.production.ops.filter((o) => o.op === "up")).toHaveLength(0);
  });

  it("runs the preview and every stage and finalize up with the policy pack and production's policy config", async () => {
    const s = scenario();
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    const withPolicy = { policyPacks: ["policies"], policyPackConfigs: ["policies/config/production.json"] };
    expect(s.production.ops.filter((o) => o.op !== "writeRelease").map((o) => [o.op, o.policy])).toEqual([
      ["preview", withPolicy],
      ["up", withPolicy],
      ["up", withPolicy],
      ["up", withPolicy],
      ["up", withPolicy],
    ]);
  });

  it("a rollback up runs without the policy pack, so a policy can never block the way back", async () => {
    const s = scenario();
    s.production.onUp = (release) => {
      if (release.canaryPercentage === 50) s.production.policyViolations = ["azure-webapp-enforce-min-tls"];
    };
    s.production.upOutcome = () => true;
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe(
      "stage 2 (50%) up failed: mandatory policies violated: azure-webapp-enforce-min-tls",
    );
    expect(
      s.production.ops.filter((o) => o.op === "up").map((o) => [o.release!.canaryPercentage, o.ok, o.policy]),
    ).toEqual([
      [10, true, { policyPacks: ["policies"], policyPackConfigs: ["policies/config/production.json"] }],
      [50, false, { policyPacks: ["policies"], policyPackConfigs: ["policies/config/production.json"] }],
      [0, true, {}],
    ]);
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
  });

  it("refuses outside the enforced maintenance window, naming the next opening", async () => {
    const s = scenario({
      start: new Date("2026-11-24T10:15:00Z"),
      rollout: { maintenanceWindow: { enforce: true } },
    });
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe(
      "it is tuesday 10:15 UTC, outside the maintenance window (sunday 02:00-04:00 UTC); next window opens 2026-11-29T02:00:00.000Z",
    );
    untouched(s);
  });

  it("promotes outside the window when told to, and records that", async () => {
    const s = scenario({
      start: new Date("2026-11-24T10:15:00Z"),
      rollout: { maintenanceWindow: { enforce: true } },
    });
    const result = await s.controller.promote({
      from: "staging",
      to: "production",
      ignoreMaintenanceWindow: true,
    });

    expect(result.outcome).toBe("promoted");
    expect(s.lines.some((l) => l.includes("maintenance window ignored on request"))).toBe(true);
  });

  it("refuses when the Vercel rolling-release stages differ from the plan", async () => {
    const s = scenario();
    s.frontend.template = [5, 100];
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe(
      "the Vercel rolling-release stages are 5/100, the rollout plan's are 10/50/100; run pulumi up on production first",
    );
  });

  it("refuses a candidate frontendRef that is a deployment of staging's project, changing nothing", async () => {
    const s = scenario();
    const candidate = { ...s.candidate, frontendRef: "dpl_stagingcand1" };
    s.staging.config = { stable: candidate, canaryPercentage: 0 };
    s.staging.deployed = s.staging.config;
    s.staging.seedUpdate(s.staging.config, 2 * 3_600_000);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe(
      "the Vercel candidate of 2.0.0 is not ready: Vercel answered HTTP 400: deployment dpl_stagingcand1 belongs to project prj_staging",
    );
    untouched(s);
  });

  it("drives only the API canary when the frontend is not driven", async () => {
    const s = scenario({ frontend: false });
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(s.frontend.calls).toEqual([]);
  });
});

describe("policy pack and config", () => {
  const root = join(__dirname, "../..");

  it("pairs the pack with the stack's config file under <pack>/config", () => {
    const policy = policyFor(
      { workDir: root, stateDir: ".promotion", policyPack: "policies", vercel: true },
      root,
    );
    expect(policy("production")).toEqual({
      policyPacks: [join(root, "policies")],
      policyPackConfigs: [join(root, "policies/config/production.json")],
    });
  });

  it("a stack without a policy config file is an error naming the file and the option", () => {
    const policy = policyFor(
      { workDir: root, stateDir: ".promotion", policyPack: "policies", vercel: true },
      root,
    );
    expect(() => policy("qa")).toThrow(
      `the policy config of stack qa, ${join(root, "policies/config/qa.json")}, does not exist; --policy-pack-config-dir must name the folder holding <stack>.json for each stack`,
    );
  });

  it("the driver names each mandatory policy the engine reports once, and ignores advisory ones", () => {
    const c = policyCollector();
    const event = (policyName: string, enforcementLevel: "mandatory" | "warning") => ({
      sequence: 1,
      timestamp: 1,
      policyEvent: {
        message: "m",
        color: "never",
        policyName,
        policyPackName: "webapp-platform-policies",
        policyPackVersion: "0.1.0",
        policyPackVersionTag: "0.1.0",
        enforcementLevel,
      },
    });
    c.onEvent(event("azure-webapp-enforce-min-tls", "mandatory"));
    c.onEvent(event("postgresql-configuration-enable-logging", "warning"));
    c.onEvent(event("azure-webapp-enforce-min-tls", "mandatory"));
    c.onEvent(event("postgresql-server-enable-high-availability", "mandatory"));
    expect(c.violations).toEqual([
      "azure-webapp-enforce-min-tls",
      "postgresql-server-enable-high-availability",
    ]);
  });
});

describe("maintenance window", () => {
  const window = rolloutSchema.parse({}).maintenanceWindow;
  const at = (iso: string) => Date.parse(iso);

  it("allows a rollout that fits between 02:00 and 04:00 on Sunday", () => {
    expect(maintenanceWindowRefusal(window, at("2026-11-22T02:00:00Z"), 15)).toBeUndefined();
    expect(maintenanceWindowRefusal(window, at("2026-11-22T03:45:00Z"), 15)).toBeUndefined();
  });

  it("refuses a rollout that would run past the window's end", () => {
    expect(maintenanceWindowRefusal(window, at("2026-11-22T03:50:00Z"), 15)).toBe(
      "the rollout needs at least 15 min but the maintenance window (sunday 02:00-04:00 UTC) closes at 04:00; next window opens 2026-11-29T02:00:00.000Z",
    );
  });

  it("names the same Sunday's window when it is still ahead", () => {
    expect(maintenanceWindowRefusal(window, at("2026-11-22T01:00:00Z"), 15)).toBe(
      "it is sunday 01:00 UTC, outside the maintenance window (sunday 02:00-04:00 UTC); next window opens 2026-11-22T02:00:00.000Z",
    );
  });
});
