/**
 * The five product examples under `examples/` (REQUIREMENTS.md, "The five products"): their folders, their
 * validated stack config, and the policy config they are checked with; shared by the offline and real-engine tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseStackConfig } from "../../config/load";
import type { StackConfig } from "../../config/schema";
import { loadStackConfig } from "../../offline/runtime/harness";
import { rawStackConfig, ROOT } from "./config";

/** The example folders, one per product, in README order. */
export const EXAMPLES = ["supply-chain", "policy-mvp", "agentic", "shopify-dashboard", "erp"] as const;
/** One example folder name. */
export type Example = (typeof EXAMPLES)[number];
/** The stacks every example ships. */
export const EXAMPLE_STACKS = ["staging", "production"] as const;
/** One example stack name. */
export type ExampleStack = (typeof EXAMPLE_STACKS)[number];

/** The folder of all examples. */
export const EXAMPLES_DIR = path.join(ROOT, "examples");

/** The program directory (holds Pulumi.yaml) of one example. */
export function exampleDir(example: Example): string {
  return path.join(EXAMPLES_DIR, example);
}

/** The policy-pack config the examples' stacks are checked with (`examples/policy-config/<stack>.json`). */
export function examplePolicyConfig(stack: ExampleStack): string {
  return path.join(EXAMPLES_DIR, "policy-config", `${stack}.json`);
}

/** The validated stack config of one example stack, as the program's loader sees it (secrets left out). */
export function exampleConfig(example: Example, stack: ExampleStack): StackConfig {
  return parseStackConfig(rawStackConfig(stack, exampleDir(example)), exampleExternalSecrets(example, stack));
}

/** Names of the external secrets one example stack stores as `secure:` placeholders. */
export function exampleExternalSecrets(example: Example, stack: ExampleStack): string[] {
  const { config } = loadStackConfig(exampleDir(example), stack);
  const text = config["webapp-platform:externalSecrets"];
  return text === undefined ? [] : Object.keys(JSON.parse(text) as Record<string, unknown>);
}

/** Folders under `examples/` (anything but the shared policy config). */
export function exampleFolders(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "policy-config")
    .map((d) => d.name)
    .sort();
}
