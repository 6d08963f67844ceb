/**
 * The engine's secret envelope as the Node.js provider server hands it over (inputs are passed through
 * `Struct.toJavaScript()`, so secrets arrive as `{<specialSigKey>: <specialSecretSig>, value}` objects), and the
 * redaction the stand-in's call log applies.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** Inputs the schema marks Sensitive; logged as "[secret]" even when not wrapped as a secret. */
const SENSITIVE = new Set(["password"]);

/** True for a property the schema marks Sensitive. */
export const isSensitive = (key: string): boolean => SENSITIVE.has(key);

/** A value in the engine's secret envelope. */
export type Secret = { [specialSigKey]: string; value: unknown };
/** True for a value in the secret envelope. */
export const isSecret = (v: unknown): v is Secret =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[specialSigKey] === specialSecretSig;

/** Unwraps the engine's secret envelopes (the Node.js provider server passes them through as objects). */
export function reveal(v: unknown): unknown {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

/** Wraps a value in the engine's secret envelope. */
export const secret = (value: unknown): Secret => ({ [specialSigKey]: specialSecretSig, value });

/** Replaces secret and Sensitive values by "[secret]" for the log. */
export function redact(v: unknown, key = ""): unknown {
  if (isSecret(v) || (SENSITIVE.has(key) && v !== undefined)) return "[secret]";
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
  }
  return v;
}
