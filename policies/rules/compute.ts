// Rules for compute and containers Azure programs commonly declare: virtual machines and their network interfaces,
// container registries, Container Apps and Container Instances.
import * as app from "@pulumi/azure-native/app";
import * as compute from "@pulumi/azure-native/compute";
import * as containerinstance from "@pulumi/azure-native/containerinstance";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as network from "@pulumi/azure-native/network";
import type { PolicyResource } from "@pulumi/policy";
import { type PropsOf, resourceRule, stackRule, typeToken } from "../lib/rule";
import { known, ofType, sourcesOf, UNKNOWN } from "../lib/stack";

type VmProps = PropsOf<typeof compute.VirtualMachine>;
type RegistryProps = PropsOf<typeof containerregistry.Registry>;
type ContainerAppProps = PropsOf<typeof app.ContainerApp>;
type ContainerGroupProps = PropsOf<typeof containerinstance.ContainerGroup>;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

/** Linux VMs sign in with SSH keys only (Windows VMs always have a password and are not this rule's subject). */
export const computeVirtualMachineDisablePasswordLogin = resourceRule<VmProps>({
  name: "compute-virtualmachine-disable-password-login",
  description:
    "Linux virtual machine osProfile.linuxConfiguration.disablePasswordAuthentication is true (unset allows passwords when adminPassword is set); Windows VMs and VMs without osProfile (attached OS disk) are not applicable.",
  enforcementLevel: "mandatory",
  resources: [compute.VirtualMachine],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "high",
    remediationSteps:
      "Set osProfile.linuxConfiguration.disablePasswordAuthentication: true, drop adminPassword and add ssh.publicKeys.",
    anchors: { checkov: ["CKV_AZURE_149", "CKV_AZURE_1"], trivy: ["AVD-AZU-0039"] },
    url: "https://learn.microsoft.com/azure/virtual-machines/linux/create-ssh-keys-detailed",
  },
  check: (vm, args, report) => {
    const os = vm.osProfile;
    const osType = vm.storageProfile?.osDisk?.osType;
    if (!isObject(os) || isObject(os.windowsConfiguration) || osType === "Windows") {
      args.notApplicable("not a Linux VM with an OS profile");
    }
    if (os?.linuxConfiguration?.disablePasswordAuthentication !== true) {
      report(
        "Linux VM accepts password sign-in: set osProfile.linuxConfiguration.disablePasswordAuthentication to true and use SSH keys.",
      );
    }
  },
});

/** True when the resource carries an NSG of its own, or (a virtual network) on every subnet it declares. */
function guardedByNsg(r: PolicyResource): boolean | typeof UNKNOWN {
  return known(() => {
    if (r.type === typeToken(network.Subnet)) return isObject(r.props["networkSecurityGroup"]);
    if (r.type === typeToken(network.VirtualNetwork)) {
      const subnets: unknown = r.props["subnets"];
      return (
        Array.isArray(subnets) &&
        subnets.length > 0 &&
        subnets.every((s) => isObject(s) && isObject(s["networkSecurityGroup"]))
      );
    }
    return false;
  });
}

/** A network interface with a public IP has a network security group on itself or its subnet. */
export const networkNetworkInterfaceDisallowPublicIpWithoutNsg = stackRule({
  name: "network-networkinterface-disallow-public-ip-without-nsg",
  description:
    "Network interface with a public IP in any ipConfiguration has networkSecurityGroup set, or takes its subnet from a Subnet (or VirtualNetwork whose subnets all have one) with an NSG in the same stack.",
  enforcementLevel: "mandatory",
  resources: [network.NetworkInterface],
  meta: {
    checklist: ["network"],
    severity: "high",
    remediationSteps:
      "Drop the public IP (reach the VM through Bastion or a load balancer) or attach a network security group that allows only the needed ports from known sources.",
    anchors: { checkov: ["CKV_AZURE_119"], azurePolicy: ["NetworkPublicIPNic_Deny"] },
    url: "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",
  },
  check: (args, report) => {
    for (const nic of ofType(args.resources, network.NetworkInterface)) {
      const exposed = known(() => {
        const configs: unknown = nic.props["ipConfigurations"];
        return Array.isArray(configs) && configs.some((c) => isObject(c) && isObject(c["publicIPAddress"]));
      });
      if (exposed !== true) continue;
      if (known(() => isObject(nic.props["networkSecurityGroup"])) !== false) continue;
      const guards = sourcesOf(nic, "ipConfigurations").map(guardedByNsg);
      if (guards.some((g) => g !== false)) continue;
      report(
        nic,
        `${nic.name}: public IP without a network security group on the interface or its subnet: attach an NSG or drop the public IP.`,
      );
    }
  },
});

/** Registries authenticate with Entra identities, not the shared admin user. */
export const containerregistryRegistryDisableAdminUser = resourceRule<RegistryProps>({
  name: "containerregistry-registry-disable-admin-user",
  description: "Container registry adminUserEnabled is not true (unset means disabled).",
  enforcementLevel: "mandatory",
  resources: [containerregistry.Registry],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "high",
    remediationSteps:
      "Set adminUserEnabled: false and grant pushing and pulling identities the AcrPush/AcrPull roles.",
    anchors: { checkov: ["CKV_AZURE_137"], azurePolicy: ["ACR_AdminAccountDisabled_AuditDeny"] },
    url: "https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account",
  },
  check: (registry, _args, report) => {
    if (registry.adminUserEnabled === true) {
      report("The registry's shared admin user is on: set adminUserEnabled to false and use RBAC.");
    }
  },
});

/** Container Apps ingress redirects HTTP to HTTPS. */
export const appContainerAppDisallowInsecureIngress = resourceRule<ContainerAppProps>({
  name: "app-containerapp-disallow-insecure-ingress",
  description:
    "Container App configuration.ingress.allowInsecure is not true, so HTTP requests are redirected to HTTPS (unset means false).",
  enforcementLevel: "mandatory",
  resources: [app.ContainerApp],
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps: "Set configuration.ingress.allowInsecure: false (or leave it unset).",
    anchors: { azurePolicy: ["ContainerApps_EnableHTTPS_Audit"] },
    url: "https://learn.microsoft.com/azure/container-apps/ingress-overview",
  },
  check: (containerApp, _args, report) => {
    if (containerApp.configuration?.ingress?.allowInsecure === true) {
      report("Container App ingress accepts plain HTTP: set configuration.ingress.allowInsecure to false.");
    }
  },
});

/** Container Instances have no TLS termination: a public group exposes only a port the container serves TLS on. */
export const containerinstanceContainerGroupDisallowPublicPlaintextPorts = resourceRule<ContainerGroupProps>({
  name: "containerinstance-containergroup-disallow-public-plaintext-ports",
  description:
    "Container group with ipAddress.type 'Public' exposes no port but 443 (Container Instances do not terminate TLS, so any other public port is plain text unless the container serves TLS on it).",
  enforcementLevel: "mandatory",
  resources: [containerinstance.ContainerGroup],
  meta: {
    checklist: ["tls", "network"],
    severity: "high",
    remediationSteps:
      "Deploy the group into a virtual network (subnetIds, ipAddress.type 'Private') behind Application Gateway or Front Door, or serve TLS in the container on 443 only.",
    anchors: { azurePolicy: ["ContainerInstance_VNET_Audit"] },
    url: "https://learn.microsoft.com/azure/container-instances/container-instances-container-group-ssl",
  },
  check: (group, _args, report) => {
    if (group.ipAddress?.type !== "Public") return;
    const ports: unknown = group.ipAddress.ports;
    const plain = (Array.isArray(ports) ? ports : [])
      .map((p: unknown) => (isObject(p) ? p["port"] : undefined))
      .filter((p) => p !== 443);
    if (plain.length > 0) {
      report(
        `Public container group exposes port(s) ${plain.map(String).join(", ")} without TLS termination: move it into a virtual network behind a TLS-terminating gateway.`,
      );
    }
  },
});
