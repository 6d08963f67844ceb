import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as YAML from "yaml";
import { STACK_FILE_ENV } from "../../config/stack-file";
import { fakeCall, fakePreviewState, fakeResource } from "./fakes";
import { ownSdk, type PulumiSdk, sdkFor } from "./program-sdk";
import { isSdkUnknown, type ResourceRecord } from "../record";

/** Everything a synthesis produced. */
export interface SynthesisResult {
  /** Registrations in the order the engine received them. */
  readonly resources: ResourceRecord[];
  /** Stack outputs, with secrets unwrapped. */
  readonly outputs: Record<string, unknown>;
  /** Dotted paths of stack outputs that are secrets. */
  readonly secretOutputs: string[];
  /** Provider function tokens called with no fake (their results read as unknown, `unfaked: "unknown"` only). */
  readonly unfakedCalls: string[];
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
  /** What a provider function with no fake gives: an error (default, so tests notice) or an unknown result. */
  readonly unfaked?: "throw" | "unknown";
  /** A missing `Pulumi.<stack>.yaml` means empty config (as `pulumi` treats it) instead of an error. */
  readonly allowMissingStackFile?: boolean;
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

/** A stack file's `config:` map with removals and overrides applied, `secure:` values as written. */
function effectiveStackConfig(
  programDir: string,
  stack: string,
  overrides: Record<string, unknown> = {},
  removals: string[] = [],
  allowMissing = false,
): Record<string, unknown> {
  const file = path.join(programDir, `Pulumi.${stack}.yaml`);
  const exists = fs.existsSync(file);
  if (!exists && !allowMissing) throw new Error(`stack '${stack}' has no config file ${file}`);
  const doc = (exists ? (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) : {}) as {
    config?: Record<string, unknown>;
  };
  const raw: Record<string, unknown> = { ...(doc.config ?? {}) };
  for (const k of removals) delete raw[k];
  Object.assign(raw, overrides);
  for (const [k, v] of Object.entries(raw)) if (v === undefined) delete raw[k];
  return raw;
}

/** Loads a stack file's config as the engine passes it to a program: strings, objects JSON-encoded. */
export function loadStackConfig(
  programDir: string,
  stack: string,
  overrides: Record<string, unknown> = {},
  removals: string[] = [],
  allowMissing = false,
): { config: Record<string, string>; secretKeys: string[] } {
  const raw = effectiveStackConfig(programDir, stack, overrides, removals, allowMissing);
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
  if (value !== null && typeof value === "object" && !isSdkUnknown(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrap(v, at === "" ? k : `${at}.${k}`, secretPaths);
    return out;
  }
  return value;
}

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
  /** Absent in SDKs older than source positions. */
  getSourceposition?(): { getUri(): string; getLine(): number } | undefined;
}

/** A gRPC-style callback; the SDK builds its error from `details` (an Error without it arrives empty). */
type Callback = (err: unknown, res: unknown) => void;

/** Gives a mock's error the `details` the SDK reads, prefixed with what was being registered or called. */
function withDetails(callback: Callback, during: string): Callback {
  return (err, res) => {
    if (err instanceof Error && (err as { details?: unknown }).details === undefined) {
      Object.assign(err, { details: `${during}: ${err.message || err.name}` });
    }
    callback(err, res);
  };
}

interface MonitorInternals {
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
  invoke(req: { getTok(): string }, callback: Callback): Promise<void>;
  newUrn(parent: string, type: string, name: string): string;
}

/**
 * A mock engine (the SDK instance's own MockMonitor) that records each registration with the options and
 * dependencies the real engine gets.
 */
function recordingMonitor(
  sdk: PulumiSdk,
  mocks: ConstructorParameters<PulumiSdk["MockMonitor"]>[0],
): { monitor: InstanceType<PulumiSdk["MockMonitor"]>; recorded: ResourceRecord[] } {
  const monitor = new sdk.MockMonitor(mocks);
  const internals = monitor as unknown as MonitorInternals;
  const recorded: ResourceRecord[] = [];
  const register = internals.registerResource.bind(monitor);
  const invoke = internals.invoke.bind(monitor);
  internals.registerResource = async (req, callback) => {
    const struct = req.getObject();
    const withSecrets = struct
      ? (sdk.rpc.deserializeProperties(struct, true) as Record<string, unknown>)
      : {};
    const secretPaths: string[] = [];
    const inputs = unwrap(withSecrets, "", secretPaths) as Record<string, unknown>;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const type = req.getType();
    const name = req.getName();
    const position = req.getSourceposition?.();
    recorded.push({
      ...(position && position.getUri() !== ""
        ? { source: { uri: position.getUri(), line: position.getLine() } }
        : {}),
      // The URN the mock monitor assigns, so it matches the URNs in other resources' dependencies.
      urn: internals.newUrn(req.getParent(), type, name),
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
    return register(req, withDetails(callback, `registering ${type} '${name}'`));
  };
  internals.invoke = (req, callback) => invoke(req, withDetails(callback, `calling ${req.getTok()}`));
  return { monitor, recorded };
}

let loaded: Map<string, unknown> | undefined;

async function loadProgram(programDir: string, main: string | undefined): Promise<unknown> {
  loaded ??= new Map();
  let entry = path.resolve(programDir, main ?? "index.ts");
  if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) entry = path.join(entry, "index.ts");
  if (!fs.existsSync(entry)) throw new Error(`program entry ${entry} not found`);
  const cached = loaded.get(entry);
  if (typeof cached === "function") return cached;
  // A program that registers at import runs again only as a new module instance (a fresh query on its URL).
  const url = `${pathToFileURL(entry).href}${cached === undefined ? "" : `?run=${++imports}`}`;
  const mod = (await import(url)) as { default?: unknown };
  loaded.set(entry, mod.default ?? mod);
  return loaded.get(entry);
}

let imports = 0;

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
  /** The SDK instance the program registers through. Default: this repository's. */
  readonly sdk?: PulumiSdk;
  /** What a provider function with no fake gives: an error (default) or an unknown result. */
  readonly unfaked?: "throw" | "unknown";
  /**
   * Run the mock engine as a dry run even with fakes, so outputs no fake provides read as unknown (the engine's
   * preview semantics) instead of undefined. Implied by `preview`.
   */
  readonly dryRun?: boolean;
}

/** A synthesis that may have failed: the registrations the engine received before it ended, and its error. */
export interface SynthesisAttempt {
  /** Registrations in the order the engine received them (the root Stack first), also when the program threw. */
  readonly resources: ResourceRecord[];
  /** What the program threw, if it failed. */
  readonly error?: unknown;
}

/** The key an unfaked provider function's result carries its unknown under (any key makes the result unknown). */
const UNFAKED_RESULT_KEY = "unfaked";

/**
 * Runs `fn` (which registers resources) under the SDK's mock runtime and returns every registration with
 * what the engine would receive, plus `fn`'s result resolved. Unmocked provider function calls throw unless
 * `unfaked` is "unknown". A failure of `fn` is rethrown as it was raised.
 */
export async function record(fn: () => unknown, opts: RecordOptions = {}): Promise<SynthesisResult> {
  const run = await runRecorded(fn, opts);
  if (run.failure !== undefined) throw run.failure.error;
  const { resources, outputs, secretOutputs, unfakedCalls } = run;
  return { resources, outputs, secretOutputs, unfakedCalls };
}

/** One recorded run: what the engine received, the program's result and outputs, and its failure if any. */
interface RecordedRun {
  readonly resources: ResourceRecord[];
  readonly outputs: Record<string, unknown>;
  readonly secretOutputs: string[];
  readonly unfakedCalls: string[];
  readonly failure?: { error: unknown };
}

async function runRecorded(fn: () => unknown, opts: RecordOptions): Promise<RecordedRun> {
  const sdk = opts.sdk ?? ownSdk;
  const unfakedCalls: string[] = [];
  const { monitor, recorded } = recordingMonitor(sdk, {
    newResource: (args) => {
      if (opts.preview === true) {
        return { id: undefined, state: fakePreviewState(args.type, args.name, args.inputs) };
      }
      return fakeResource(args.type, args.name, args.inputs);
    },
    call: (args) => {
      const faked = fakeCall(args.token, args.inputs);
      if (faked !== undefined) return faked;
      if (opts.unfaked !== "unknown") {
        throw new Error(
          `unmocked provider function call ${args.token} with inputs ${JSON.stringify(args.inputs)}`,
        );
      }
      unfakedCalls.push(args.token);
      return { [UNFAKED_RESULT_KEY]: sdk.rpc.unknownValue };
    },
  });
  const runtime = sdk.pulumi.runtime;
  runtime.setMockOptions(
    monitor,
    opts.project ?? "webapp-platform",
    opts.stack ?? "test",
    opts.preview === true || opts.dryRun === true,
    "organization",
  );
  // Same feature flags `setMocks` sets (the store accessor is internal to the pinned SDK).
  const store = (sdk.state as unknown as { getStore(): Record<string, boolean> }).getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsDeletedWith = true;
  store.supportsAliasSpecs = true;
  store.supportsTransforms = false;
  runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
  // Drains the SDK's pending registrations; internal to the SDK, like `disconnect` uses it.
  const waitForRPCs = (runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;
  // Like `pulumi up`, run inside the root Stack resource, so stack transformations and parenting work.
  // A program error is caught inside the Stack and rethrown here, so the Stack's own outputs never reject unhandled.
  // An error inside an `apply` fails the dependent registration as a rejection nobody awaits; the language host
  // turns those into the run's error, and so does this recorder (other listeners are paused meanwhile).
  const stray: unknown[] = [];
  const onStray = (reason: unknown): void => void stray.push(reason);
  const paused = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onStray);
  let result: unknown;
  let failure: { error: unknown } | undefined;
  let outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  try {
    await runtime.runInPulumiStack(async () => {
      try {
        result = await fn();
      } catch (error) {
        failure = { error };
      }
      return failure === undefined ? result : undefined;
    });
    if (failure === undefined) {
      outputs = await collectOutputs(sdk, result, secretOutputs);
    }
    await waitForRPCs().catch((error: unknown) => {
      failure ??= { error };
    });
    // Rejections are reported after the microtask queue drains.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.removeListener("unhandledRejection", onStray);
    for (const listener of paused) process.on("unhandledRejection", listener);
  }
  if (failure === undefined && stray.length > 0) failure = { error: stray[0] };
  return { resources: recorded, outputs, secretOutputs, unfakedCalls, failure };
}

/**
 * Runs a Pulumi TypeScript program in-process under the SDK's mock runtime with a stack's committed
 * config and returns every registration. Programs that export a function (like ours) can be synthesized
 * any number of times in one process; programs that register resources at import run once per process.
 */
export async function synthesize(opts: SynthesizeOptions): Promise<SynthesisResult> {
  const { fn, recordOpts, stackFile } = prepare(opts);
  return withStackFile(stackFile, () => record(fn, recordOpts));
}

/**
 * Like {@link synthesize}, but never throws for a program error: returns the registrations made before the
 * program failed (so a test can prove that invalid config registers nothing) together with the error.
 */
export async function attemptSynthesis(opts: SynthesizeOptions): Promise<SynthesisAttempt> {
  const { fn, recordOpts, stackFile } = prepare(opts);
  const run = await withStackFile(stackFile, async () => {
    return runRecorded(fn, recordOpts);
  });
  return run.failure === undefined
    ? { resources: run.resources }
    : { resources: run.resources, error: run.failure.error };
}

function prepare(opts: SynthesizeOptions) {
  const programDir = path.resolve(opts.programDir);
  const project = readProject(programDir);
  const effective = effectiveStackConfig(
    programDir,
    opts.stack,
    opts.configOverrides,
    opts.configRemovals,
    opts.allowMissingStackFile ?? false,
  );
  const { config, secretKeys } = loadStackConfig(
    programDir,
    opts.stack,
    opts.configOverrides,
    opts.configRemovals,
    opts.allowMissingStackFile ?? false,
  );
  const fn = async () => {
    const program = await loadProgram(programDir, project.main);
    return typeof program === "function" ? await (program as () => unknown)() : program;
  };
  const recordOpts: RecordOptions = {
    project: project.name,
    stack: opts.stack,
    preview: opts.preview,
    config,
    secretKeys,
    sdk: sdkFor(programDir),
    ...(opts.unfaked === "unknown" ? { unfaked: "unknown" as const, dryRun: true } : {}),
  };
  return { fn, recordOpts, stackFile: YAML.stringify({ config: effective }) };
}

/**
 * Runs `fn` with the program reading `text` as its stack settings file (it checks which values are `secure:`
 * there), the way `pulumi up` leaves `Pulumi.<stack>.yaml` beside the program.
 */
async function withStackFile<T>(text: string, fn: () => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
  const file = path.join(dir, "Pulumi.stack.yaml");
  fs.writeFileSync(file, text);
  const before = process.env[STACK_FILE_ENV];
  process.env[STACK_FILE_ENV] = file;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[STACK_FILE_ENV];
    else process.env[STACK_FILE_ENV] = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function collectOutputs(
  sdk: PulumiSdk,
  value: unknown,
  secrets: string[],
  at = "",
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) {
    out[k] = await resolveValue(sdk, v, secrets, at === "" ? k : `${at}.${k}`);
  }
  return out;
}

async function resolveValue(sdk: PulumiSdk, v: unknown, secrets: string[], at: string): Promise<unknown> {
  // The engine exports a resource as a reference to it; its URN stands in (walking its fields would never end).
  if (sdk.pulumi.Resource.isInstance(v)) return resolveValue(sdk, (v as pulumi.Resource).urn, secrets, at);
  if (sdk.pulumi.Output.isInstance(v)) {
    const o = v as pulumi.Output<unknown>;
    if (await sdk.pulumi.isSecret(o)) secrets.push(at);
    // `promise(true)` yields the unknown sentinel instead of never settling when a preview value is unknown.
    const inner = await (o as unknown as { promise(withUnknowns: boolean): Promise<unknown> }).promise(true);
    return resolveValue(sdk, inner, secrets, at);
  }
  if (Array.isArray(v)) return Promise.all(v.map((x, i) => resolveValue(sdk, x, secrets, `${at}[${i}]`)));
  if (v !== null && typeof v === "object" && !isSdkUnknown(v)) return collectOutputs(sdk, v, secrets, at);
  return v;
}
