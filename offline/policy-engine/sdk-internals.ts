/**
 * The parts of @pulumi/policy the engine emulator drives that the SDK marks @internal (its .d.ts files omit them;
 * the runtime exports them): the unknown-checking proxy its analyze RPC wraps props in, and the engine's sentinels.
 */
import * as policySdk from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";

interface ProxyInternals {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: string;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
}

const sdk = policySdk as unknown as ProxyInternals;
const proxy = proxyModule as unknown as ProxyInternals;

/** The SDK's own proxy that throws `UnknownValueError` on reads of preview-unknown values. */
export const unknownCheckingProxy: ProxyInternals["unknownCheckingProxy"] = sdk.unknownCheckingProxy;

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
