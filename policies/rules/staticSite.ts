import * as web from "@pulumi/azure-native/web";
import { provenanceProblem, provenanceSchema, type ProvenanceConfig } from "../lib/provenance";
import { type PropsOf, resourceRule, stackRule } from "../lib/rule";
import { ofType } from "../lib/stack";

type StaticSiteProps = PropsOf<typeof web.StaticSite>;
const learn = "https://learn.microsoft.com/azure/static-web-apps";

/** Production Static Web Apps run on Standard (SLA, private endpoint, linked backend). */
export const webStaticSiteConfigureStandardSku = resourceRule<StaticSiteProps>({
  name: "web-staticsite-configure-standard-sku",
  description: "Static Web App sku.name is 'Standard'; unset means Free (no SLA, no linked backend).",
  enforcementLevel: "advisory",
  resources: [web.StaticSite],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "low",
    remediationSteps: "Set sku: { name: 'Standard', tier: 'Standard' }.",
    url: `${learn}/plans`,
  },
  check: (site, _args, report) => {
    if (site.sku?.name !== "Standard") {
      report(`Static Web App SKU is '${site.sku?.name ?? "(unset: Free)"}': set sku.name to 'Standard'.`);
    }
  },
});

/** Pull-request preview environments are public; production turns them off. */
export const webStaticSiteDisableStagingEnvironments = resourceRule<StaticSiteProps>({
  name: "web-staticsite-disable-staging-environments",
  description:
    "Static Web App stagingEnvironmentPolicy is 'Disabled'; unset means Enabled (public PR previews).",
  enforcementLevel: "advisory",
  resources: [web.StaticSite],
  meta: {
    checklist: ["network"],
    severity: "low",
    remediationSteps: "Set stagingEnvironmentPolicy: 'Disabled' (preview in the staging stack instead).",
    url: `${learn}/review-publish-pull-requests`,
  },
  check: (site, _args, report) => {
    if (site.stagingEnvironmentPolicy !== "Disabled") {
      report("Pull-request preview environments are public: set stagingEnvironmentPolicy to 'Disabled'.");
    }
  },
});

/** Config-file updates are managed by the pipeline, not by the repo at deploy time. */
export const webStaticSiteDisallowConfigFileUpdates = resourceRule<StaticSiteProps>({
  name: "web-staticsite-disallow-config-file-updates",
  description: "Static Web App allowConfigFileUpdates is false; unset means true.",
  enforcementLevel: "advisory",
  resources: [web.StaticSite],
  meta: {
    profile: "platform",
    checklist: ["governance"],
    severity: "low",
    remediationSteps:
      "Set allowConfigFileUpdates: false and ship staticwebapp.config.json with the reviewed build.",
  },
  check: (site, _args, report) => {
    if (site.allowConfigFileUpdates !== false) {
      report("staticwebapp.config.json can be changed outside review: set allowConfigFileUpdates to false.");
    }
  },
});

/** The repository token never appears as a literal. */
export const webStaticSiteEnforceRepositoryTokenProvenance = stackRule<ProvenanceConfig>({
  name: "web-staticsite-enforce-repository-token-provenance",
  description:
    "Static Web App repositoryToken, when set, derives from a stack resource (propertyDependencies) or the site is listed in configSecretFor (token from secret stack config, which policies cannot see); unset passes (deploy with the SWA deployment token from CI).",
  enforcementLevel: "mandatory",
  resources: [web.StaticSite],
  config: { schema: provenanceSchema, defaults: { producers: [], configSecretFor: [] } },
  meta: {
    checklist: ["secrets"],
    severity: "high",
    remediationSteps:
      "Drop repositoryToken and deploy with the SWA deployment token from CI, or read it with config.requireSecret and list the site under configSecretFor with the reason.",
  },
  check: (args, report, config) => {
    for (const site of ofType(args.resources, web.StaticSite)) {
      const problem = provenanceProblem(site, "repositoryToken", config);
      if (problem) {
        report(
          site,
          `repositoryToken of '${site.name}' ${problem}: use a secret (requireSecret, listed in configSecretFor) or drop it.`,
        );
      }
    }
  },
});
