/**
 * The real tier's shared set-up: the local environment's host plane (host.sh), a real host
 * node (hostnode.sh: containerd + runc, kubelet, kube-proxy, CoreDNS), the site mirror with the
 * Kubeflow fixture (mirror.sh) and the air-gapped bootstrap options (bootstrap-options.sh); a
 * quickstart stack (examples/quickstart) of real vNodes on it; and what the tests read back
 * (inner nodes, vNode pods, the host node's containers). Used by realvnodes.real.test.ts and
 * fl.real.test.ts.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { kubectlJson, REPO, startEnv, Stack, stopEnv, type Env } from "../e2e/harness";

export const LOCALENV = path.join(REPO, "test/localenv");
/** Namespace of the quickstart cluster's objects in the host cluster. */
export const NS = "vk8s-quickstart";

export function sh(args: string[], timeoutMs = 900_000): string {
  return execFileSync("bash", args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

export interface RealEnv {
  env: Env;
  /** Bootstrap options of an air-gapped site (bootstrap-options.sh), as JSON config. */
  bootstrap: Record<string, unknown>;
  /** The host node's site mirror: served at `mirrorUrl` (to the vNodes) from `mirrorDir`. */
  mirrorUrl: string;
  mirrorDir: string;
  /** Seconds `hostnode.sh up` took. */
  hostNodeUpSeconds: number;
}

/** The state folder of a host node that runs on this machine now (hostnode.sh's lock), if any. */
export function runningHostNode(): string | undefined {
  const owner = fs.existsSync("/run/vk8s-hostnode.owner") ? fs.readFileSync("/run/vk8s-hostnode.owner", "utf8").trim() : "";
  const pidFile = path.join(owner, "hostnode/containerd.pid");
  if (!owner || !fs.existsSync(pidFile)) return undefined;
  try {
    process.kill(Number(fs.readFileSync(pidFile, "utf8").trim()), 0);
    return owner;
  } catch {
    return undefined;
  }
}

/**
 * Host plane, host node, mirror (Kubeflow fixture of `shape`) and the bootstrap options.
 * Throws at once when another host node runs on this machine (one per machine), and stops
 * what it started when a step fails.
 */
export function startRealEnv(shape: "v1.8-shape" | "v1.9-shape" = "v1.9-shape"): RealEnv {
  const other = runningHostNode();
  if (other) throw new Error(`another host node runs on this machine (state ${other}): wait until it is stopped (hostnode.sh down ${other}), then run the real tier again`);
  const env = startEnv();
  try {
    const t = Date.now();
    sh([path.join(LOCALENV, "hostnode.sh"), "up", env.state]);
    const hostNodeUpSeconds = (Date.now() - t) / 1000;
    sh([path.join(LOCALENV, "mirror.sh"), env.state, shape]);
    const bootstrap = JSON.parse(sh([path.join(LOCALENV, "bootstrap-options.sh"), env.state, shape]));
    const vars = Object.fromEntries(fs.readFileSync(path.join(env.state, "hostnode/env"), "utf8").trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2)));
    return { env, bootstrap, mirrorUrl: vars.MIRROR_URL, mirrorDir: vars.MIRROR_DIR, hostNodeUpSeconds };
  } catch (e) {
    stopEnv(env);
    throw e;
  }
}

/** A stack of examples/quickstart (the repository's Pulumi.yaml), its config and password set. */
export function quickstartStack(env: Env, name: string, config: Record<string, unknown>, password: string): Stack {
  const stack = new Stack(env, name);
  stack.init(config, { kubeflowPassword: password });
  return stack;
}

export interface InnerNode { name: string; ready: string; runtime: string; kubelet: string; images: string[] }

/** Ready condition of each node of the inner cluster, its runtime and kubelet versions and image names. */
export function innerNodes(kubeconfig: string): InnerNode[] {
  return kubectlJson(kubeconfig, ["get", "nodes"]).items.map((n: any) => ({
    name: n.metadata.name,
    ready: n.status.conditions.find((c: any) => c.type === "Ready")?.status,
    runtime: n.status.nodeInfo.containerRuntimeVersion,
    kubelet: n.status.nodeInfo.kubeletVersion,
    images: (n.status.images ?? []).flatMap((i: any) => i.names ?? []),
  }));
}

/**
 * The inner nodes once all are Ready, or as they are after `seconds`. A joined worker turns
 * Ready once flannel runs on it; the bootstrap waits for the master only.
 */
export function waitInnerNodesReady(kubeconfig: string, seconds = 120): InnerNode[] {
  let nodes = innerNodes(kubeconfig);
  for (let i = 0; i < seconds && !nodes.every((n) => n.ready === "True"); i++) {
    execFileSync("sleep", ["1"]);
    nodes = innerNodes(kubeconfig);
  }
  return nodes;
}

export function vNodePods(env: Env): { name: string; uid: string; phase: string; ip: string }[] {
  return kubectlJson(env.hostKubeconfig, ["get", "pods", "-n", NS, "-l", "vnode"]).items.map((p: any) => ({
    name: p.metadata.name, uid: p.metadata.uid, phase: p.status.phase, ip: p.status.podIP,
  }));
}

/** crictl against the host node's containerd. */
export function crictl(env: Env, args: string[]): string {
  return execFileSync("crictl", ["--runtime-endpoint", `unix://${env.state}/hostnode/containerd.sock`, ...args], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The root file system of a vNode pod's running container, as this machine sees it
 * (`/proc/<pid>/root`): what an inner hostPath volume writes lands there.
 */
export function vNodeRoot(env: Env, pod: string): string {
  const id = crictl(env, ["ps", "-q", "--state", "Running", "--label", `io.kubernetes.pod.name=${pod}`, "--label", `io.kubernetes.pod.namespace=${NS}`]).trim().split("\n")[0];
  if (!id) throw new Error(`no running container of vNode pod ${NS}/${pod} on the host node`);
  const pid = JSON.parse(crictl(env, ["inspect", id])).info.pid;
  return `/proc/${pid}/root`;
}

/** Containers of the namespace still on the host node after `seconds` (empty when all went). */
export function waitNoContainers(env: Env, namespace = NS, seconds = 120): string {
  let left = "";
  for (let i = 0; i < seconds; i++) {
    left = crictl(env, ["ps", "-a", "--label", `io.kubernetes.pod.namespace=${namespace}`, "-q"]).trim();
    if (!left) break;
    execFileSync("sleep", ["1"]);
  }
  return left;
}

/** Mounts left under the host kubelet's pod folders or the host node's local volumes (vNode node state). */
export function podMountsLeft(env: Env): string[] {
  return fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .filter((l) => l.includes(`${env.state}/hostnode/kubelet/root/pods/`) || l.includes(`${env.state}/hostnode/volumes/`));
}
