import * as policySdk from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";

/** The error the SDK's proxy throws when a policy reads a value that is unknown during preview. */
export interface UnknownValueErrorInstance extends Error {
  /** The property path that was read. */
  readonly props: string[];
}

interface ProxyInternals {
  unknownCheckingProxy<T>(value: T): T;
  UnknownValueError: new (sentinel: string, props: string[]) => UnknownValueErrorInstance;
  unknownStringValue: string;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
}

// @pulumi/policy marks these @internal, so its .d.ts files omit them; the runtime exports them.
const sdk = policySdk as unknown as ProxyInternals;
const proxy = proxyModule as unknown as ProxyInternals;

/** The SDK's own proxy that throws `UnknownValueError` on reads of preview-unknown values. */
export const unknownCheckingProxy: ProxyInternals["unknownCheckingProxy"] = sdk.unknownCheckingProxy;

/** The SDK's own error class for preview-unknown reads. */
export const UnknownValueError: ProxyInternals["UnknownValueError"] = sdk.UnknownValueError;

/** The engine's sentinel for an unknown string (the same value as the Node SDK's `unknownValue`). */
export const unknownString: string = proxy.unknownStringValue;

/** The engine's sentinel for an unknown object. */
export const unknownObject: string = proxy.unknownObjectValue;

/** Every sentinel the engine sends for an unknown value (string, number, boolean, array, asset, archive, object). */
export const unknownSentinels: readonly string[] = [
  proxy.unknownStringValue,
  proxy.unknownNumberValue,
  proxy.unknownBooleanValue,
  proxy.unknownArrayValue,
  proxy.unknownAssetValue,
  proxy.unknownArchiveValue,
  proxy.unknownObjectValue,
];
