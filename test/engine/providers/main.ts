/**
 * Entry point of the stand-in provider plugins: `main.ts <package> <engine args...>` serves one stand-in over
 * the provider gRPC protocol with `@pulumi/pulumi/provider`, at the plugin version the SDK package asks for.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as provider from "@pulumi/pulumi/provider";
import { azureNativeOptions } from "./azure";
import { randomOptions } from "./random";
import { StandInProvider, type StandInOptions } from "./standin";
import { timeOptions } from "./time";
import { vercelOptions } from "./vercel";

const root = path.resolve(__dirname, "..", "..", "..");

/** The SDK package's folder and the plugin version its package.json `pulumi.version` names. */
function sdk(pkg: string): { dir: string; version: string } {
  const dir = path.join(root, "node_modules", pkg);
  const json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
    pulumi: { version: string };
  };
  return { dir, version: json.pulumi.version };
}

const builders: Record<string, () => StandInOptions> = {
  "azure-native": () => {
    const s = sdk("@pulumi/azure-native");
    return azureNativeOptions(s.dir, s.version);
  },
  vercel: () => {
    const s = sdk("@pulumiverse/vercel");
    return vercelOptions(s.dir, s.version);
  },
  time: () => {
    const s = sdk("@pulumiverse/time");
    return timeOptions(s.dir, s.version);
  },
  random: () => {
    const s = sdk("@pulumi/random");
    return randomOptions(s.dir, s.version);
  },
};

async function run(name: string, args: string[]): Promise<void> {
  if (name === "postgresql") {
    // Written beside the others by the PostgreSQL stand-in work; loaded by path so the rest builds without it.
    const modulePath = "./postgresql/provider";
    const pg = (await import(modulePath)) as { main(args: string[]): Promise<void> };
    return pg.main(args);
  }
  const build = builders[name];
  if (build === undefined) throw new Error(`no stand-in provider named ${name}`);
  return provider.main(new StandInProvider(build()), args);
}

const [name, ...args] = process.argv.slice(2);
run(name ?? "", args).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
