/**
 * Release integrity check before `pulumi up`: downloads the API package(s) a stack's config names
 * (`release.stable`, and `release.candidate` when set) and compares each SHA-256 with its `apiPackageSha256`.
 * CI runs it before deploying staging; the promotion controller runs the same check on production's candidate.
 *
 * Usage: npm run verify-release -- --stack staging
 * Exits 0 when every package matches, 1 on a mismatch or an unreadable package, 2 on usage or config errors.
 */
import * as path from "node:path";
import { releaseSchema } from "../config/release";
import { httpPackageDigester, type PackageDigester, verifyPackage } from "../promotion/integrity";
import { loadStackConfig } from "../offline/runtime/harness";

/** Verifies every package `stack`'s committed config names; returns one line per package, failures first. */
export async function verifyStackRelease(
  programDir: string,
  stack: string,
  digester: PackageDigester,
): Promise<{ ok: boolean; lines: string[] }> {
  const { config } = loadStackConfig(programDir, stack);
  const raw = config["webapp-platform:release"];
  if (raw === undefined) throw new Error(`Pulumi.${stack}.yaml sets no webapp-platform:release`);
  const release = releaseSchema.parse(JSON.parse(raw));
  const artifacts = [release.stable, ...(release.candidate === undefined ? [] : [release.candidate])];
  const checks = await Promise.all(artifacts.map((a) => verifyPackage(a, digester)));
  const failures = checks.flatMap((c) => (c.ok ? [] : [c.reason]));
  const passed = artifacts
    .filter((_, i) => checks[i].ok)
    .map((a) => `release ${a.version}: API package SHA-256 matches apiPackageSha256 ${a.apiPackageSha256}`);
  return { ok: failures.length === 0, lines: [...failures, ...passed] };
}

async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf("--stack");
  const stack = i >= 0 ? argv[i + 1] : undefined;
  if (stack === undefined || stack.startsWith("-")) {
    process.stderr.write("usage: npm run verify-release -- --stack <stack>\n");
    return 2;
  }
  try {
    const result = await verifyStackRelease(path.resolve(__dirname, ".."), stack, httpPackageDigester);
    for (const line of result.lines) process.stdout.write(`${line}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`verify-release: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

if (path.basename(process.argv[1] ?? "") === "verify-release.ts") {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
