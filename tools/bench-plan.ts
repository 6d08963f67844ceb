import { execFileSync } from "node:child_process";
import * as path from "node:path";

/**
 * Measures the plan command end to end (a fresh process each run, as a newcomer runs it) for each stack and
 * prints min / median / max wall time against the 3 s target.
 */
const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 3000;
const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");

let failed = false;
for (const stack of ["staging", "production"]) {
  const times: number[] = [];
  let resources = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const out = execFileSync(tsx, [path.join(ROOT, "tools", "plan.ts"), "--stack", stack, "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    resources = (JSON.parse(out) as { total: number }).total;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const verdict = median < TARGET_MS ? "ok" : "OVER TARGET";
  failed ||= median >= TARGET_MS;
  console.log(
    `plan ${stack.padEnd(10)} resources=${resources} runs=${RUNS} min=${times[0].toFixed(0)}ms ` +
      `median=${median.toFixed(0)}ms max=${times[times.length - 1].toFixed(0)}ms target<${TARGET_MS}ms ${verdict}`,
  );
}
process.exitCode = failed ? 1 : 0;
