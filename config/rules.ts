/**
 * Value rules the config schema modules apply in many places: whole numbers in a range, one of a list, lists whose
 * items become resource names or keys are unique, URLs carry no credentials, and no name or value holds a control
 * character.
 */
import { z } from "zod";
import { SECRET_LIKE_SETTING } from "../components/apiSettings";
import { defaultSecretNamePattern, isSecretLike, literalCredentialIn } from "../policies/lib/values";

/** A whole number from `min` to `max`, with messages saying the range. */
export const int = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be from ${min} to ${max}`)
    .max(max, `must be from ${min} to ${max}`);

/** One of `values`, with a message listing them. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of: ${values.join(", ")}` });

/**
 * Characters refused in every config name and value (external secret values excepted, see the loader): C0 and C1
 * controls, DEL, the Unicode line and paragraph separators, and the bidirectional controls that make text read
 * differently from what it is ("Trojan Source", CVE-2021-42574).
 */
export const CONTROL_CHARACTER =
  // Matching control characters is this pattern's purpose.
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** `U+000A` for the first control character in `text`, or undefined when there is none. */
export function controlCharacterIn(text: string): string | undefined {
  const found = CONTROL_CHARACTER.exec(text)?.[0];
  return found === undefined
    ? undefined
    : `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Query parameters that carry a credential: an Azure Storage SAS signature (`sig`), S3 and GCS presigned-URL
 * signatures, and bearer tokens or keys passed in the URL.
 */
const CREDENTIAL_PARAMS = new Set([
  "sig",
  "x-amz-signature",
  "x-amz-credential",
  "x-goog-signature",
  "x-goog-credential",
  "token",
  "access_token",
  "api_key",
  "apikey",
  "password",
  "secret",
]);

/**
 * What credential a URL carries, or undefined when it carries none (or is not a URL). A user name alone
 * (`https://public@host`) is allowed only when `allowUserName` is set: a Sentry DSN's public key is a user name.
 */
export function urlCredential(text: string, allowUserName = false): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.password !== "") return "a password in the URL (user:password@)";
  if (url.username !== "" && !allowUserName) return "a user name in the URL (user@)";
  for (const key of url.searchParams.keys()) {
    if (CREDENTIAL_PARAMS.has(key.toLowerCase())) {
      return key.toLowerCase() === "sig"
        ? "a SAS signature (sig=) in the query"
        : `a credential query parameter (${key}=)`;
    }
  }
  return undefined;
}

/**
 * What credential an app setting's value holds, or undefined: the literal `AccountKey=`/`Password=`/... or
 * `user:password@` that the policy pack's `web-webapp-disallow-literal-credentials` refuses (its own function), or a
 * URL credential {@link urlCredential} finds (user names, SAS signatures, token parameters).
 */
export function settingCredential(value: string): string | undefined {
  const literal = literalCredentialIn(value);
  return literal === undefined ? urlCredential(value) : `a literal ${literal}`;
}

/**
 * True when an app setting name looks like it holds a secret: the policy pack's `secretNamePattern` default (its
 * `web-webapp-enforce-keyvault-references` refuses a plain value under such a name) or the API component's own
 * {@link SECRET_LIKE_SETTING} (its `plainSettings` check).
 */
export function secretLikeSettingName(name: string): boolean {
  return isSecretLike(name, defaultSecretNamePattern) || SECRET_LIKE_SETTING.test(name.toUpperCase());
}

/** Issue params telling the message formatter not to print the value (it holds a credential). */
export const HIDE_VALUE = { hideValue: true } as const;

/** Refinement: the URL carries no credential (see {@link urlCredential}). */
export function credentialFree<T extends z.ZodType<string>>(schema: T, allowUserName = false): T {
  return schema.superRefine((text, ctx) => {
    const found = urlCredential(text, allowUserName);
    if (found !== undefined) {
      ctx.addIssue({
        code: "custom",
        message: `carries ${found}; use a URL without credentials (secrets belong in externalSecrets)`,
        params: HIDE_VALUE,
      });
    }
  }) as unknown as T;
}

/**
 * Refinement: no two items of a list are the same once `normalize`d (default: lower case, since domains, e-mail
 * addresses and origins compare case-insensitively). Each item becomes a resource name or key, so a duplicate would
 * be two resources with one name.
 */
export function uniqueItems<T extends z.ZodArray<z.ZodType>>(
  schema: T,
  what: string,
  normalize: (item: z.output<T>[number]) => string = (item) => String(item).toLowerCase(),
): T {
  return schema.superRefine((list, ctx) => {
    const first = new Map<string, number>();
    list.forEach((item: z.output<T>[number], i: number) => {
      const key = normalize(item);
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, i);
      else {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `repeats item [${earlier}]; list each ${what} once`,
        });
      }
    });
  }) as unknown as T;
}
