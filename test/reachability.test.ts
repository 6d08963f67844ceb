// Whole-stack check that every consumer of the API calls a host the design keeps reachable (issue 9, point 2):
// a Static Web App linked backend would give the SWA exclusive access to the Function App and its slots.
import { beforeAll, describe, expect, it } from "vitest";
import { type SynthesisResult, ofType, one, synthesize } from "./support";
import { ROOT } from "./support/config";

type Stack = "staging" | "production";
const STACKS: Stack[] = ["staging", "production"];
const results = {} as Record<Stack, SynthesisResult>;

beforeAll(async () => {
  for (const stack of STACKS) results[stack] = await synthesize({ programDir: ROOT, stack });
}, 60_000);

const hostOf = (url: unknown) => new URL(String(url)).host;

/** Host names a linked backend locks: the linked Function App's own host and every slot host of it. */
function lockedHosts(result: SynthesisResult): string[] {
  const sites = ofType(result, "azure-native:web:WebApp");
  return ofType(result, "azure-native:web:StaticSiteLinkedBackend").flatMap((link) => {
    const app = sites.find((s) =>
      String(link.inputs.backendResourceId).endsWith(`/${String(s.inputs.name)}`),
    );
    const name = String(app?.inputs.name ?? link.inputs.backendResourceId);
    const slots = ofType(result, "azure-native:web:WebAppSlot")
      .filter((s) => s.inputs.name === name)
      .map((s) => `${name}-${String(s.inputs.slot)}.azurewebsites.net`);
    return [`${name}.azurewebsites.net`, ...slots];
  });
}

/** Every URL something outside the Function App uses to call it, by consumer. */
function consumerUrls(result: SynthesisResult, stack: Stack): Record<string, string> {
  const api = result.outputs.api as Record<string, string | undefined>;
  const vercelApiUrl = one(
    result,
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    // Production's own variable; pull-request previews get staging's (`vercel-env-preview-*`).
    "-env-NEXT_PUBLIC_API_URL",
  );
  const webTest = one(result, "azure-native:applicationinsights:WebTest");
  const urls: Record<string, string> = {
    "Vercel NEXT_PUBLIC_API_URL": String(vercelApiUrl.inputs.value),
    "availability test": String((webTest.inputs.request as { requestUrl: string }).requestUrl),
    "promotion health probe (api.healthUrl)": String(api.healthUrl),
    "Static Web App pages (api.url)": String(api.url),
  };
  if (stack === "production") {
    urls["promotion canary probe (api.canaryHealthUrl)"] = String(api.canaryHealthUrl);
  }
  return urls;
}

describe.each(STACKS)("%s: every consumer of the API reaches it", (stack) => {
  it("links no backend to the Static Web App, so no API host is locked to it", () => {
    expect(ofType(results[stack], "azure-native:web:StaticSiteLinkedBackend")).toHaveLength(0);
    expect(lockedHosts(results[stack])).toEqual([]);
  });

  it("Vercel, the availability test, the promotion probes and the SWA pages call the Function App's own hosts", () => {
    const result = results[stack];
    const app = String(one(result, "azure-native:web:WebApp").inputs.name);
    const urls = consumerUrls(result, stack);
    const expected: Record<string, string> = {
      "Vercel NEXT_PUBLIC_API_URL": `${app}.azurewebsites.net`,
      "availability test": `${app}.azurewebsites.net`,
      "promotion health probe (api.healthUrl)": `${app}.azurewebsites.net`,
      "Static Web App pages (api.url)": `${app}.azurewebsites.net`,
      ...(stack === "production"
        ? { "promotion canary probe (api.canaryHealthUrl)": `${app}-canary.azurewebsites.net` }
        : {}),
    };
    expect(Object.fromEntries(Object.entries(urls).map(([k, u]) => [k, hostOf(u)]))).toEqual(expected);
    const locked = new Set(lockedHosts(result));
    for (const [consumer, url] of Object.entries(urls)) {
      expect(locked.has(hostOf(url)), `${consumer} calls ${url}`).toBe(false);
    }
  });

  it("the API admits the Static Web App's origin by CORS on the site and on every slot", () => {
    const result = results[stack];
    const origin = String(result.outputs.staticSiteUrl);
    expect(origin).toMatch(/^https:\/\/[a-z0-9]+\.azurestaticapps\.net$/);
    const hosts = [
      ...ofType(result, "azure-native:web:WebApp"),
      ...ofType(result, "azure-native:web:WebAppSlot"),
    ];
    expect(hosts).toHaveLength(stack === "production" ? 2 : 1);
    for (const h of hosts) {
      const cors = (h.inputs.siteConfig as { cors: { allowedOrigins: string[] } }).cors;
      expect(cors.allowedOrigins, h.name).toContain(origin);
    }
  });
});

describe("the lock a linked backend would impose", () => {
  it("is detected: a linked Function App's host and its canary slot's host count as locked", () => {
    const result = results.production;
    const site = one(result, "azure-native:web:WebApp");
    const linked: SynthesisResult = {
      ...result,
      resources: [
        ...result.resources,
        {
          ...site,
          type: "azure-native:web:StaticSiteLinkedBackend",
          name: "static-site-backend",
          inputs: {
            backendResourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/${String(site.inputs.name)}`,
          },
        },
      ],
    };
    const app = String(site.inputs.name);
    expect(lockedHosts(linked)).toEqual([`${app}.azurewebsites.net`, `${app}-canary.azurewebsites.net`]);
    const reached = Object.values(consumerUrls(linked, "production")).map(hostOf);
    expect(reached.filter((h) => lockedHosts(linked).includes(h))).toHaveLength(5);
  });
});
