/**
 * `Vk8sPlatform`: many users' virtual clusters side by side in one host cluster, each a
 * tenant: its namespace (Pod Security `privileged`, as vNodes need, labeled
 * `vk8s.io/tenant`), ResourceQuota and LimitRange from its quota, default-deny network
 * policies with only what the virtual cluster needs, its own storage mounted into its
 * vNodes and offered inside the virtual cluster, and NodePorts given or allocated without
 * collisions. A thin shell: `planPlatform()` (src/platform) decides everything, before
 * anything is registered; this class registers one `Vk8sCluster` per user (which creates
 * the tenant objects in its namespace, after the namespace) and the storage objects
 * inside each virtual cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { BootstrapOptions } from "../src/bootstrap/types";
import { planPlatform, type PlatformPlan, type TenantPlan } from "../src/platform/plan";
import type { PlatformSettings, TenantInput } from "../src/platform/types";
import { checkPlatformUsers, offersStorage, tenantClusterArgs, tenantEndpoints, tenantInput, type TenantEndpoints } from "../src/plan/platform";
import { Vk8sCluster, type Vk8sClusterArgs, type Vk8sSshArgs } from "./vk8sCluster";
import { isDeferred } from "./deferred";
import { registerObjects } from "./registerObjects";

export type { TenantEndpoints } from "../src/plan/platform";

/** One user of the platform: the pure tenant input plus its secrets. */
export interface Vk8sPlatformUser extends TenantInput {
  /** Kubeflow login password (>= 8 characters, not the upstream default); pass a secret. */
  kubeflowPassword: pulumi.Input<string>;
  /** SSH settings of the user's cluster; its NodePort comes from the plan. @default generated key, access pod as jump host */
  ssh?: Omit<Vk8sSshArgs, "nodePort">;
}

export interface Vk8sPlatformArgs {
  /** The users, in order: append new ones (NodePort allocation keys on the order, see src/platform/ports.ts). */
  users: Vk8sPlatformUser[];
  /** Port range, block size, default quota and storage, host CIDRs, DNS... @default see PLATFORM_DEFAULTS */
  settings?: PlatformSettings;
  /**
   * Address of a host node on which users reach their NodePorts (IPv4 or DNS name); may be
   * an Output (a load balancer's address), checked before any user's namespace is created.
   * The users' cluster specs, quotas, storage and NodePorts stay plain: the platform plans
   * quotas, NodePort blocks and storage from them when the program runs (src/platform).
   * @default "127.0.0.1"
   */
  hostAddress?: pulumi.Input<string>;
  /** Let `pulumi up` wait for vNodes to be ready (see Vk8sCluster). @default true */
  awaitVNodes?: boolean;
  /** Bootstrap settings of every cluster; `false` creates only the host objects. @default {} */
  bootstrap?: Partial<BootstrapOptions> | false;
  /**
   * Create the storage class and volume inside each virtual cluster (through its
   * kubeconfig) that offer the user's storage to its pods. @default true when bootstrap is on
   */
  offerStorageInVirtualCluster?: boolean;
}

export class Vk8sPlatform extends pulumi.ComponentResource {
  /** The plan every resource was registered from (pure data, no secrets). */
  public readonly plan: PlatformPlan;
  /** Each user's cluster, by user name. */
  public readonly clusters: Record<string, Vk8sCluster>;
  /** Each user's endpoints, by user name. */
  public readonly users: pulumi.Output<Record<string, TenantEndpoints>>;
  /** Each user's admin kubeconfig, by user name (secret). */
  public readonly kubeconfigs: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: Vk8sPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan the platform and prepare every user's cluster before registering anything: an
    // invalid platform, or one invalid user, creates nothing.
    const plan = planPlatform(args.users.map(tenantInput), args.settings);
    checkPlatformUsers(name, plan, args.users, (tenant, user) => clusterArgsOf(tenant, user, args), { isDeferred });
    super("vk8s:index:Vk8sPlatform", name, {}, opts);
    this.plan = plan;
    this.clusters = {};
    registerObjects(name, plan.hostObjects, { parent: this });
    const byName = new Map(args.users.map((u) => [u.name, u]));
    for (const tenant of plan.tenants) {
      const user = byName.get(tenant.name) as Vk8sPlatformUser;
      const cluster = new Vk8sCluster(`${name}-${tenant.name}`, clusterArgsOf(tenant, user, args), { parent: this });
      this.clusters[tenant.name] = cluster;
      if (offersStorage(args)) this.offerStorage(`${name}-${tenant.name}`, tenant, cluster);
    }
    const entries = plan.tenants.map((t) => {
      const c = this.clusters[t.name];
      return pulumi.all([c.kubeflowUrl, c.sshEndpoint, c.apiServerEndpoint])
        .apply(([kubeflowUrl, sshEndpoint, apiServerEndpoint]) => [t.name, tenantEndpoints(t, { kubeflowUrl, sshEndpoint, apiServerEndpoint })] as const);
    });
    this.users = pulumi.all(entries).apply((es) => Object.fromEntries(es));
    this.kubeconfigs = pulumi.secret(pulumi.all(plan.tenants.map((t) => this.clusters[t.name].kubeconfig.apply((k) => [t.name, k] as const)))
      .apply((es) => Object.fromEntries(es)));
    this.registerOutputs({ users: this.users, kubeconfigs: this.kubeconfigs });
  }

  /** The user's storage inside the virtual cluster, through a provider built from its kubeconfig. */
  private offerStorage(prefix: string, tenant: TenantPlan, cluster: Vk8sCluster): void {
    const provider = new k8s.Provider(`${prefix}-virtual`, { kubeconfig: cluster.kubeconfig }, { parent: this });
    registerObjects(`${prefix}-virtual`, tenant.virtualObjects, { parent: this, provider });
  }
}

/**
 * The arguments of a user's `Vk8sCluster`. A password given as an Output is marked secret
 * here; a plain string stays plain so that it is validated before anything is registered
 * (`Vk8sCluster` wraps every password as a secret itself, so neither form reaches state in
 * plain text).
 */
function clusterArgsOf(tenant: TenantPlan, user: Vk8sPlatformUser, args: Vk8sPlatformArgs): Vk8sClusterArgs {
  const password = typeof user.kubeflowPassword === "string" ? user.kubeflowPassword : pulumi.secret(user.kubeflowPassword);
  return tenantClusterArgs(tenant, user, args, password);
}
