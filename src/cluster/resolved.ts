/**
 * A validated, defaulted virtual cluster: what renderers, bootstrap scripts and
 * components consume. Produced only by `resolveCluster()` in `validate.ts`.
 */
import type { MatrixDecision } from "../matrix/types";
import type { TolerationInput } from "./schema";

export type Role = "master" | "worker";

export interface ResolvedNode {
  /** The user's node name, unique in the cluster. */
  name: string;
  role: Role;
  /** Position in `nodes[]` (master is not necessarily 0). */
  index: number;
  /** vNode StatefulSet name: `<cluster>-<name>`; the pod is `<statefulSetName>-0`. */
  statefulSetName: string;
  podName: string;
  /** Stable in-cluster DNS name of the pod via the headless service. */
  hostname: string;
  image: string;
  /** Normalised quantities as strings, keys sorted. GPUs included as `nvidia.com/gpu`. */
  requests: Record<string, string>;
  limits: Record<string, string>;
  /** Whole GPUs given to this vNode (0 when none). */
  gpus: number;
  tolerations: TolerationInput[];
  nodeSelector: Record<string, string>;
  labels: Record<string, string>;
}

export interface ResolvedPort {
  name: string;
  /** Host NodePort. */
  port: number;
  /** Port on the master vNode. */
  targetPort: number;
}

export interface ResolvedCluster {
  /** Cluster name (DNS-1123 label). */
  name: string;
  /** Host namespace holding the cluster: `vk8s-<name>`. */
  namespace: string;
  /** User labels of the cluster (also put on every StatefulSet). */
  labels: Record<string, string>;
  /** User annotations of the cluster, keys sorted (put on every vNode StatefulSet). */
  annotations: Record<string, string>;
  matrix: MatrixDecision;
  network: { podNetworkCidr: string; serviceCidr: string };
  kubeflow: {
    /**
     * The release installed: the matrix's resolved ref of the user's Kubeflow line, e.g.
     * `v1.4.1` for `1.4`, `v1.4.0` and `v1.4.1` alike (so respelling changes nothing).
     */
    version: string;
    email: string;
    // No password: the resolved cluster is public (a component field, rendered files); the
    // password stays in the component's input, which only hashes it (src/bootstrap/password.ts).
    /**
     * The components installed (`expandComponents`: the chosen apps, what they need and the
     * platform ones), sorted; `undefined` = the line's full example.
     */
    components?: string[];
    /** What a change to another Kubeflow line does (`kubeflow.versionChange`); `resolveCluster` always sets it. @default "refuse" */
    versionChange?: "refuse" | "reinstall";
  };
  /** Nodes in input order. */
  nodes: ResolvedNode[];
  master: ResolvedNode;
  access: { image: string; port: number };
  ports: ResolvedPort[];
  /** The port entry that serves Kubeflow (name `kubeflow`, else the first), if any. */
  kubeflowPort?: ResolvedPort;
  imageRepository: string;
}
