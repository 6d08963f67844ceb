/**
 * Reads which config values the stack settings file (`Pulumi.<stack>.yaml`) stores as `secure:`. The engine hands
 * the program decrypted values and marks only whole top-level keys secret (`PULUMI_CONFIG_SECRET_KEYS`), so a plain
 * value written beside secure ones inside one key is invisible at run time; the file shows it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

/**
 * Environment variable naming the stack settings file to read instead of `<project>/Pulumi.<stack>.yaml`; tools that
 * run the program with config of their own (the plan, the tests) point it at what they pass.
 */
export const STACK_FILE_ENV = "WEBAPP_PLATFORM_STACK_FILE";

/** The parsed `config:` map of a stack settings file, `secure:` values still encrypted. */
export type StackFileConfig = Record<string, unknown>;

/** True for a `{secure: "..."}` value as the stack file stores it. */
export function isSecureValue(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** The `config:` map of the running stack's settings file, or undefined when there is none (config from ESC only). */
export function readStackFileConfig(): StackFileConfig | undefined {
  let file = process.env[STACK_FILE_ENV];
  if (file === undefined || file === "") {
    const root = pulumi.runtime.getRootDirectory() || process.cwd();
    const project = ["Pulumi.yaml", "Pulumi.yml"]
      .map((f) => path.join(root, f))
      .find((f) => fs.existsSync(f));
    const dir =
      project === undefined ? undefined : (YAML.parse(fs.readFileSync(project, "utf8")) ?? {}).stackConfigDir;
    file = path.join(root, typeof dir === "string" ? dir : "", `Pulumi.${pulumi.getStack()}.yaml`);
  }
  if (!fs.existsSync(file)) return undefined;
  const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: unknown };
  return doc.config !== null && typeof doc.config === "object" ? (doc.config as StackFileConfig) : {};
}

/** Dotted paths (`a.b[0].c`, without the key) of every `secure:` value inside one stack-file value. */
export function securePaths(value: unknown, at = ""): string[] {
  if (isSecureValue(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => securePaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => securePaths(v, at === "" ? k : `${at}.${k}`));
  }
  return [];
}
