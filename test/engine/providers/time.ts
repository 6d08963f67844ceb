/**
 * The time stand-in (@pulumiverse/time, bridged from terraform-provider-time): `Sleep` really waits its
 * `createDuration` on create and its `destroyDuration` on delete, scaled by STANDIN_SLEEP_SCALE (default 1; the
 * suite compresses 15 minutes to under a second) and logged with the unscaled duration, so a test can assert
 * the wait was asked for and that it ran before what depends on it. `triggers` force a new sleep, as in the
 * provider's schema (triggers: ForceNew).
 */
import type * as provider from "@pulumi/pulumi/provider";
import { logCall, reveal, type Props, type StandInOptions } from "./standin";

/** Go duration strings as terraform-provider-time accepts them ("15m", "1h30m", "90s", "500ms"). */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] as string] ?? 0), 0);
}

function checkDurations(inputs: Props): provider.CheckFailure[] {
  const failures: provider.CheckFailure[] = [];
  for (const key of ["createDuration", "destroyDuration"]) {
    const v = reveal(inputs[key]);
    if (v !== undefined && (typeof v !== "string" || parseDuration(v) === undefined)) {
      failures.push({
        property: key,
        reason: `${key} must be a duration such as "30s" or "15m", got ${JSON.stringify(v)}`,
      });
    }
  }
  return failures;
}

async function sleepFor(inputs: Props, key: string, urn: string): Promise<void> {
  const text = reveal(inputs[key]);
  if (typeof text !== "string") return;
  const ms = parseDuration(text) ?? 0;
  const scale = Number(process.env.STANDIN_SLEEP_SCALE ?? "1");
  logCall({ provider: "time", method: "sleep", urn, duration: text, scaledMillis: ms * scale });
  await new Promise((resolve) => setTimeout(resolve, ms * scale));
}

export function timeOptions(sdkDir: string, version: string): StandInOptions {
  return {
    name: "time",
    version,
    sdkDir,
    dtsPath: (type) => `${type.split(":")[1]?.split("/")[1] ?? ""}.d.ts`,
    replaceOn: (_type, key) => key === "triggers",
    defaultId: () => new Date().toISOString(),
    types: {
      "time:index/sleep:Sleep": {
        validate: checkDurations,
        // The provider sleeps on create only; changing a duration later is an in-place update without a wait.
        apply: async (ctx, op) =>
          op === "create" ? sleepFor(ctx.inputs, "createDuration", ctx.urn) : undefined,
      },
    },
  };
}
