/**
 * Shared inputs of the platform and policy tests: user A on Kubeflow 1.3, user B on
 * Kubeflow 1.4 with a GPU worker (as examples/platform/users.yaml), and a wait for the
 * mocked monitor to have seen every registered resource's inputs (the dex step's stdin is
 * a bcrypt hash computed in an apply, slower than `record()`'s own wait).
 */
import type { Registered } from "./helpers/pulumiMocks";
import type { PlatformSettings, TenantInput } from "../src/platform/types";

export const SETTINGS: PlatformSettings = {
  hostCidrs: ["10.42.0.0/16", "10.43.0.0/16"],
  defaults: { quota: { cpu: "16", memory: "64Gi", gpus: 0, storage: "100Gi" }, storage: { size: "50Gi" } },
};

export function userA(overrides: Partial<TenantInput> = {}): TenantInput {
  return {
    name: "user-a",
    cluster: {
      nodes: [{ name: "master", role: "master", resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "10", memory: "40Gi" } } }],
      kubernetes: { version: "1.20", podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
      kubeflow: { version: "v1.3.0", email: "user-a@example.com" },
    },
    ...overrides,
  };
}

export function userB(overrides: Partial<TenantInput> = {}): TenantInput {
  return {
    name: "user-b",
    quota: { cpu: "16", memory: "64Gi", gpus: 1, storage: "200Gi" },
    storage: { size: "100Gi" },
    cluster: {
      nodes: [
        { name: "master", role: "master", resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi" } } },
        { name: "gpu-1", role: "worker", resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": 1 } } },
      ],
      kubernetes: { version: "1.20" },
      kubeflow: { version: "v1.4.0", email: "user-b@example.com" },
    },
    ...overrides,
  };
}

/** Waits until every recorded custom resource has reached the mock monitor (bounded). */
export async function settle(resources: Registered[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = () => resources.filter((r) => !r.type.startsWith("vk8s:") && !r.read && Object.keys(r.inputs).length === 0);
  while (pending().length > 0) {
    if (Date.now() > deadline) throw new Error(`inputs never reached the monitor: ${pending().map((r) => r.name).join(", ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The SDK's secret sentinel, as the mock monitor sees a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * A deep copy with secrets unwrapped to their values. (Vk8sCluster derives the namespace
 * name from the password check, so the Namespace's whole `metadata` arrives as a secret.)
 */
export function plain(value: unknown): any {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  if (SECRET_SIG in o) return plain(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
}
