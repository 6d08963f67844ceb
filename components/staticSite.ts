import * as web from "@pulumi/azure-native/web";
import * as pulumi from "@pulumi/pulumi";
import type { StaticSiteConfig } from "../config/schema";
import type { Naming } from "./naming";

/** The API to link as the Static Web App's `/api` backend. */
export interface StaticSiteBackend {
  /** Function App resource id. */
  readonly functionAppId: pulumi.Input<string>;
  /** Region of the Function App. */
  readonly region: string;
}

/** Arguments for {@link StaticSite}. */
export interface StaticSiteArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the site. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Static-site section of the stack config (SKU, region, preview environments, backend link, domain). */
  readonly config: StaticSiteConfig;
  /** The API to link when `config.linkBackend` is on (Standard only). Default none. */
  readonly backend?: StaticSiteBackend;
}

/**
 * Azure Static Web App for the static frontend. It is not connected to a repository here: CI deploys the built app
 * with the SWA deployment token, so no repository token ever reaches the Pulumi state. Pull-request preview
 * environments (public URLs) follow `previewEnvironments`. On Standard the API can be linked as the `/api`
 * backend (one backend per site, one site per Function App, not on preview environments).
 *
 * Security headers are not an ARM property: they ship with the app in `staticwebapp.config.json` under
 * `globalHeaders` — `Strict-Transport-Security`, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and a
 * `Content-Security-Policy` with `frame-ancestors 'none'`. `web/staticwebapp.config.json` is the reference copy
 * (`allowConfigFileUpdates` lets deployments apply it).
 */
export class StaticSite extends pulumi.ComponentResource {
  /** Site name. */
  readonly name: pulumi.Output<string>;
  /** Site resource id. */
  readonly id: pulumi.Output<string>;
  /** Generated host name, e.g. <words>.azurestaticapps.net (the custom domain's CNAME target). */
  readonly defaultHostname: pulumi.Output<string>;
  /** https URL of the generated host name. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: StaticSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:web:StaticSite", name, {}, opts);
    const { config } = args;
    if (config.linkBackend && config.sku !== "Standard") {
      throw new pulumi.ResourceError(
        `staticSite.linkBackend needs sku Standard (is ${config.sku}); set staticSite.sku to Standard or linkBackend to false`,
        this,
      );
    }
    if (config.linkBackend && args.backend === undefined) {
      throw new pulumi.ResourceError(
        "staticSite.linkBackend is true but no backend was passed; pass the API's functionAppId and region",
        this,
      );
    }

    const site = new web.StaticSite(
      `${name}-site`,
      {
        resourceGroupName: args.resourceGroupName,
        name: args.naming.plain("stapp"),
        location: config.location,
        sku: { name: config.sku, tier: config.sku },
        stagingEnvironmentPolicy: config.previewEnvironments
          ? web.StagingEnvironmentPolicy.Enabled
          : web.StagingEnvironmentPolicy.Disabled,
        allowConfigFileUpdates: true,
      },
      { parent: this },
    );

    if (config.linkBackend && args.backend !== undefined) {
      new web.StaticSiteLinkedBackend(
        `${name}-backend`,
        {
          resourceGroupName: args.resourceGroupName,
          name: site.name,
          linkedBackendName: "api",
          backendResourceId: args.backend.functionAppId,
          region: args.backend.region,
        },
        { parent: this },
      );
    }

    if (config.customDomain !== undefined) {
      new web.StaticSiteCustomDomain(
        `${name}-domain`,
        {
          resourceGroupName: args.resourceGroupName,
          name: site.name,
          domainName: config.customDomain,
          validationMethod: "cname-delegation",
        },
        { parent: this },
      );
    }

    this.name = site.name;
    this.id = site.id;
    this.defaultHostname = site.defaultHostname;
    this.url = pulumi.interpolate`https://${site.defaultHostname}`;
    this.registerOutputs({
      name: this.name,
      id: this.id,
      defaultHostname: this.defaultHostname,
      url: this.url,
    });
  }
}
