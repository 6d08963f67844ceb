import * as policySdk from "@pulumi/policy";

/** The error the SDK's proxy throws when a policy reads a value that is unknown during preview. */
export interface UnknownValueErrorInstance extends Error {
  /** The property path that was read. */
  readonly props: string[];
}

// @pulumi/policy marks this @internal, so its .d.ts files omit it; the runtime exports it.
const sdk = policySdk as unknown as {
  UnknownValueError: new (sentinel: string, props: string[]) => UnknownValueErrorInstance;
};

/** The SDK's own error class for preview-unknown reads (rules catch it to report "unknown during preview"). */
export const UnknownValueError = sdk.UnknownValueError;
