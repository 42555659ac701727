/**
 * The platform as files for GitOps review and for Argo CD / Flux (`vk8s render --platform
 * FILE --out DIR`), deterministic bytes sorted by path:
 *
 *   _platform/nodeports.yaml     every user's port block and NodePorts (review port moves here)
 *   <user>/host/*.yaml           host objects: namespace, tenant objects, vNodes, services
 *                                (point an Argo CD Application / Flux Kustomization here)
 *   <user>/bootstrap/*.sh        the bootstrap steps run over SSH (for review; not applied)
 *   <user>/virtual/*.yaml        objects inside the user's virtual cluster (its storage)
 *   <user>/secrets.yaml          the secrets the user's cluster needs, by reference only
 *
 * No secret is written: the Kubeflow password reaches the dex step as a bcrypt hash on
 * stdin at run time, SSH keys and kubeconfigs stay in Pulumi state.
 */
import { renderBootstrapFiles } from "../bootstrap/files";
import type { BootstrapOptionsInput } from "../bootstrap/types";
import { renderClusterFiles, type RenderedFile } from "../render/files";
import { toYaml } from "../render/yaml";
import type { PlatformPlan, TenantPlan } from "./plan";
import { PASSWORDS_CONFIG_KEY, setPasswordCommand } from "./secrets";

/** Directory of the platform-wide files (user names are DNS labels, never `_...`). */
export const PLATFORM_DIR = "_platform";

export interface PlatformFilesOptions {
  /** Bootstrap options of every user's cluster (sources, retry bounds). @default {} */
  bootstrap?: BootstrapOptionsInput;
}

/** Every file of the platform, sorted by path. */
export function renderPlatformFiles(plan: PlatformPlan, options: PlatformFilesOptions = {}): RenderedFile[] {
  const files: RenderedFile[] = [
    { path: `${PLATFORM_DIR}/nodeports.yaml`, content: renderNodePortsFile(plan) },
    // The host-preparation DaemonSet, only when settings.hostPreparation turns it on.
    ...(plan.hostObjects ?? []).map((o) => ({ path: `${PLATFORM_DIR}/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, content: toYaml(o) })),
  ];
  for (const tenant of plan.tenants) {
    const own = [
      ...renderClusterFiles(tenant.cluster, tenant.hostRender),
      ...renderBootstrapFiles(tenant.cluster, options.bootstrap),
      ...tenant.virtualObjects.map((o) => ({ path: `virtual/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, content: toYaml(o) })),
      { path: "secrets.yaml", content: renderSecretReferences(tenant) },
    ];
    files.push(...own.map((f) => ({ path: `${tenant.name}/${f.path}`, content: f.content })));
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `_platform/nodeports.yaml`: per user, in users order, the block and every NodePort. */
export function renderNodePortsFile(plan: PlatformPlan): string {
  const header = [
    "# NodePorts of every user (rendered by vk8s; see src/platform/ports.ts).",
    `# Range ${plan.settings.nodePortRange.min}-${plan.settings.nodePortRange.max}, blocks of ${plan.settings.portBlockSize}. Append new users`,
    "# at the end of the users file: a user's ports depend only on itself and the users before it.",
  ].join("\n");
  const users = plan.tenants.map((t) => ({ name: t.name, block: t.nodePorts.block ?? null, ports: t.nodePorts.ports }));
  return `${header}\n${toYaml({ users })}`;
}

/** `<user>/secrets.yaml`: what the cluster needs and where it comes from; never a value. */
export function renderSecretReferences(tenant: TenantPlan): string {
  const header = `# Secrets of user ${tenant.name}'s virtual cluster, by reference: vk8s never writes their values.`;
  return `${header}\n${toYaml({
    kubeflowPassword: {
      source: `Pulumi config secret ${PASSWORDS_CONFIG_KEY}.${tenant.name}`,
      set: setPasswordCommand(tenant.name),
      usedBy: "bootstrap/09-dex-login.sh reads its bcrypt hash on stdin",
    },
    sshPrivateKey: {
      source: "Vk8sCluster's generated key pair in Pulumi state (secret), or its ssh.privateKey",
      usedBy: "every bootstrap/*.sh, run over SSH through the access pod",
    },
    kubeconfig: {
      source: `stack output kubeconfigs.${tenant.name} (secret): pulumi stack output --show-secrets kubeconfigs`,
      usedBy: "virtual/*.yaml are applied with it",
    },
  })}`;
}
