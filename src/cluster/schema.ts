/**
 * The input of one virtual cluster, declared once with zod. It mirrors the `spec` of the
 * original `kind: Vk8s` custom resource (reference, section 3) plus a few additions
 * (cluster labels, the Kubernetes version, the host's CIDRs for overlap checks).
 *
 * This schema checks *shape* only (types, required fields). The domain rules (one master,
 * quantities, CIDRs, ports, matrix) live in `validate.ts`, so that every problem can be
 * reported at once in the `<path>: <problem> (<fix>)` form.
 */
import { z } from "zod";

const stringMap = z.record(z.string(), z.string());

/** A Kubernetes quantity as written by users: `"1"`, `16Gi`, `500m`, or a bare number. */
const quantity = z.union([z.string(), z.number()]);

export const tolerationSchema = z.object({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
}).strict();

export const resourcesSchema = z.object({
  /** What the vNode pod requests from the host. */
  requests: z.record(z.string(), quantity).optional(),
  /** Upper bounds; `nvidia.com/gpu` here (or in requests) gives the vNode GPUs. */
  limits: z.record(z.string(), quantity).optional(),
}).strict();

export const nodeSchema = z.object({
  /** Node name, unique in the cluster; also names the vNode StatefulSet (`<cluster>-<name>`). */
  name: z.string(),
  /** Full kink image reference. @default `<imageRepository>:v<kubernetes minor>` */
  image: z.string().optional(),
  /** `master` runs the control plane; `worker` joins it. */
  role: z.enum(["master", "worker"]),
  resources: resourcesSchema.optional(),
  tolerations: z.array(tolerationSchema).optional(),
  nodeSelector: stringMap.optional(),
  /** Extra labels on this vNode's StatefulSet and pod. */
  labels: stringMap.optional(),
}).strict();

export const portSchema = z.object({
  name: z.string(),
  /** The host NodePort (30000-32767). */
  port: z.number().int(),
  /** The port on the master vNode. @default same as `port` */
  targetPort: z.number().int().optional(),
}).strict();

export const clusterSpecSchema = z.object({
  /** SSH access pod image. @default see `defaults.ts` */
  accessPodImage: z.string().optional(),
  /** SSH port the access pod listens on. @default 22 */
  accessPodPort: z.number().int().optional(),
  /** Repository of the kink vNode images; the tag comes from the Kubernetes version. */
  imageRepository: z.string().optional(),
  nodes: z.array(nodeSchema).optional(),
  kubernetes: z.object({
    /** `1.20` or `v1.20` (minor) or `1.20.15`. @default picked from the matrix for the Kubeflow version */
    version: z.string().optional(),
    /** @default `10.244.0.0/16` */
    podNetworkCidr: z.string().optional(),
    /** @default `10.96.0.0/12` */
    serviceCidr: z.string().optional(),
  }).strict().optional(),
  kubeflow: z.object({
    /** `v1.3.0`, `1.4`, `v1.10.0` ... */
    version: z.string(),
    email: z.string(),
    password: z.string(),
    /**
     * The apps to install, from the manifests' own folders (`vk8s matrix` lists each
     * line's; e.g. `[pipelines]` or `[notebooks, katib]`); cert-manager, istio, dex, the
     * auth proxy, Profiles and the Central Dashboard are always added, and what an app needs
     * (KServe: knative) is added with it. @default the full example of the line
     */
    components: z.array(z.string()).optional(),
    /**
     * What a change of `version` to another Kubeflow line does on a cluster where a line is
     * installed (upstream does not upgrade across lines in place): `refuse` stops the
     * Kubeflow step with a message; `reinstall` deletes the installed release's objects
     * first. A new patch of the same line is always applied in place. @default "refuse"
     */
    versionChange: z.enum(["refuse", "reinstall"]).optional(),
  }).strict(),
  ports: z.array(portSchema).optional(),
  /** Labels of the cluster; they also go on every vNode StatefulSet. */
  labels: stringMap.optional(),
  /**
   * Annotations of the cluster, put on every vNode StatefulSet (a migrated `kind: Vk8s`
   * document's `metadata.annotations` land here). Keys as label keys; 256 KiB in total.
   * @default none
   */
  annotations: stringMap.optional(),
  /** The host cluster's own pod/service CIDRs: the virtual cluster's must not overlap them. */
  hostCidrs: z.array(z.string()).optional(),
}).strict();

export type TolerationInput = z.infer<typeof tolerationSchema>;
export type NodeInput = z.infer<typeof nodeSchema>;
export type PortInput = z.infer<typeof portSchema>;
/** The input of one virtual cluster (plain values). */
export type ClusterSpecInput = z.infer<typeof clusterSpecSchema>;
