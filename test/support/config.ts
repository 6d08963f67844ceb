import * as path from "node:path";
import { Naming } from "../../components/naming";
import { parseStackConfig } from "../../config/load";
import type { StackConfig } from "../../config/schema";
import { loadStackConfig } from "../../offline/runtime/harness";

/** Repository root (holds Pulumi.yaml and the stack files). */
export const ROOT = path.resolve(__dirname, "../..");

/**
 * Raw `webapp-platform:*` values of a committed stack file (of the repository, or of `dir` such as an example's
 * folder), JSON-decoded, without the project prefix and the external secrets.
 */
export function rawStackConfig(stack: "staging" | "production", dir: string = ROOT): Record<string, unknown> {
  const { config } = loadStackConfig(dir, stack);
  const raw: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(config)) {
    const [ns, name] = key.split(":");
    if (ns !== "webapp-platform" || name === "externalSecrets") continue;
    try {
      raw[name] = JSON.parse(text);
    } catch {
      raw[name] = text;
    }
  }
  return raw;
}

/** The validated config of a committed stack, optionally with sections replaced (shallow per section). */
export function stackConfig(
  stack: "staging" | "production",
  patch: { [K in keyof StackConfig]?: Record<string, unknown> | boolean } = {},
): StackConfig {
  const raw = rawStackConfig(stack);
  for (const [k, v] of Object.entries(patch)) {
    raw[k] = typeof v === "object" && v !== null ? { ...(raw[k] as object), ...v } : v;
  }
  const external = (raw.secrets as { external?: string[] } | undefined)?.external ?? [];
  return parseStackConfig(raw, external);
}

/** The Naming the program builds for `stack` (organization "organization", as under the harness). */
export function namingFor(config: StackConfig, stack: string): Naming {
  return new Naming({
    workload: config.environment.workload,
    environment: config.environment.name,
    location: config.environment.location,
    uniqueSeed: `organization/webapp-platform/${stack}`,
  });
}
