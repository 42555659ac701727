/**
 * What `Vk8sPlatform` computes besides `planPlatform()` (src/platform/plan.ts): each user's
 * `Vk8sCluster` arguments, the check of every user's cluster before any is registered, and
 * each user's endpoints as data. Pure: the secrets (the password) come in as the caller's
 * values, opaque here.
 */
import { formatProblem, Vk8sValidationError, type Problem } from "../core/errors";
import type { PlatformPlan, TenantPlan } from "../platform/plan";
import type { TenantInput } from "../platform/types";
import type { BootstrapOptions } from "../bootstrap/types";
import { planCluster, type ClusterPlanArgs, type PlanOptions } from "./cluster";

/** One platform user as plain data: the tenant input, its password and SSH settings (either may be deferred). */
export interface PlatformUserInput extends TenantInput {
  kubeflowPassword: unknown;
  ssh?: Omit<NonNullable<ClusterPlanArgs["ssh"]>, "nodePort">;
}

/** The platform arguments every user's cluster shares. */
export interface PlatformClusterArgs {
  hostAddress?: unknown;
  awaitVNodes?: boolean;
  bootstrap?: Partial<BootstrapOptions> | false;
  offerStorageInVirtualCluster?: boolean;
}

/** The pure tenant input of a user (its secrets left out). */
export function tenantInput(u: TenantInput): TenantInput {
  return { name: u.name, cluster: u.cluster, quota: u.quota, storage: u.storage, nodePorts: u.nodePorts };
}

/**
 * The arguments of a user's `Vk8sCluster`: the planned spec (NodePorts filled in), named
 * after the user, with `password` (the caller's, e.g. wrapped as a secret) and the platform's
 * shared arguments.
 */
export function tenantClusterArgs<P, U extends { ssh?: object }, S extends PlatformClusterArgs>(tenant: TenantPlan, user: U, args: S, password: P) {
  const { extraObjects, namespaceLabels, userStorage } = tenant.hostRender;
  return {
    ...tenant.spec,
    clusterName: tenant.name,
    kubeflow: { ...tenant.spec.kubeflow, password },
    hostAddress: args.hostAddress as S["hostAddress"],
    apiServerNodePort: tenant.apiServerNodePort,
    ssh: { ...(user.ssh as U["ssh"]), nodePort: tenant.sshNodePort },
    awaitVNodes: args.awaitVNodes,
    bootstrap: args.bootstrap,
    hostRender: { extraObjects, namespaceLabels, userStorage },
  };
}

/** Whether each user's storage is offered inside its virtual cluster: `offerStorageInVirtualCluster`, default on when bootstrap is on. */
export function offersStorage(args: PlatformClusterArgs): boolean {
  return args.bootstrap !== false && (args.offerStorageInVirtualCluster ?? true);
}

/**
 * Every user's password is given and every user's cluster passes `planCluster` (the
 * component's own validation and plan, with `argsOf` giving its arguments), before any is
 * registered; throws `Vk8sValidationError` (subject `vk8s platform`) with every problem of every user, each path a
 * platform user's (`userFieldPath`).
 */
export function checkPlatformUsers<U extends PlatformUserInput>(
  name: string,
  plan: PlatformPlan,
  users: U[],
  argsOf: (tenant: TenantPlan, user: U) => ClusterPlanArgs,
  options: PlanOptions,
): void {
  const problems: Problem[] = [];
  const byName = new Map(users.map((u) => [u.name, u]));
  for (const tenant of plan.tenants) {
    const user = byName.get(tenant.name) as U;
    if (user.kubeflowPassword === undefined || user.kubeflowPassword === null) {
      problems.push({ path: `${tenant.path}.kubeflowPassword`, message: "is missing", fix: "give the user's Kubeflow password as a secret" });
      continue;
    }
    try {
      planCluster(`${name}-${tenant.name}`, argsOf(tenant, user), options);
    } catch (e) {
      if (!(e instanceof Vk8sValidationError)) throw e;
      problems.push(...e.problems.map((p) => ({ ...p, path: userFieldPath(tenant.path, p.path) })));
    }
  }
  const unique = [...new Map(problems.map((p) => [formatProblem(p), p])).values()];
  if (unique.length > 0) throw new Vk8sValidationError({ kind: "vk8s platform" }, unique);
}

/** A cluster problem's path as a platform user's: spec fields under `.cluster`, the password as `kubeflowPassword`. */
export function userFieldPath(userPath: string, path: string): string {
  if (path === "kubeflow.password") return `${userPath}.kubeflowPassword`;
  if (path === "name") return `${userPath}.name`;
  if (/^(hostAddress|bootstrap)\b/.test(path)) return path; // the platform's own arguments, shared by every user
  if (/^(ssh|hostRender|apiServerNodePort)\b/.test(path)) return `${userPath}.${path}`;
  return `${userPath}.cluster.${path}`;
}

/** What a user gets, as stack outputs. */
export interface TenantEndpoints {
  kubeflowUrl: string;
  sshEndpoint: string;
  apiServerEndpoint: string;
  namespace: string;
  kubeflowVersion: string;
  kubernetesVersion: string;
  /** NodePort by name (`kubeflow`, `ssh`, `apiserver`, other ports). */
  nodePorts: Record<string, number>;
  /** Where the user's storage is mounted in every vNode. */
  storageMountPath: string;
}

/** A user's endpoints: the planned facts of its tenant and the URLs its cluster resolved. */
export function tenantEndpoints(tenant: TenantPlan, urls: Pick<TenantEndpoints, "kubeflowUrl" | "sshEndpoint" | "apiServerEndpoint">): TenantEndpoints {
  return {
    kubeflowUrl: urls.kubeflowUrl,
    sshEndpoint: urls.sshEndpoint,
    apiServerEndpoint: urls.apiServerEndpoint,
    namespace: tenant.cluster.namespace,
    kubeflowVersion: tenant.cluster.kubeflow.version,
    kubernetesVersion: tenant.cluster.matrix.kubernetesVersion,
    nodePorts: tenant.nodePorts.ports,
    storageMountPath: tenant.storage.mountPath,
  };
}
