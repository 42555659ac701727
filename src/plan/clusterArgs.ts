/**
 * Rules for what `Vk8sCluster` takes besides the cluster spec: `hostAddress`,
 * `apiServerNodePort`, `ssh`, `bootstrap` and `hostRender`. Together with `validateCluster`
 * they are the one validation the component runs before it registers anything; the
 * renderers and the bootstrap planner only assert what these rules already guarantee.
 * Plain values only (a secret given as a Pulumi Output is skipped here and checked when known).
 */
import { z } from "zod";
import { checkBootstrapOptions } from "../bootstrap/options";
import type { BootstrapOptionsInput } from "../bootstrap/types";
import { checkHostRenderOptions } from "../render/host";
import type { HostRenderOptions } from "../render/types";
import { isIpv4Address } from "../core/cidr";
import { quote, type Problem } from "../core/errors";
import { isDns1123Subdomain } from "../core/names";
import { isPort, PORT_RANGE_TEXT } from "../core/ports";
import type { ResolvedCluster } from "../cluster/resolved";
import { checkLabels } from "../cluster/rules/labels";
import { checkText } from "../cluster/rules/text";

/** What `Vk8sCluster` takes besides the spec, as plain data (see components/vk8sCluster.ts for the docs). */
export interface ClusterArgsInput {
  hostAddress?: unknown;
  apiServerNodePort?: unknown;
  ssh?: {
    user?: unknown;
    privateKey?: unknown;
    publicKey?: unknown;
    hostKey?: unknown;
    nodePort?: unknown;
    nodeEndpoints?: unknown;
    perDialTimeout?: unknown;
    dialErrorLimit?: unknown;
  };
  bootstrap?: BootstrapOptionsInput | false;
  hostRender?: Partial<HostRenderOptions>;
}

/** Bounds of the SSH dial settings: a dial may take up to 10 minutes, and up to 1000 dials. */
export const SSH_BOUNDS = { perDialTimeout: { min: 1, max: 600 }, dialErrorLimit: { min: 1, max: 1000 } } as const;

/** POSIX portable user names as useradd takes them (shadow-utils' default rule). */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** One OpenSSH public key line: type, base64 body, optional comment. */
const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;

/** An IPv4 address or a lower-case DNS name (what kubeadm takes as a certificate SAN and URLs name). */
export function hostAddressError(value: string): string | undefined {
  if (isIpv4Address(value) || isDns1123Subdomain(value)) return undefined;
  return `${quote(value)} is not an IPv4 address or DNS name`;
}

/** The shape of `hostRender` (`HostRenderOptions` less the key): strict, so a misspelt option is an error. */
const hostRenderSchema = z.object({
  sshNodePort: z.number().optional(),
  apiServerNodePort: z.number().optional(),
  nodeStorage: z.union([z.literal("emptyDir"), z.object({ size: z.string().optional(), storageClassName: z.string().optional() }).strict()]).optional(),
  hostCgroupMount: z.boolean().optional(),
  vNodeUpdateStrategy: z.enum(["OnDelete", "RollingUpdate"]).optional(),
  namespaceLabels: z.record(z.string(), z.string()).optional(),
  userStorage: z.object({ claimName: z.string(), mountPath: z.string().optional() }).strict().optional(),
  extraObjects: z.array(z.object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().optional() }).passthrough(),
  }).passthrough()).optional(),
}).strict();

/** Every problem of the component arguments besides the spec, paths as the user writes them. */
export function checkClusterArgs(cluster: ResolvedCluster, args: ClusterArgsInput): Problem[] {
  const { ssh, ...plain } = args;
  const sshMap = ssh !== null && typeof ssh === "object" && !Array.isArray(ssh);
  const { privateKey: _secret, hostKey: _pin, ...sshPlain } = sshMap ? ssh : {};
  const problems: Problem[] = [...checkText({ ...plain, ssh: sshPlain })];
  if (ssh !== undefined && !sshMap) problems.push({ path: "ssh", message: "is not a map", fix: "give ssh settings as { user, privateKey, publicKey, ... }, or omit it" });
  const shape = hostRenderSchema.safeParse(args.hostRender ?? {});
  if (!shape.success) {
    // The render options are read below only when well-formed.
    return [...problems, ...shape.error.issues.map((i) => ({
      path: ["hostRender", ...i.path.map(String)].join("."),
      message: i.code === "unrecognized_keys" ? `unknown option ${i.keys.join(", ")}` : i.message,
      fix: "see HostRenderOptions in src/render/types.ts",
    }))];
  }
  if (args.bootstrap !== undefined && args.bootstrap !== false && (args.bootstrap === null || typeof args.bootstrap !== "object" || Array.isArray(args.bootstrap))) {
    return [...problems, { path: "bootstrap", message: "is not a map of bootstrap options", fix: "give { ... } or false, or omit it" }];
  }
  if (args.hostAddress !== undefined) {
    const error = typeof args.hostAddress === "string" ? hostAddressError(args.hostAddress) : "is not a string";
    if (error) problems.push({ path: "hostAddress", message: error, fix: "give a host node's address, e.g. 10.1.2.3 or node-1.example.com" });
  }
  problems.push(...checkSsh(cluster, sshMap ? ssh : undefined));
  const renderOptions: HostRenderOptions = {
    ...args.hostRender,
    sshNodePort: (ssh?.nodePort ?? args.hostRender?.sshNodePort) as number | undefined,
    apiServerNodePort: (args.apiServerNodePort ?? args.hostRender?.apiServerNodePort) as number | undefined,
  };
  problems.push(...checkHostRenderOptions(cluster, renderOptions).map((p) => ({ ...p, path: renderPath(p.path, args) })));
  problems.push(...checkLabels(["hostRender", "namespaceLabels"], args.hostRender?.namespaceLabels, false));
  if (args.bootstrap !== false) {
    // The bootstrap options' problems (`options.apply.attempts`) as `bootstrap.apply.attempts`.
    problems.push(...checkBootstrapOptions(args.bootstrap ?? {}).problems.map((p) => ({ ...p, path: p.path.replace(/^options(?=\.|\[|$)/, "bootstrap") })));
  }
  return problems;
}

/** `options.sshNodePort` -> `ssh.nodePort` (or `hostRender.sshNodePort`), and so on. */
function renderPath(path: string, args: ClusterArgsInput): string {
  if (path === "options.sshNodePort") return args.ssh?.nodePort !== undefined ? "ssh.nodePort" : "hostRender.sshNodePort";
  if (path === "options.apiServerNodePort") return args.apiServerNodePort !== undefined ? "apiServerNodePort" : "hostRender.apiServerNodePort";
  return path.replace(/^options\./, "hostRender.");
}

function checkSsh(cluster: ResolvedCluster, ssh: ClusterArgsInput["ssh"]): Problem[] {
  if (ssh === undefined) return [];
  const problems: Problem[] = [];
  if (ssh.user !== undefined && (typeof ssh.user !== "string" || !USER_NAME.test(ssh.user))) {
    problems.push({ path: "ssh.user", message: `${quote(ssh.user)} is not a user name`, fix: "use lower-case letters, digits, _ and -, starting with a letter or _, e.g. root" });
  }
  if (ssh.privateKey !== undefined && !ssh.publicKey) {
    problems.push({ path: "ssh.publicKey", message: "is required with ssh.privateKey", fix: "give the public half for authorized_keys" });
  }
  if (ssh.publicKey !== undefined && (typeof ssh.publicKey !== "string" || !PUBLIC_KEY.test(ssh.publicKey.trim()))) {
    problems.push({ path: "ssh.publicKey", message: "is not one OpenSSH public key line", fix: "give the contents of the .pub file, e.g. ssh-ed25519 AAAA... comment" });
  }
  for (const key of ["perDialTimeout", "dialErrorLimit"] as const) {
    const value = ssh[key];
    const { min, max } = SSH_BOUNDS[key];
    if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)) {
      problems.push({ path: `ssh.${key}`, message: `${quote(value)} is not a whole number in ${min}-${max}`, fix: `use ${min}-${max}, or omit it for the default` });
    }
  }
  const endpoints = ssh.nodeEndpoints;
  if (endpoints !== undefined) {
    if (endpoints === null || typeof endpoints !== "object" || Array.isArray(endpoints)) {
      problems.push({ path: "ssh.nodeEndpoints", message: "is not a map of node name to { host, port }", fix: "write it like { master: { host: 10.0.0.5, port: 22 } }" });
      return problems;
    }
    const names = new Set(cluster.nodes.map((n) => n.name));
    for (const [name, endpoint] of Object.entries(endpoints as Record<string, unknown>)) {
      const path = `ssh.nodeEndpoints[${quote(name)}]`;
      if (!names.has(name)) {
        problems.push({ path, message: `${quote(name)} is not a node of the cluster`, fix: `use one of ${[...names].join(", ")}` });
        continue;
      }
      const { host, port } = (endpoint ?? {}) as { host?: unknown; port?: unknown };
      const hostError = typeof host === "string" ? hostAddressError(host) : "is missing or not a string";
      if (hostError) problems.push({ path: `${path}.host`, message: hostError, fix: "give the vNode's SSH address, e.g. 10.0.0.5" });
      if (!isPort(port)) {
        problems.push({ path: `${path}.port`, message: `${quote(port)} is not a port number`, fix: `use ${PORT_RANGE_TEXT}` });
      }
    }
  }
  return problems;
}
