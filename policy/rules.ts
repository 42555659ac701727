/**
 * The vk8s policies as pure functions over the stack's resources (see `index.ts` for the
 * pack). Each returns its violations; none throws on missing or unknown (preview) values.
 */
import * as bcrypt from "bcryptjs";
import { containersOf, inNamespace, isVNode, labelsOf, namespaces, obj, VK8S, workloads, type StackResource, type Violation } from "./workloads";

export type { StackResource, Violation } from "./workloads";

/** One policy: its name, what it enforces and its check. */
export interface StackRule {
  name: string;
  description: string;
  check(resources: readonly StackResource[]): Violation[];
}

const what = (w: { kind: string; namespace: string; name: string }) => `${w.kind} ${w.namespace}/${w.name}`;

const STRICT_LEVELS = ["baseline", "restricted"];

/**
 * Only vNode pods may be privileged, and only in a namespace of this stack labeled
 * `enforce: privileged`; every other namespace the stack creates enforces baseline or
 * restricted (privileged only where vNodes run).
 */
export const privilegedOnlyVNodes: StackRule = {
  name: "vk8s-privileged-only-vnodes",
  description: "Only vNode pods may be privileged, only in namespaces labeled privileged; other namespaces enforce baseline or restricted.",
  check(resources) {
    const out: Violation[] = [];
    const ns = namespaces(resources);
    for (const [name, namespace] of ns) {
      const labels = labelsOf(namespace);
      const level = labels[VK8S.podSecurityEnforce];
      if (labels.app === VK8S.vNodeApp ? level === "privileged" : STRICT_LEVELS.includes(level)) continue;
      const want = labels.app === VK8S.vNodeApp ? "privileged (its vNodes need it)" : "baseline or restricted (only vNode namespaces may be privileged)";
      out.push({ policy: this.name, message: `namespace ${name} enforces Pod Security ${level ?? "(no label)"} (label ${VK8S.podSecurityEnforce}: ${want})`, urn: namespace.urn });
    }
    for (const w of workloads(resources)) {
      const privileged = containersOf(w.podSpec).filter((c) => obj(c.securityContext).privileged === true).map((c) => String(c.name));
      if (privileged.length === 0) continue;
      const v = (message: string) => out.push({ policy: this.name, message, urn: w.resource.urn });
      if (!isVNode(w)) {
        v(`${what(w)} runs privileged container(s) ${privileged.join(", ")} but is not a vk8s vNode (drop securityContext.privileged)`);
        continue;
      }
      const others = privileged.filter((c) => c !== VK8S.vNodeContainer);
      if (others.length > 0) v(`${what(w)}: only the ${VK8S.vNodeContainer} container of a vNode may be privileged, not ${others.join(", ")}`);
      const namespace = ns.get(w.namespace);
      const level = labelsOf(namespace)[VK8S.podSecurityEnforce];
      if (!namespace) v(`${what(w)} is privileged in namespace ${w.namespace}, which this stack does not manage (run vNodes in their cluster's own namespace)`);
      else if (level !== "privileged") v(`${what(w)} is privileged in namespace ${w.namespace}, labeled ${VK8S.podSecurityEnforce}=${level ?? "(none)"} (vNodes need their own privileged namespace)`);
    }
    return out;
  },
};

/** No pod shares the host's network, PID or IPC namespace. */
export const noHostNamespaces: StackRule = {
  name: "vk8s-no-host-namespaces",
  description: "No pod may use hostNetwork, hostPID or hostIPC.",
  check(resources) {
    return workloads(resources).flatMap((w) => {
      const used = ["hostNetwork", "hostPID", "hostIPC"].filter((k) => w.podSpec[k] === true);
      return used.length === 0 ? [] : [{ policy: this.name, message: `${what(w)} sets ${used.join(", ")} (remove it: pods must not share the host's namespaces)`, urn: w.resource.urn }];
    });
  },
};

const gpuCount = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));

/**
 * Every vNode starts through the GPU isolation: the start script from the boot ConfigMap
 * (which sources gpu-isolation.sh) with `VK8S_EXPECTED_GPUS` equal to its GPU limit; a
 * vNode requesting GPUs has them in limits (= requests), one without GPUs hides them all.
 */
export const vNodeGpuIsolation: StackRule = {
  name: "vk8s-vnode-gpu-isolation",
  description: "vNodes that request GPUs have GPU limits, and every vNode runs the GPU isolation start-up.",
  check(resources) {
    const out: Violation[] = [];
    for (const w of workloads(resources).filter(isVNode)) {
      const v = (message: string) => out.push({ policy: this.name, message: `${what(w)}: ${message}`, urn: w.resource.urn });
      const container = containersOf(w.podSpec).find((c) => c.name === VK8S.vNodeContainer);
      if (!container) {
        v(`has no ${VK8S.vNodeContainer} container`);
        continue;
      }
      const res = obj(container.resources);
      const requested = gpuCount(obj(res.requests)[VK8S.gpuResource]);
      const limited = gpuCount(obj(res.limits)[VK8S.gpuResource]);
      if (requested > 0 && limited === 0) v(`requests ${requested} ${VK8S.gpuResource} without a GPU limit (set limits.${VK8S.gpuResource}: ${requested})`);
      else if (requested > 0 && requested !== limited) v(`requests ${requested} ${VK8S.gpuResource} but limits ${limited} (make them equal)`);
      const env = new Map((Array.isArray(container.env) ? container.env : []).map((e: any) => [e?.name, e?.value]));
      const expected = env.get(VK8S.expectedGpusEnv);
      if (expected !== String(limited)) v(`${VK8S.expectedGpusEnv} is ${expected === undefined ? "not set" : JSON.stringify(expected)}, not "${limited}" (the GPU isolation must expect the vNode's GPU limit)`);
      if (limited === 0 && env.get("NVIDIA_VISIBLE_DEVICES") !== "void") v(`has no GPU but does not set NVIDIA_VISIBLE_DEVICES=void (a privileged container sees every host GPU)`);
      const command = (Array.isArray(container.command) ? container.command : []).join(" ");
      const bootMount = (Array.isArray(container.volumeMounts) ? container.volumeMounts : []).find((m: any) => m?.mountPath === VK8S.bootDir);
      const bootVolume = (Array.isArray(w.podSpec.volumes) ? w.podSpec.volumes : []).find((vol: any) => vol?.name === bootMount?.name);
      const configMap = inNamespace(resources, "kubernetes:core/v1:ConfigMap", w.namespace).find((r) => obj(r.props.metadata).name === obj(bootVolume?.configMap).name);
      const data = obj(configMap?.props.data);
      const startScript = typeof data["start.sh"] === "string" ? data["start.sh"] : "";
      const isolation = typeof data["gpu-isolation.sh"] === "string" ? data["gpu-isolation.sh"] : "";
      if (!command.includes(`${VK8S.bootDir}/start.sh`) || !configMap || !startScript.includes("gpu-isolation.sh") || !isolation.includes(VK8S.expectedGpusEnv)) {
        v(`does not start through the GPU isolation (command ${VK8S.bootDir}/start.sh from the boot ConfigMap, which sources gpu-isolation.sh)`);
      }
    }
    return out;
  },
};

/** Whether a NetworkPolicy denies all ingress and egress of every pod of its namespace. */
function isDefaultDeny(r: StackResource): boolean {
  const spec = obj(r.props.spec);
  const selector = obj(spec.podSelector);
  const everyPod = Object.keys(obj(selector.matchLabels)).length === 0 && (!Array.isArray(selector.matchExpressions) || selector.matchExpressions.length === 0);
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  const none = (rules: unknown) => rules === undefined || rules === null || (Array.isArray(rules) && rules.length === 0);
  return everyPod && types.includes("Ingress") && types.includes("Egress") && none(spec.ingress) && none(spec.egress);
}

/** Every tenant namespace (vNodes' or labeled as a tenant) has a quota on CPU, memory and GPUs, a LimitRange and a default-deny NetworkPolicy. */
export const tenantIsolation: StackRule = {
  name: "vk8s-tenant-isolation",
  description: "Every tenant namespace has a ResourceQuota (cpu, memory, GPUs), a LimitRange and a default-deny NetworkPolicy.",
  check(resources) {
    const out: Violation[] = [];
    for (const [name, ns] of namespaces(resources)) {
      const labels = labelsOf(ns);
      if (labels.app !== VK8S.vNodeApp && labels[VK8S.tenantLabel] === undefined) continue;
      const missing: string[] = [];
      const quotas = inNamespace(resources, "kubernetes:core/v1:ResourceQuota", name);
      const hard = Object.assign({}, ...quotas.map((q) => obj(obj(q.props.spec).hard)));
      if (quotas.length === 0) missing.push("a ResourceQuota");
      else {
        const uncovered = [["cpu", "requests.cpu"], ["memory", "requests.memory"], [`requests.${VK8S.gpuResource}`]].filter((keys) => !keys.some((k) => k in hard)).map((keys) => keys[keys.length - 1]);
        if (uncovered.length > 0) missing.push(`a quota on ${uncovered.join(", ")}`);
      }
      if (inNamespace(resources, "kubernetes:core/v1:LimitRange", name).length === 0) missing.push("a LimitRange");
      if (!inNamespace(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", name).some(isDefaultDeny)) missing.push("a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)");
      if (missing.length > 0) out.push({ policy: this.name, message: `tenant namespace ${name} lacks ${missing.join(", ")} (create it with Vk8sPlatform, or add them)`, urn: ns.urn });
    }
    return out;
  },
};

/** A bcrypt hash: a copy of BCRYPT_HASH_PATTERN (src/core/names.ts; test/facts.test.ts keeps them equal). */
const BCRYPT = new RegExp("[$]2[aby][$][0-9]{2}[$][./A-Za-z0-9]{53}", "g");

/** Every string in a value, depth first. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/** The bootstrap step id of a `command:remote:Command`, from its script's header. */
function stepId(r: StackResource): string | undefined {
  const create = obj(r.props).create;
  return typeof create === "string" ? VK8S.stepHeader.exec(create)?.[1] : undefined;
}

/**
 * No Kubeflow login keeps or uses the upstream default: every Kubeflow install step has
 * its dex login step (which replaces the upstream static user), and no input holds the
 * upstream password or a bcrypt hash of it (dex step stdin, dex config map, anything).
 */
export const noDefaultKubeflowLogin: StackRule = {
  name: "vk8s-no-default-kubeflow-login",
  description: `No Kubeflow login uses the upstream default (${VK8S.upstreamEmail} / ${VK8S.upstreamPassword}).`,
  check(resources) {
    const out: Violation[] = [];
    const steps = resources.map((r) => ({ r, id: stepId(r) })).filter((s): s is { r: StackResource; id: string } => s.id !== undefined);
    for (const { r, id } of steps.filter((s) => /^\d+-kubeflow$/.test(s.id))) {
      const prefix = r.name.slice(0, r.name.length - id.length);
      if (!steps.some((s) => /^\d+-dex-login$/.test(s.id) && s.r.name.startsWith(prefix) && s.r.name.length === prefix.length + s.id.length)) {
        out.push({ policy: this.name, message: `${r.name} installs Kubeflow without a dex login step, so the upstream default login stays (keep the bootstrap's dex-login step)`, urn: r.urn });
      }
    }
    for (const r of resources) {
      const values = strings(r.props);
      if (values.some((s) => s === VK8S.upstreamPassword)) {
        out.push({ policy: this.name, message: `${r.type} ${r.name} holds the upstream default Kubeflow password (choose your own)`, urn: r.urn });
        continue;
      }
      const hashes = new Set(values.flatMap((s) => s.match(BCRYPT) ?? []));
      if ([...hashes].some((h) => bcrypt.compareSync(VK8S.upstreamPassword, h))) {
        out.push({ policy: this.name, message: `${r.type} ${r.name} holds a bcrypt hash of the upstream default Kubeflow password (choose your own)`, urn: r.urn });
      }
    }
    return out;
  },
};

/** No two Services of the stack claim the same NodePort. */
export const uniqueNodePorts: StackRule = {
  name: "vk8s-unique-nodeports",
  description: "No two Services claim the same NodePort.",
  check(resources) {
    const out: Violation[] = [];
    const owner = new Map<number, string>();
    for (const r of resources.filter((x) => x.type === "kubernetes:core/v1:Service")) {
      const meta = obj(r.props.metadata);
      const id = `${meta.namespace ?? "default"}/${meta.name ?? r.name}`;
      for (const p of Array.isArray(obj(r.props.spec).ports) ? obj(r.props.spec).ports : []) {
        const port = obj(p).nodePort;
        if (typeof port !== "number") continue;
        const first = owner.get(port);
        if (first !== undefined && first !== id) out.push({ policy: this.name, message: `Service ${id} claims NodePort ${port}, already Service ${first}'s (give one of them another port)`, urn: r.urn });
        else owner.set(port, id);
      }
    }
    return out;
  },
};

/** The pack's policies, in report order. */
export const RULES: readonly StackRule[] = [privilegedOnlyVNodes, noHostNamespaces, vNodeGpuIsolation, tenantIsolation, noDefaultKubeflowLogin, uniqueNodePorts];

/** Runs every rule (or the given ones) over the stack. */
export function checkStack(resources: readonly StackResource[], rules: readonly StackRule[] = RULES): Violation[] {
  return rules.flatMap((rule) => rule.check(resources));
}
