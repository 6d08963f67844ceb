/**
 * The @pulumi/pulumi instance a Pulumi program uses: resolved from the program's own directory, so mocks and config
 * are set on the same module instance its resources register through (a program with its own node_modules gets its
 * own SDK; this repository's programs share ours).
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as state from "@pulumi/pulumi/runtime/state";

/** The parts of one @pulumi/pulumi instance the mock-runtime recorder drives. */
export interface PulumiSdk {
  /** The package root module. */
  readonly pulumi: typeof pulumi;
  /** `@pulumi/pulumi/runtime/mocks` MockMonitor. */
  readonly MockMonitor: typeof MockMonitor;
  /** `@pulumi/pulumi/runtime/rpc` (property (de)serialization, secrets, the unknown sentinel). */
  readonly rpc: typeof rpc;
  /** `@pulumi/pulumi/runtime/state` (the feature-flag store). */
  readonly state: typeof state;
  /** Where the SDK was loaded from. */
  readonly root: string;
}

const ownRequire = createRequire(__filename);
const ownEntry = ownRequire.resolve("@pulumi/pulumi");

/** This repository's own SDK instance. */
export const ownSdk: PulumiSdk = { pulumi, MockMonitor, rpc, state, root: path.dirname(ownEntry) };

/** Raised when a program's directory resolves an SDK the recorder can't drive. */
export class ProgramSdkError extends Error {}

/**
 * The SDK a program in `programDir` imports: the one Node resolves from there, or ours when the program has none of
 * its own (then it resolves ours too, through this repository's node_modules).
 */
export function sdkFor(programDir: string): PulumiSdk {
  const programRequire = createRequire(path.join(path.resolve(programDir), "package.json"));
  let entry: string;
  try {
    entry = programRequire.resolve("@pulumi/pulumi");
  } catch {
    return ownSdk;
  }
  if (entry === ownEntry) {
    return ownSdk;
  }
  const root = path.dirname(entry);
  const load = <T>(sub: string): T => {
    try {
      return programRequire(`@pulumi/pulumi${sub}`) as T;
    } catch (e) {
      throw new ProgramSdkError(
        `the program's @pulumi/pulumi (${root}) has no module @pulumi/pulumi${sub}: the offline check drives @pulumi/pulumi 3.x with runtime/mocks, runtime/rpc and runtime/state (3.150.0 and 3.248.0 are tested) (${(e as Error).message})`,
      );
    }
  };
  return {
    pulumi: load<typeof pulumi>(""),
    MockMonitor: load<{ MockMonitor: typeof MockMonitor }>("/runtime/mocks").MockMonitor,
    rpc: load<typeof rpc>("/runtime/rpc"),
    state: load<typeof state>("/runtime/state"),
    root,
  };
}
