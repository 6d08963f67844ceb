/**
 * Benchmarks the offline policy check per stack: synthesis under the mock runtime plus evaluation of every rule.
 * Usage: npx tsx tools/bench-policy-check.ts [--runs N] (target: < 2 s per stack on the 2-core CI machine).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { runPolicyCheck } from "./policy-check";

const stacks = ["staging", "production"];
const tsx = path.join(__dirname, "..", "node_modules", ".bin", "tsx");
const targetMs = 2000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--runs");
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 5;
  let slow = false;
  for (const stack of stacks) {
    const times: number[] = [];
    let resources = 0;
    for (let run = 0; run <= runs; run++) {
      const start = performance.now();
      const result = await runPolicyCheck({ stack });
      const elapsed = performance.now() - start;
      resources = result.resourceCount;
      if (run > 0) {
        times.push(elapsed);
      }
    }
    const m = median(times);
    slow ||= m > targetMs;
    console.log(
      `${stack}: ${resources} resources, median ${m.toFixed(0)} ms over ${runs} runs (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), target < ${targetMs} ms`,
    );
    // What a user waits for: a fresh `npm run policy-check` process, including Node, tsx and module loading.
    const cold: number[] = [];
    for (let run = 0; run < Math.min(runs, 3); run++) {
      const start = performance.now();
      execFileSync(tsx, [path.join(__dirname, "policy-check.ts"), "--stack", stack, "--json"], {
        stdio: "ignore",
      });
      cold.push(performance.now() - start);
    }
    console.log(
      `${stack}: fresh process (npm run policy-check) median ${median(cold).toFixed(0)} ms over ${cold.length} runs`,
    );
  }
  process.exit(slow ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
