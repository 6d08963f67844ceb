import * as web from "@pulumi/azure-native/web";
import * as pulumi from "@pulumi/pulumi";
import type { StaticSiteConfig } from "../config/schema";
import type { Naming } from "./naming";

/** Arguments for {@link StaticSite}. */
export interface StaticSiteArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the site. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Static-site section of the stack config (SKU, region, preview environments, domain). */
  readonly config: StaticSiteConfig;
}

/**
 * Azure Static Web App for the static frontend. It is not connected to a repository here: CI deploys the built app
 * with the SWA deployment token, so no repository token ever reaches the Pulumi state. Pull-request preview
 * environments (public URLs) follow `previewEnvironments`.
 *
 * The API is never linked as its `/api` backend: linking gives the Static Web App exclusive access to the Function
 * App (functions-bring-your-own.md, "the static web app has exclusive access to the API"), so the Vercel frontend,
 * the availability test, the promotion's health probes and the canary slot, which all call the Function App's own
 * hosts, would be refused. The frontend calls the API at its own host like the Vercel one; `origins` go into the
 * API's CORS allow-list.
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
  /** Browser origins the site's pages run under (generated host, custom domain): the API admits them by CORS. */
  readonly origins: pulumi.Output<string>[];

  constructor(name: string, args: StaticSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:web:StaticSite", name, {}, opts);
    const { config } = args;

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
    this.origins = [
      this.url,
      ...(config.customDomain === undefined ? [] : [pulumi.output(`https://${config.customDomain}`)]),
    ];
    this.registerOutputs({
      name: this.name,
      id: this.id,
      defaultHostname: this.defaultHostname,
      url: this.url,
      origins: this.origins,
    });
  }
}
