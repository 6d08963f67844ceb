import type * as pulumi from "@pulumi/pulumi";
import type { ApiArgs } from "./api";
import { COMPONENT_SETTINGS, SECRET_LIKE_SETTING } from "./apiSettings";

const VERSIONLESS_SECRET_URI =
  /^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/secrets\/[A-Za-z0-9-]{1,127}\/?$/;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What {@link settingProblems} checks. */
export interface SettingsCheck {
  /** Env var name to versionless Key Vault secret URI. */
  readonly secretUris: Readonly<Record<string, pulumi.Input<string>>>;
  /** Env var name to plain value. */
  readonly plainSettings: Readonly<Record<string, pulumi.Input<string>>>;
}

/** Every problem with the caller's settings, each naming the field and the fix; empty when they are fine. */
export function settingProblems(c: SettingsCheck): string[] {
  const problems: string[] = [];
  const own = new Set(COMPONENT_SETTINGS);
  for (const [field, entries] of [
    ["secretUris", c.secretUris],
    ["plainSettings", c.plainSettings],
  ] as const) {
    for (const key of Object.keys(entries)) {
      if (!SETTING_NAME.test(key)) {
        problems.push(`${field}.${key}: is not an app setting name; use letters, digits and '_'`);
      } else if (own.has(key)) {
        problems.push(`${field}.${key}: is set by the API component itself; remove it`);
      }
    }
  }
  for (const [key, uri] of Object.entries(c.secretUris)) {
    if (typeof uri === "string" && !VERSIONLESS_SECRET_URI.test(uri)) {
      problems.push(
        `secretUris.${key}: '${uri}' is not a versionless Key Vault secret URI; pass the secret's properties.secretUri (https://<vault>.vault.azure.net/secrets/<name>)`,
      );
    }
  }
  for (const [key, value] of Object.entries(c.plainSettings)) {
    if (key in c.secretUris) {
      problems.push(
        `plainSettings.${key}: is also in secretUris; a setting is either a Key Vault reference or plain`,
      );
    } else if (SECRET_LIKE_SETTING.test(key.toUpperCase())) {
      problems.push(
        `plainSettings.${key}: looks like a credential (PASSWORD, SECRET, KEY, TOKEN, CONNECTION or DSN); store it in Key Vault and pass its URI in secretUris`,
      );
    } else if (typeof value === "string" && /:\/\/[^/@\s]*:[^/@\s]*@/.test(value)) {
      problems.push(
        `plainSettings.${key}: the URL carries credentials (user:password@); store it in Key Vault and pass its URI in secretUris`,
      );
    }
  }
  return problems;
}

/** Every problem with the arguments, each naming the field and the fix. */
export function apiProblems(args: ApiArgs): string[] {
  const { config, release, network } = args;
  const problems: string[] = [];
  if (
    config.plan === "FlexConsumption" &&
    (release.candidate !== undefined || release.canaryPercentage > 0)
  ) {
    problems.push(
      "release.canaryPercentage: a canary needs a deployment slot, which Flex Consumption lacks; use api.plan ElasticPremium, or remove release.candidate and set release.canaryPercentage to 0",
    );
  } else if (release.canaryPercentage > 0 && release.candidate === undefined) {
    problems.push(
      `release.canaryPercentage: is ${release.canaryPercentage} but no release.candidate is set; set a candidate or use 0`,
    );
  }
  if (network.mode === "private") {
    if (network.integrationSubnetId === undefined) {
      problems.push("network.integrationSubnetId: private mode needs the API integration subnet");
    }
    if (network.privateEndpointSubnetId === undefined) {
      problems.push(
        "network.privateEndpointSubnetId: private mode needs the private endpoint subnet for storage",
      );
    }
    if (network.dnsZoneIds === undefined) {
      problems.push(
        "network.dnsZoneIds: private mode needs the blob, queue, table and file private DNS zone ids",
      );
    }
  }
  if (config.corsOrigins.some((o) => o.includes("*"))) {
    problems.push(
      "config.corsOrigins: a wildcard is not allowed; list each origin, e.g. https://app.example.com",
    );
  }
  if (config.corsSupportCredentials && config.corsOrigins.length === 0) {
    problems.push("config.corsSupportCredentials: needs at least one explicit origin in config.corsOrigins");
  }
  return [
    ...problems,
    ...settingProblems({ secretUris: args.secretUris, plainSettings: args.plainSettings ?? {} }),
  ];
}
