// Preload for tools/bench-policy-check.ts: on exit, writes the process's peak resident set size (KB) and the CPU
// time it used (user + system, ms) as JSON to the file named by BENCH_RSS_FILE, so the bench can report memory and
// CPU without parsing the command's own output.
"use strict";
const fs = require("node:fs");

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    fs.writeFileSync(file, JSON.stringify({ rssKb: usage.maxRSS, cpuMs }));
  });
}
