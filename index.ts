import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config/load";
import { Naming } from "./components/naming";
import { applyStackTags } from "./components/tags";

/**
 * The program: validates the whole stack config first (nothing is registered when it is invalid), then
 * builds the environment from components. Differences between stacks come only from config.
 */
export = async () => {
  const { config } = loadConfig();
  const env = config.environment;
  applyStackTags({
    environment: env.name,
    owner: env.owner,
    "cost-center": env.costCenter,
    "managed-by": "pulumi",
  });
  const naming = new Naming({
    workload: env.workload,
    environment: env.name,
    location: env.location,
    uniqueSeed: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });

  const group = new resources.ResourceGroup("rg", {
    resourceGroupName: naming.resourceGroup(),
    location: env.location,
  });

  return {
    resourceGroupName: group.name,
    release: config.release,
  };
};
