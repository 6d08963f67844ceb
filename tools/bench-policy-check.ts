/**
 * Start-up bench of the mock-runtime commands: each command runs as a fresh `node --import tsx` process (one Node
 * process, as `npm run plan|policy-check` starts them) and is reported as a ratio to the floor measured in the same
 * run, round-robin: `plan` on a one-resource program (test/fixtures/other-program). Each command's wall time and
 * its CPU time (user + system; steadier than wall time on a loaded machine) are given as ratios to the floor's.
 * Memory is the peak RSS; per resource it is the RSS above the floor divided by the resources above the floor's.
 * Usage: npx tsx tools/bench-policy-check.ts [--runs N]   (exits 1 when a ratio is above --max-ratio, default 3)
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

const root = path.join(__dirname, "..");
const floorProgram = path.join(root, "test", "fixtures", "other-program");

/** One command the bench starts; `count` reads the resource count from its JSON output. */
interface Bench {
  readonly label: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly count: (json: string) => number;
}

const planCount = (json: string): number => (JSON.parse(json) as { total: number }).total;
const checkCount = (json: string): number => (JSON.parse(json) as { resourceCount: number }).resourceCount;

const benches: readonly Bench[] = [
  {
    label: "floor: plan, one-resource program",
    script: "tools/plan.ts",
    args: ["--stack", "dev", "--program-dir", floorProgram, "--json"],
    count: planCount,
  },
  ...["staging", "production"].flatMap((stack) => [
    { label: `plan ${stack}`, script: "tools/plan.ts", args: ["--stack", stack, "--json"], count: planCount },
    {
      label: `policy-check ${stack}`,
      script: "tools/policy-check.ts",
      args: ["--stack", stack, "--json"],
      count: checkCount,
    },
  ]),
];

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Runs one command in a fresh process; returns wall and CPU time (ms), peak RSS (KB) and its resource count. */
function measure(b: Bench, rssFile: string): { ms: number; cpuMs: number; rssKb: number; resources: number } {
  const start = performance.now();
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      ["--require", path.join(__dirname, "bench-rss.cjs"), "--import", "tsx", b.script, ...b.args],
      {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, BENCH_RSS_FILE: rssFile },
      },
    );
  } catch (e) {
    // policy-check exits 1 on mandatory violations; its report is still on stdout.
    out = String((e as { stdout?: unknown }).stdout ?? "");
  }
  const ms = performance.now() - start;
  const usage = JSON.parse(fs.readFileSync(rssFile, "utf8")) as { rssKb: number; cpuMs: number };
  return { ms, cpuMs: usage.cpuMs, rssKb: usage.rssKb, resources: b.count(out) };
}

function main(): void {
  const flag = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const runs = flag("--runs", 5);
  const maxRatio = flag("--max-ratio", 3);
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), "rss");
  const samples = benches.map(() => ({
    ms: [] as number[],
    cpu: [] as number[],
    rss: [] as number[],
    resources: 0,
  }));
  // Round-robin, so load on a shared machine hits every command alike.
  for (let run = 0; run < runs; run++) {
    benches.forEach((b, i) => {
      const m = measure(b, rssFile);
      samples[i]!.ms.push(m.ms);
      samples[i]!.cpu.push(m.cpuMs);
      samples[i]!.rss.push(m.rssKb);
      samples[i]!.resources = m.resources;
    });
  }
  const floor = samples[0]!;
  const floorMs = median(floor.ms);
  const floorCpu = median(floor.cpu);
  const floorRss = median(floor.rss);
  let over = false;
  console.log(
    `${runs} runs per command, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  benches.forEach((b, i) => {
    const s = samples[i]!;
    const ms = median(s.ms);
    const ratio = ms / floorMs;
    const cpu = median(s.cpu);
    const rss = median(s.rss);
    const extra = s.resources - floor.resources;
    const perResource =
      i === 0 || extra <= 0
        ? ""
        : `, ${((rss - floorRss) / extra).toFixed(0)} KB per resource above the floor`;
    over ||= ratio > maxRatio;
    console.log(
      `${b.label.padEnd(36)} ${String(s.resources).padStart(4)} resources  median ${ms.toFixed(0).padStart(6)} ms  ${ratio.toFixed(2)}x floor  CPU ${cpu.toFixed(0).padStart(5)} ms  ${(cpu / floorCpu).toFixed(2)}x floor  peak RSS ${(rss / 1024).toFixed(0)} MB${perResource}`,
    );
  });
  process.exit(over ? 1 : 0);
}

main();
