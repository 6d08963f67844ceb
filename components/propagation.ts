// Role propagation: the wait between a new Azure role assignment and its first use.
import type * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";

/**
 * A wait between new Azure role assignments and their first use. Azure applies a data-plane role assignment
 * some time after ARM accepts it: Microsoft says to allow up to 15 minutes for App Configuration data roles
 * (Learn, "Authorize access to Azure App Configuration using Microsoft Entra ID": "it can take up to 15 minutes for
 * the role assignment to propagate"), and Key Vault, Storage and Monitoring data roles behave alike. The wait is
 * `@pulumiverse/time`'s `Sleep` (the bridged `time_sleep` of terraform-provider-time): it sleeps when it is created
 * and again only when a grant in `triggers` is replaced, so later `pulumi up` runs do not wait.
 */
export const ROLE_PROPAGATION = "15m";

/** A `Sleep` of `duration` that starts once every grant exists and restarts when one is replaced. */
export function afterRolePropagation(
  name: string,
  grants: authorization.RoleAssignment[],
  parent: pulumi.Resource,
  duration: string = ROLE_PROPAGATION,
): time.Sleep {
  const triggers: Record<string, pulumi.Input<string>> = {};
  grants.forEach((g, i) => (triggers[`grant${i}`] = g.id));
  return new time.Sleep(name, { createDuration: duration, triggers }, { parent, dependsOn: grants });
}
