/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource it
 * registers: type, name, inputs (as the mock monitor saw them), parent, provider and
 * dependsOn (read through a transformation given to the component under test: the SDK
 * applies it to the component and all its children before they reach the monitor).
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
  parent?: pulumi.Resource;
  dependsOn: pulumi.Resource[];
  additionalSecretOutputs: string[];
  resource?: pulumi.Resource;
  /** A read of an existing object (`Resource.get`): it has an id and no inputs. */
  read?: boolean;
}

let current: Registered[] | undefined;
let byName = new Map<string, Registered>();

/** What the mock monitor received, in arrival order, whatever the parent. Tests may clear it. */
export const monitorLog: { type: string; name: string; inputs: any; provider?: string }[] = [];

pulumi.runtime.setMocks({
  newResource(args) {
    monitorLog.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
    const rec = byName.get(args.name);
    if (rec) {
      rec.inputs = args.inputs;
      rec.provider = args.provider;
      rec.read = args.id !== undefined && args.id !== "";
    }
    if (args.id) return { id: args.id, state: readState(args.type, args.id) };
    return { id: `${args.name}-id`, state: mockState(args.type, args.inputs) };
  },
  call: (args) => args.inputs,
}, "vk8s", "test", false);

/** uids of live objects by name, for reads (`Resource.get`); tests set one to stand for a re-created object. */
export const liveUids = new Map<string, string>();

/** What a read (`Resource.get`) of a live object finds: a Running, Ready pod; a bound claim. The uid is `liveUids`' or derived from the name. */
function readState(type: string, id: string): any {
  const [namespace, name] = id.split("/");
  const metadata = { name, namespace, uid: liveUids.get(name) ?? `uid-of-${name}` };
  if (type === "kubernetes:core/v1:Pod") {
    return { metadata, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ restartCount: 0 }] } };
  }
  return { metadata, status: { phase: "Bound" } };
}

/** Outputs that the real providers would compute. */
function mockState(type: string, inputs: any): any {
  if (type === "kubernetes:core/v1:Service") {
    const ports = (inputs.spec?.ports ?? []).map((p: any, i: number) => ({ ...p, nodePort: p.nodePort ?? 31000 + i }));
    return { ...inputs, spec: { ...inputs.spec, ports } };
  }
  if (type === "command:remote:Command") {
    const id = String(inputs.create ?? "").match(/^# vk8s bootstrap step (\S+):/m)?.[1] ?? "";
    return { ...inputs, stdout: id.endsWith("kubeconfig") ? "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.5:6443\n" : `VK8S_PHASE Running 2026-01-01T00:00:00Z\n`, stderr: "" };
  }
  if (type === "pulumi-nodejs:dynamic/vk8s:DexPasswordSalt") return { ...inputs, salt: "$2a$10$MockMockMockMockMockMe" };
  if (type === "pulumi-nodejs:dynamic/vk8s:SshKeyPair") {
    return { ...inputs, publicKeyOpenssh: "ssh-ed25519 AAAAmock vk8s", privateKeyPem: "-----BEGIN PRIVATE KEY-----\nmock\n-----END PRIVATE KEY-----\n" };
  }
  return inputs;
}

/** Records every resource the program registers under the component it is given to. */
const recorder: pulumi.ResourceTransformation = (args) => {
  if (current) {
    const rec: Registered = {
      type: args.type,
      name: args.name,
      inputs: {},
      parent: args.opts.parent,
      dependsOn: ([] as pulumi.Resource[]).concat((args.opts.dependsOn as any) ?? []),
      additionalSecretOutputs: (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [],
      resource: args.resource,
    };
    current.push(rec);
    byName.set(args.name, rec);
  }
  return undefined;
};

/**
 * Runs `program`, passing it the resource options that record a component's tree, waits
 * for registrations to settle, and returns what was registered. `monitored` lists the
 * names the mock monitor received (whatever their parent).
 */
export async function record<T>(
  program: (opts: pulumi.ComponentResourceOptions) => T,
): Promise<{ result: T; resources: Registered[]; monitored: string[] }> {
  current = [];
  byName = new Map();
  const resources = current;
  const start = monitorLog.length;
  const result = program({ transformations: [recorder] });
  // Let every registration (and its inputs) reach the mock monitor.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 50));
  current = undefined;
  return { result, resources, monitored: monitorLog.slice(start).map((r) => r.name) };
}

/** The value of an Output (mocks resolve them). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as any).promise() as Promise<T>;
}

/** Whether an Output is secret. */
export function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as any).isSecret as Promise<boolean>;
}
