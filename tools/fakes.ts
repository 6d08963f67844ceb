import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** Placeholder subscription used in every fake Azure resource id. */
export const FAKE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

type State = Record<string, unknown>;
type Fake = (name: string, inputs: State) => State;

const azureId = (type: string, name: string, inputs: State): string => {
  const [, module, resource] = type.split(":");
  const rg = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : "rg-mock";
  return `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.${module}/${resource}/${name}`;
};

/** A deterministic, repeatable stand-in for a generated secret of `length` characters. */
function fakeSecretText(seed: string, length: number): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  let h = 2166136261;
  let out = "";
  for (let i = 0; i < length; i++) {
    h = Math.imul(h ^ (seed.charCodeAt(i % seed.length) + i), 16777619) >>> 0;
    out += alphabet[h % alphabet.length];
  }
  return out;
}

const identity = (inputs: State): State | undefined => {
  const id = inputs.identity as { type?: string } | undefined;
  if (id?.type === undefined) return undefined;
  return {
    ...id,
    principalId: "11111111-1111-1111-1111-111111111111",
    tenantId: "22222222-2222-2222-2222-222222222222",
  };
};

/**
 * Computed outputs the real providers return after create, for the types whose outputs the program reads.
 * Secret outputs are wrapped in `pulumi.secret` the way the engine applies a provider's
 * `additionalSecretOutputs`; mocks do not do that on their own.
 */
const fakes: Record<string, Fake> = {
  "random:index/randomPassword:RandomPassword": (name, inputs) => {
    const text = fakeSecretText(name, Number(inputs.length ?? 32));
    return { result: pulumi.secret(text), bcryptHash: pulumi.secret(`$2a$10$${text}`) };
  },
  "random:index/randomUuid:RandomUuid": (name) => ({
    result: `${fakeSecretText(name, 8)}-0000-4000-8000-000000000000`,
  }),
  "azure-native:resources:ResourceGroup": (name, inputs) => ({ name: inputs.resourceGroupName ?? name }),
  "azure-native:keyvault:Vault": (name, inputs) => ({
    name: inputs.vaultName ?? name,
    properties: {
      ...(inputs.properties as State),
      vaultUri: `https://${String(inputs.vaultName ?? name)}.vault.azure.net/`,
    },
  }),
  "azure-native:keyvault:Secret": (name, inputs) => {
    const vault = String(inputs.vaultName ?? "kv");
    const secretName = String(inputs.secretName ?? name);
    const uri = `https://${vault}.vault.azure.net/secrets/${secretName}`;
    // ARM never returns the value; the SDK may hand `properties` over as a secret wrapper (`{<sig>, value}`).
    const sent: unknown = inputs.properties ?? {};
    const props = { ...((rpc.isRpcSecret(sent) ? rpc.unwrapRpcSecret(sent) : sent) as State) };
    delete props.value;
    return {
      name: secretName,
      properties: {
        ...props,
        secretUri: uri,
        secretUriWithVersion: `${uri}/0123456789abcdef`,
      },
    };
  },
  "azure-native:dbforpostgresql:Server": (name, inputs) => ({
    name: inputs.serverName ?? name,
    fullyQualifiedDomainName: `${String(inputs.serverName ?? name)}.postgres.database.azure.com`,
  }),
  "azure-native:dbforpostgresql:Database": (name, inputs) => ({ name: inputs.databaseName ?? name }),
  "azure-native:redisenterprise:RedisEnterprise": (name, inputs) => ({
    name: inputs.clusterName ?? name,
    hostName: `${String(inputs.clusterName ?? name)}.${String(inputs.location ?? "westeurope")}.redis.azure.net`,
  }),
  "azure-native:redisenterprise:Database": (name, inputs) => ({
    name: inputs.databaseName ?? name,
    port: inputs.port ?? 10000,
  }),
  "azure-native:web:WebApp": (name, inputs) => ({
    name: inputs.name ?? name,
    defaultHostName: `${String(inputs.name ?? name)}.azurewebsites.net`,
    identity: identity(inputs),
  }),
  "azure-native:web:WebAppSlot": (name, inputs) => ({
    name: inputs.slot ?? name,
    defaultHostName: `${String(inputs.name ?? name)}-${String(inputs.slot ?? "slot")}.azurewebsites.net`,
    identity: identity(inputs),
  }),
  "azure-native:web:StaticSite": (name, inputs) => ({
    name: inputs.name ?? name,
    defaultHostname: `${fakeSecretText(name, 10).toLowerCase()}.azurestaticapps.net`,
  }),
  "azure-native:storage:StorageAccount": (name, inputs) => {
    const account = String(inputs.accountName ?? name);
    return {
      name: account,
      primaryEndpoints: {
        blob: `https://${account}.blob.core.windows.net/`,
        queue: `https://${account}.queue.core.windows.net/`,
        table: `https://${account}.table.core.windows.net/`,
        file: `https://${account}.file.core.windows.net/`,
      },
    };
  },
  "azure-native:operationalinsights:Workspace": (name, inputs) => ({
    name: inputs.workspaceName ?? name,
    customerId: "33333333-3333-3333-3333-333333333333",
  }),
  "azure-native:applicationinsights:Component": (name, inputs) => ({
    name: inputs.resourceName ?? name,
    appId: "44444444-4444-4444-4444-444444444444",
    connectionString: pulumi.secret(
      "InstrumentationKey=55555555-5555-5555-5555-555555555555;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
    ),
    instrumentationKey: "55555555-5555-5555-5555-555555555555",
  }),
  "azure-native:appconfiguration:ConfigurationStore": (name, inputs) => ({
    name: inputs.configStoreName ?? name,
    endpoint: `https://${String(inputs.configStoreName ?? name)}.azconfig.io`,
  }),
  "azure-native:managedidentity:UserAssignedIdentity": (name, inputs) => ({
    name: inputs.resourceName ?? name,
    principalId: "66666666-6666-6666-6666-666666666666",
    clientId: "77777777-7777-7777-7777-777777777777",
  }),
  "azure-native:privatedns:PrivateZone": (name, inputs) => ({ name: inputs.privateZoneName ?? name }),
  "azure-native:network:PrivateEndpoint": (name, inputs) => ({ name: inputs.privateEndpointName ?? name }),
  "vercel:index/project:Project": (name, inputs) => ({ name: inputs.name ?? name }),
  // REST 2024-07-01 MongoClusters_CreateOrUpdate response: `properties.connectionString` with placeholders for the
  // credentials, host `<name>.global.mongocluster.cosmos.azure.com`; the administrator password is never returned.
  "azure-native:mongocluster:MongoCluster": (name, inputs) => {
    const cluster = String(inputs.mongoClusterName ?? name);
    const given = rpc.isRpcSecret(inputs.properties)
      ? rpc.unwrapRpcSecret(inputs.properties)
      : inputs.properties;
    const { administrator, ...rest } = (given ?? {}) as State;
    return {
      name: cluster,
      // Secret as a whole: its input carries the password (and the component lists it in additionalSecretOutputs).
      properties: pulumi.secret({
        ...rest,
        administrator: { userName: (administrator as State | undefined)?.userName },
        clusterStatus: "Ready",
        provisioningState: "Succeeded",
        connectionString: `mongodb+srv://<user>:<password>@${cluster}.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000`,
      }),
    };
  },
  // REST 2024-03-01 WebPubSub_CreateOrUpdate response: `hostName` `<name>.webpubsub.azure.com`.
  "azure-native:webpubsub:WebPubSub": (name, inputs) => ({
    name: inputs.resourceName ?? name,
    hostName: `${String(inputs.resourceName ?? name)}.webpubsub.azure.com`,
  }),
};

/** Fake create result for a resource: its inputs, then the type's computed outputs, with an id. */
export function fakeResource(type: string, name: string, inputs: State): { id: string; state: State } {
  const computed = fakes[type]?.(name, inputs) ?? {};
  const id = type.startsWith("azure-native:") ? azureId(type, name, inputs) : `${name}-id`;
  return { id, state: { ...inputs, ...computed, id } };
}

/**
 * What a preview sees for a resource about to be created: its inputs, and every output the provider would compute
 * (the fake's outputs that differ from the inputs) unknown, nested ones included. The real engine does the same: a
 * provider's Create does not run in a preview, so `properties.secretUri` or `defaultHostName` are unknown there.
 */
export function fakePreviewState(type: string, name: string, inputs: State): State {
  const computed = fakes[type]?.(name, inputs) ?? {};
  return { ...inputs, ...unknownWhereComputed(computed, inputs) };
}

function unknownWhereComputed(computed: State, inputs: State): State {
  const out: State = {};
  for (const [key, value] of Object.entries(computed)) {
    const given = rpc.isRpcSecret(inputs[key]) ? rpc.unwrapRpcSecret(inputs[key]) : inputs[key];
    const plainObject = (v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v) && !pulumi.Output.isInstance(v);
    if (plainObject(value) && plainObject(given)) {
      out[key] = { ...(given as State), ...unknownWhereComputed(value as State, given as State) };
    } else if (JSON.stringify(value) === JSON.stringify(given) && !pulumi.Output.isInstance(value)) {
      out[key] = inputs[key];
    } else {
      out[key] = rpc.unknownValue;
    }
  }
  return out;
}

/** Fake results of provider function calls the program makes; undefined for a call with no fake. */
export function fakeCall(token: string, inputs: State): State | undefined {
  switch (token) {
    case "azure-native:authorization:getClientConfig":
      return {
        clientId: "88888888-8888-8888-8888-888888888888",
        objectId: "99999999-9999-9999-9999-999999999999",
        subscriptionId: FAKE_SUBSCRIPTION,
        tenantId: "22222222-2222-2222-2222-222222222222",
      };
    case "azure-native:redisenterprise:listDatabaseKeys":
      return {
        primaryKey: pulumi.secret(`Pk+${fakeSecretText(String(inputs.clusterName), 40)}/=`),
        secondaryKey: pulumi.secret(`Sk+${fakeSecretText(String(inputs.clusterName), 40)}/=`),
      };
    case "azure-native:storage:listStorageAccountKeys":
      return {
        keys: ["key1", "key2"].map((keyName) => ({
          keyName,
          permissions: "FULL",
          value: pulumi.secret(`${fakeSecretText(`${String(inputs.accountName)}-${keyName}`, 86)}==`),
        })),
      };
    default:
      return undefined;
  }
}
