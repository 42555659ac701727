/**
 * Kubeflow components: which of the manifests' own folders make each one, on which lines
 * it exists, what it depends on, and what its pods request. One data table; the
 * `kubeflow.components` rule, the size warning and the Kubeflow step read it.
 *
 * How a folder is recognised: the Kubeflow step reads the resource list of the tree's own
 * `example/kustomization.yaml` (the full install upstream documents) and classifies each
 * entry (path without `../`) by the first `patterns` glob (POSIX `case`) that matches it.
 * Globs rather than exact paths, because the folders moved between lines (as remembered,
 * not re-read here: 1.3-1.9 `apps/<app>/upstream/...`, 1.10+ `applications/<app>/...`;
 * `common/istio-1-9` ... `common/istio-1-22`, later `common/istio`; the auth proxy was
 * `common/oidc-authservice` up to 1.8, then oauth2-proxy under `common/oidc-client` (1.9)
 * and `common/oauth2-proxy` (1.10+); KServe was `apps/kfserving` in 1.3-1.4 and
 * `contrib/kserve` after). Entries under `common/` that no pattern names (kubeflow-namespace,
 * kubeflow-roles, networkpolicies) are platform pieces and always kept; entries elsewhere
 * that no pattern names are kept only by the full install.
 *
 * Sizes: the kubeflow/manifests README of recent releases (1.10 and later, as the lead's
 * brief quotes it; not re-read here) puts the whole example at about 4.4 CPU and
 * 12.3 GiB of requests (4380m / 12341Mi). How that total splits over the components below
 * is OUR apportionment (largest parts: Pipelines with its MySQL and MinIO, istio, knative,
 * KServe), made to sum exactly to the README's total for the full 1.10+ example; lines
 * before 1.10 published no such table, and the same figures are used for them. Treat a
 * component's figure as an estimate, the full total as the README's.
 */
import { atLeast } from "../core/version";

/** Requests of a component's pods: `cpu` in millicores, `memoryMi` in MiB. */
export interface ComponentSize {
  cpu: number;
  memoryMi: number;
}

export interface KubeflowComponent {
  /** The name users write in `kubeflow.components`, e.g. `pipelines`. */
  name: string;
  /** `app`: chosen by users; `platform`: added to every install (cert-manager, istio, dex...); `dependency`: added when an app needs it. */
  kind: "app" | "platform" | "dependency";
  /** Globs over the example's entries (without `../`), first table match wins. */
  patterns: string[];
  /** First Kubeflow line that ships it. @default every line */
  since?: string;
  /** Other components it needs (added automatically). */
  requires?: string[];
  size: ComponentSize;
  /** One line for `vk8s` messages and docs. */
  title: string;
}

/**
 * In match order: knative's cluster-local-gateway sits under `common/istio*` and must be
 * knative's; the user namespace is replaced by the login user's (never selected).
 */
export const KUBEFLOW_COMPONENTS: readonly KubeflowComponent[] = [
  { name: "user-namespace", kind: "platform", patterns: ["common/user-namespace/*"], size: { cpu: 0, memoryMi: 0 }, title: "the login user's Profile (common/user-namespace, parameters replaced)" },
  { name: "knative", kind: "dependency", patterns: ["common/knative/*", "common/istio*/cluster-local-gateway/*"], size: { cpu: 970, memoryMi: 2048 }, title: "Knative Serving and Eventing (for KServe)" },
  { name: "cert-manager", kind: "platform", patterns: ["common/cert-manager/*"], size: { cpu: 30, memoryMi: 256 }, title: "cert-manager and the Kubeflow issuer" },
  { name: "istio", kind: "platform", patterns: ["common/istio*"], size: { cpu: 1000, memoryMi: 2048 }, title: "istio and Kubeflow's istio resources" },
  { name: "dex", kind: "platform", patterns: ["common/dex/*"], size: { cpu: 20, memoryMi: 64 }, title: "dex, the login" },
  { name: "auth-proxy", kind: "platform", patterns: ["common/oidc-authservice/*", "common/oidc-client/*", "common/oauth2-proxy/*"], size: { cpu: 20, memoryMi: 64 }, title: "oidc-authservice (to 1.8) or oauth2-proxy (1.9+)" },
  { name: "profiles", kind: "platform", patterns: ["*/profiles/*"], size: { cpu: 50, memoryMi: 393 }, title: "Profiles controller and KFAM (the user's namespace)" },
  { name: "central-dashboard", kind: "platform", patterns: ["*/centraldashboard*"], size: { cpu: 50, memoryMi: 512 }, title: "Central Dashboard (the landing page)" },
  { name: "pipelines", kind: "app", patterns: ["*/pipeline/*"], size: { cpu: 970, memoryMi: 3552 }, title: "Kubeflow Pipelines (with MySQL and MinIO)" },
  { name: "katib", kind: "app", patterns: ["*/katib/*"], size: { cpu: 100, memoryMi: 476 }, title: "Katib (with its database)" },
  { name: "notebooks", kind: "app", patterns: ["*/jupyter/*", "*/admission-webhook/*"], size: { cpu: 200, memoryMi: 768 }, title: "Notebooks: Jupyter web app, notebook controller, PodDefaults webhook" },
  { name: "volumes", kind: "app", patterns: ["*/volumes-web-app/*"], size: { cpu: 50, memoryMi: 128 }, title: "Volumes web app" },
  { name: "tensorboards", kind: "app", patterns: ["*/tensorboard/*"], size: { cpu: 100, memoryMi: 256 }, title: "Tensorboards controller and web app" },
  {
    name: "training-operator", kind: "app",
    patterns: ["*/training-operator/*", "*/trainer/*", "*/tf-training/*", "*/pytorch-job/*", "*/mpi-job/*", "*/mxnet-job/*", "*/xgboost-job/*"],
    size: { cpu: 100, memoryMi: 256 }, title: "Training Operator (1.3: the per-framework job operators)",
  },
  { name: "pvc-viewer", kind: "app", since: "1.8", requires: ["volumes"], patterns: ["*/pvcviewer-controller/*"], size: { cpu: 20, memoryMi: 64 }, title: "PVC viewer controller" },
  { name: "kserve", kind: "app", requires: ["knative"], patterns: ["*/kserve/*", "*/kfserving/*"], size: { cpu: 600, memoryMi: 1200 }, title: "KServe (KFServing in 1.3-1.4) and the models web app" },
  { name: "spark", kind: "app", since: "1.10", patterns: ["*/spark/*"], size: { cpu: 100, memoryMi: 256 }, title: "Spark operator" },
];

/** The README's total for the full example (1.10+): 4380m CPU, 12341Mi memory. */
export const FULL_EXAMPLE_README_TOTAL: ComponentSize = { cpu: 4380, memoryMi: 12341 };

/** Components a Kubeflow line ships (its row's line, e.g. `1.9`). */
export function componentsOf(line: string): KubeflowComponent[] {
  return KUBEFLOW_COMPONENTS.filter((c) => c.since === undefined || atLeast(line, c.since));
}

/** The app names users may choose on a line, in table order. */
export function selectableComponents(line: string): string[] {
  return componentsOf(line).filter((c) => c.kind === "app").map((c) => c.name);
}

/**
 * The installed set for a selection: the chosen apps, what they require, and every
 * platform component, sorted by name; `undefined` = the full example.
 */
export function expandComponents(line: string, chosen: readonly string[] | undefined): string[] | undefined {
  if (chosen === undefined) return undefined;
  const byName = new Map(componentsOf(line).map((c) => [c.name, c]));
  const out = new Set(componentsOf(line).filter((c) => c.kind === "platform").map((c) => c.name));
  const visit = (name: string) => {
    if (out.has(name) || !byName.has(name)) return;
    out.add(name);
    for (const r of byName.get(name)!.requires ?? []) visit(r);
  };
  for (const name of chosen) visit(name);
  return [...out].sort();
}

/** Summed requests of an installed set (`undefined` = every component the line ships). */
export function componentsSize(line: string, installed: readonly string[] | undefined): ComponentSize {
  const set = installed === undefined ? undefined : new Set(installed);
  return componentsOf(line)
    .filter((c) => set === undefined || set.has(c.name))
    .reduce((sum, c) => ({ cpu: sum.cpu + c.size.cpu, memoryMi: sum.memoryMi + c.size.memoryMi }), { cpu: 0, memoryMi: 0 });
}

/**
 * Host kernel inotify limits a Kubeflow line needs. From the kubeflow/manifests README
 * prerequisite (as the lead's brief and the reference, section 4, quote it for 1.9 and
 * later: `fs.inotify.max_user_instances = 2280`, `fs.inotify.max_user_watches = 1255360`);
 * earlier lines name none. These limits are the host kernel's, shared by every vNode on a
 * host node.
 */
export interface InotifyNeeds {
  maxUserInstances: number;
  maxUserWatches: number;
}

export const KUBEFLOW_INOTIFY: InotifyNeeds = { maxUserInstances: 2280, maxUserWatches: 1255360 };

/** The inotify limits a line needs, or `undefined` when its README names none (before 1.9). */
export function inotifyNeeds(line: string): InotifyNeeds | undefined {
  return atLeast(line, "1.9") ? KUBEFLOW_INOTIFY : undefined;
}
