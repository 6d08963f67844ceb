import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as state from "@pulumi/pulumi/runtime/state";
import { isUnknown } from "@pulumi/pulumi/output";
import * as YAML from "yaml";
import { fakeCall, fakeResource } from "./fakes";

/** One resource registration as the engine would receive it. */
export interface RecordedResource {
  /** The resource's URN. */
  readonly urn: string;
  /** Type token, e.g. `azure-native:keyvault:Vault`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** True for provider-managed resources, false for components. */
  readonly custom: boolean;
  /** Parent URN, if any. */
  readonly parent?: string;
  /** Provider reference (`urn::id`) as the engine sees it, if an explicit provider was set. */
  readonly provider?: string;
  /** The `protect` resource option. */
  readonly protect: boolean;
  /** URNs this resource depends on. */
  readonly dependencies: string[];
  /** Input property name to the URNs its value came from. */
  readonly propertyDependencies: Record<string, string[]>;
  /** Inputs with secrets unwrapped; values unknown in a preview are the SDK's unknown sentinel. */
  readonly inputs: Record<string, unknown>;
  /** Dotted paths of inputs that were Pulumi secrets. */
  readonly secretPaths: string[];
}

/** Everything a synthesis produced. */
export interface SynthesisResult {
  /** Registrations in the order the engine received them. */
  readonly resources: RecordedResource[];
  /** Stack outputs, with secrets unwrapped. */
  readonly outputs: Record<string, unknown>;
  /** Dotted paths of stack outputs that are secrets. */
  readonly secretOutputs: string[];
}

/** Options for {@link synthesize}. */
export interface SynthesizeOptions {
  /** Directory of the Pulumi program (holds Pulumi.yaml). */
  readonly programDir: string;
  /** Stack name; its `Pulumi.<stack>.yaml` config is loaded. */
  readonly stack: string;
  /** Run as a preview: outputs the providers compute are unknown. Default false. */
  readonly preview?: boolean;
  /** Config values layered over the stack file, keyed `namespace:key` (objects are JSON-encoded). */
  readonly configOverrides?: Record<string, unknown>;
  /** Keys (namespace:key) to drop from the stack file before overrides apply. */
  readonly configRemovals?: string[];
}

/** Marks a config value that stood in a stack file as `secure:`; the plan can't decrypt it. */
export const SECRET_PLACEHOLDER_PREFIX = "[secret placeholder: ";

interface ProjectFile {
  name: string;
  main?: string;
}

function readProject(programDir: string): ProjectFile {
  const file = ["Pulumi.yaml", "Pulumi.yml"]
    .map((f) => path.join(programDir, f))
    .find((f) => fs.existsSync(f));
  if (file === undefined) throw new Error(`no Pulumi.yaml in ${programDir}`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as Partial<ProjectFile> | null;
  if (typeof doc?.name !== "string") throw new Error(`${file} has no project name`);
  return { name: doc.name, main: doc.main };
}

/** Replaces every `{secure: ...}` in a config value by a marked placeholder; reports whether it found one. */
function replaceSecure(value: unknown, key: string): { value: unknown; secret: boolean } {
  if (Array.isArray(value)) {
    const items = value.map((v, i) => replaceSecure(v, `${key}[${i}]`));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && "secure" in obj) {
      return { value: `${SECRET_PLACEHOLDER_PREFIX}${key}]`, secret: true };
    }
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = replaceSecure(v, `${key}.${k}`);
      out[k] = r.value;
      secret ||= r.secret;
    }
    return { value: out, secret };
  }
  return { value, secret: false };
}

/** Loads a stack file's config as the engine passes it to a program: strings, objects JSON-encoded. */
export function loadStackConfig(
  programDir: string,
  stack: string,
  overrides: Record<string, unknown> = {},
  removals: string[] = [],
): { config: Record<string, string>; secretKeys: string[] } {
  const file = path.join(programDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`stack '${stack}' has no config file ${file}`);
  const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw: Record<string, unknown> = { ...(doc.config ?? {}) };
  for (const k of removals) delete raw[k];
  Object.assign(raw, overrides);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const { value, secret } = replaceSecure(v, key);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

function unwrap(value: unknown, at: string, secretPaths: string[]): unknown {
  if (rpc.isRpcSecret(value)) {
    secretPaths.push(at);
    return unwrap(rpc.unwrapRpcSecret(value), at, []);
  }
  if (Array.isArray(value)) return value.map((v, i) => unwrap(v, `${at}[${i}]`, secretPaths));
  if (value !== null && typeof value === "object" && !isUnknown(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrap(v, at === "" ? k : `${at}.${k}`, secretPaths);
    return out;
  }
  return value;
}

// Drains the SDK's pending registrations; internal to the pinned SDK, like `disconnect` uses it.
const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;

/** The parts of the SDK's gRPC RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getObject(): Parameters<typeof rpc.deserializeProperties>[0] | undefined;
  getPropertydependenciesMap(): {
    forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getDependenciesList(): string[];
}

/** A mock engine that records each registration with the options and dependencies the real engine gets. */
class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];

  override async registerResource(
    req: RegisterRequest,
    callback: (err: unknown, res: { getUrn(): string } | undefined) => void,
  ): Promise<void> {
    const struct = req.getObject();
    const withSecrets = struct ? (rpc.deserializeProperties(struct, true) as Record<string, unknown>) : {};
    const secretPaths: string[] = [];
    const inputs = unwrap(withSecrets, "", secretPaths) as Record<string, unknown>;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const type = req.getType();
    const name = req.getName();
    this.recorded.push({
      // The URN the mock monitor assigns, so it matches the URNs in other resources' dependencies.
      urn: (this as unknown as { newUrn(parent: string, type: string, name: string): string }).newUrn(
        req.getParent(),
        type,
        name,
      ),
      type,
      name,
      custom: req.getCustom(),
      // The request carries "" for an absent parent or provider.
      parent: req.getParent() === "" ? undefined : req.getParent(),
      provider: req.getProvider() === "" ? undefined : req.getProvider(),
      protect: req.getProtect() === true,
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      inputs,
      secretPaths,
    });
    return super.registerResource(req, callback);
  }
}

let loaded: Map<string, unknown> | undefined;

async function loadProgram(programDir: string, main: string | undefined): Promise<unknown> {
  loaded ??= new Map();
  let entry = path.resolve(programDir, main ?? "index.ts");
  if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) entry = path.join(entry, "index.ts");
  if (!fs.existsSync(entry)) throw new Error(`program entry ${entry} not found`);
  if (!loaded.has(entry)) {
    const mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
    loaded.set(entry, mod.default ?? mod);
  }
  return loaded.get(entry);
}

/** Options for {@link record}. */
export interface RecordOptions {
  /** Project name. Default webapp-platform. */
  readonly project?: string;
  /** Stack name. Default test. */
  readonly stack?: string;
  /** Preview semantics: provider-computed outputs unknown. Default false. */
  readonly preview?: boolean;
  /** Config as the engine passes it (`namespace:key` to string). */
  readonly config?: Record<string, string>;
  /** Config keys that are secrets. */
  readonly secretKeys?: string[];
}

/**
 * Runs `fn` (which registers resources) under the SDK's mock runtime and returns every registration with
 * what the engine would receive, plus `fn`'s result resolved. Unmocked provider function calls throw.
 */
export async function record(fn: () => unknown, opts: RecordOptions = {}): Promise<SynthesisResult> {
  const monitor = new RecordingMonitor({
    newResource: (args) => {
      if (opts.preview === true) return { id: undefined, state: args.inputs };
      return fakeResource(args.type, args.name, args.inputs);
    },
    call: (args) => fakeCall(args.token, args.inputs),
  });
  pulumi.runtime.setMockOptions(
    monitor,
    opts.project ?? "webapp-platform",
    opts.stack ?? "test",
    opts.preview === true,
    "organization",
  );
  // Same feature flags `setMocks` sets (the store accessor is internal to the pinned SDK).
  const store = (state as unknown as { getStore(): Record<string, boolean> }).getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsDeletedWith = true;
  store.supportsAliasSpecs = true;
  store.supportsTransforms = false;
  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
  // Like `pulumi up`, run inside the root Stack resource, so stack transformations and parenting work.
  // A program error is caught inside the Stack and rethrown here, so the Stack's own outputs never reject unhandled.
  let result: unknown;
  let failure: { error: unknown } | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    try {
      result = await fn();
    } catch (error) {
      failure = { error };
    }
    return failure === undefined ? result : undefined;
  });
  if (failure !== undefined) {
    await waitForRPCs();
    throw failure.error;
  }
  const secretOutputs: string[] = [];
  const outputs = await collectOutputs(result, secretOutputs);
  await waitForRPCs();
  return { resources: monitor.recorded, outputs, secretOutputs };
}

/**
 * Runs a Pulumi TypeScript program in-process under the SDK's mock runtime with a stack's committed
 * config and returns every registration. Programs that export a function (like ours) can be synthesized
 * any number of times in one process; programs that register resources at import run once per process.
 */
export async function synthesize(opts: SynthesizeOptions): Promise<SynthesisResult> {
  const programDir = path.resolve(opts.programDir);
  const project = readProject(programDir);
  const { config, secretKeys } = loadStackConfig(
    programDir,
    opts.stack,
    opts.configOverrides,
    opts.configRemovals,
  );
  return record(
    async () => {
      const program = await loadProgram(programDir, project.main);
      return typeof program === "function" ? await (program as () => unknown)() : program;
    },
    { project: project.name, stack: opts.stack, preview: opts.preview, config, secretKeys },
  );
}

async function collectOutputs(value: unknown, secrets: string[], at = ""): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) {
    out[k] = await resolveValue(v, secrets, at === "" ? k : `${at}.${k}`);
  }
  return out;
}

async function resolveValue(v: unknown, secrets: string[], at: string): Promise<unknown> {
  // The engine exports a resource as a reference to it; its URN stands in (walking its fields would never end).
  if (pulumi.Resource.isInstance(v)) return resolveValue(v.urn, secrets, at);
  if (pulumi.Output.isInstance(v)) {
    const o = v as pulumi.Output<unknown>;
    if (await pulumi.isSecret(o)) secrets.push(at);
    // `promise(true)` yields the unknown sentinel instead of never settling when a preview value is unknown.
    const inner = await (o as unknown as { promise(withUnknowns: boolean): Promise<unknown> }).promise(true);
    return resolveValue(inner, secrets, at);
  }
  if (Array.isArray(v)) return Promise.all(v.map((x, i) => resolveValue(x, secrets, `${at}[${i}]`)));
  if (v !== null && typeof v === "object") return collectOutputs(v, secrets, at);
  return v;
}
