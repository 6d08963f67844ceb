// Rule for credentials written literally into App Service app settings and connection strings, whatever the setting's
// name: storage account keys, shared access keys, passwords and passwords inside URLs.
import * as web from "@pulumi/azure-native/web";
import { resourceRule } from "../lib/rule";
import { literalCredentialIn } from "../lib/values";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

/** Setting name and value pairs of any of the rule's types. */
function settingsOf(type: string, props: Record<string, unknown>): [string, unknown][] {
  if (type.includes("ApplicationSettings")) {
    return isObject(props["properties"]) ? Object.entries(props["properties"]) : [];
  }
  if (type.includes("ConnectionStrings")) {
    return isObject(props["properties"])
      ? Object.entries(props["properties"]).map(([k, v]) => [k, isObject(v) ? v["value"] : v])
      : [];
  }
  const site = isObject(props["siteConfig"]) ? props["siteConfig"] : {};
  const list = (key: string, valueKey: string): [string, unknown][] => {
    const items: unknown = site[key];
    return Array.isArray(items)
      ? items.filter(isObject).map((i) => [String(i["name"] ?? "(unnamed)"), i[valueKey]])
      : [];
  };
  return [...list("appSettings", "value"), ...list("connectionStrings", "connectionString")];
}

/** No app setting or connection string carries a literal key or password, whatever its name. */
export const webWebAppDisallowLiteralCredentials = resourceRule<Record<string, unknown>>({
  name: "web-webapp-disallow-literal-credentials",
  description:
    "Web/Function App (and slot) app settings and connection strings (siteConfig, WebAppApplicationSettings, WebAppConnectionStrings) hold no literal AccountKey=, SharedAccessKey=, SharedAccessSignature=, Password=/Pwd= or user:password@ URL; Key Vault references pass.",
  enforcementLevel: "mandatory",
  resources: [
    web.WebApp,
    web.WebAppSlot,
    web.WebAppApplicationSettings,
    web.WebAppApplicationSettingsSlot,
    web.WebAppConnectionStrings,
    web.WebAppConnectionStringsSlot,
  ],
  meta: {
    checklist: ["secrets"],
    severity: "critical",
    remediationSteps:
      "Use identity-based connections (managed identity + RBAC) or store the secret in Key Vault and reference it as @Microsoft.KeyVault(SecretUri=...).",
    anchors: { checkov: ["CKV_SECRET_3", "CKV_SECRET_4", "CKV_SECRET_10"] },
    url: "https://learn.microsoft.com/azure/app-service/app-service-key-vault-references",
  },
  check: (props, args, report) => {
    for (const [name, value] of settingsOf(args.type, props)) {
      const kind = literalCredentialIn(value);
      if (kind !== undefined) {
        report(
          `Setting '${name}' holds a literal ${kind}: use an identity-based connection or a Key Vault reference.`,
        );
      }
    }
  },
});
