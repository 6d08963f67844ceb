// Preload for tools/bench-policy-check.ts: on exit, writes the process's peak resident set size (KB) to the file
// named by BENCH_RSS_FILE, so the bench can report memory without parsing the command's own output.
"use strict";
const fs = require("node:fs");

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
}
