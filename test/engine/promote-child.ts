/**
 * A promote process for the kill -9 scenarios of the real-engine suite: the controller of `promotion-rig.ts`
 * (real Automation API driver, local fakes, compressed clock starting at PROMO_CLOCK_SKEW_MS) promoting staging
 * into production, exiting with the controller's exit code. Run with tsx; the tests kill its process group.
 */
import { CompressedClock, rigController } from "./promotion-rig";
import { localHealthProbe } from "./telemetry-fake";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
};

void (async () => {
  const result = await rigController({
    workDir: env("PROMO_WORK_DIR"),
    stateDir: env("PROMO_STATE_DIR"),
    clock: new CompressedClock(Number(env("PROMO_CLOCK_SKEW_MS"))),
    health: localHealthProbe(env("PROMO_TELEMETRY_URL")),
    telemetryUrl: env("PROMO_TELEMETRY_URL"),
    vercelUrl: env("PROMO_VERCEL_URL"),
  }).promote({ from: "staging", to: "production" });
  process.stderr.write(`${result.outcome}: ${result.reason}\n`);
  process.exitCode = result.exitCode;
})();
