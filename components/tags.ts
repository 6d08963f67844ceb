import * as pulumi from "@pulumi/pulumi";

/** The tags every taggable Azure resource of a stack carries. */
export interface StackTags {
  /** Environment name. */
  readonly environment: string;
  /** Owning team. */
  readonly owner: string;
  /** Cost center. */
  readonly "cost-center": string;
  /** Always "pulumi". */
  readonly "managed-by": "pulumi";
}

/**
 * azure-native types this program creates whose Args accept `tags`. A test checks this list against the
 * provider's type definitions for every type the stacks register, so a new taggable type cannot be missed.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  "azure-native:resources:ResourceGroup",
  "azure-native:network:VirtualNetwork",
  "azure-native:network:NetworkSecurityGroup",
  "azure-native:network:PrivateEndpoint",
  "azure-native:network:PrivateZone",
  "azure-native:network:VirtualNetworkLink",
  "azure-native:privatedns:PrivateZone",
  "azure-native:privatedns:VirtualNetworkLink",
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Secret",
  "azure-native:dbforpostgresql:Server",
  "azure-native:redisenterprise:RedisEnterprise",
  "azure-native:storage:StorageAccount",
  "azure-native:managedidentity:UserAssignedIdentity",
  "azure-native:web:AppServicePlan",
  "azure-native:web:WebApp",
  "azure-native:web:WebAppSlot",
  "azure-native:web:StaticSite",
  "azure-native:operationalinsights:Workspace",
  "azure-native:applicationinsights:Component",
  "azure-native:applicationinsights:WebTest",
  "azure-native:monitor:ActionGroup",
  "azure-native:monitor:MetricAlert",
  "azure-native:monitor:ScheduledQueryRule",
  "azure-native:appconfiguration:ConfigurationStore",
  "azure-native:appconfiguration:KeyValue",
  "azure-native:mongocluster:MongoCluster",
  "azure-native:webpubsub:WebPubSub",
]);

/**
 * Registers one stack transformation that merges the stack tags into every taggable Azure resource
 * (resource-specific tags, such as a web test's `hidden-link`, win over nothing and are kept).
 * Call once, before any resource is created.
 */
export function applyStackTags(tags: StackTags): void {
  pulumi.runtime.registerStackTransformation((args) => {
    if (!TAGGABLE_TYPES.has(args.type)) return undefined;
    const own = args.props.tags as pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
    const merged = pulumi.output(own ?? {}).apply((t) => ({ ...tags, ...t }));
    return { props: { ...args.props, tags: merged }, opts: args.opts };
  });
}
