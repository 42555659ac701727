/**
 * `FederatedLearning`: a Flower server, its storage, a model server and the Kubeflow
 * pipeline, deployed *into a virtual cluster* through a Kubernetes provider built from
 * `Vk8sCluster.kubeconfig`. A thin shell: validation, the objects and the outputs are
 * planned by `planFederatedLearning` (src/plan/federatedLearning.ts); this class registers what it
 * returns and wires the outputs.
 *
 *     const vc = new k8s.Provider("vc", { kubeconfig: cluster.kubeconfig });
 *     const fl = new FederatedLearning("fl", { group: "team-a", project: "cifar" }, { provider: vc });
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { flHostAddress, hostPredictUrl, planFederatedLearning, serverEndpoint } from "../src/plan/federatedLearning";
import type { FederatedLearningSpec, ResolvedFederatedLearning } from "../src/fl/spec";
import { Vk8sValidationError } from "../src/core/errors";
import { registerObjects } from "./registerObjects";

/**
 * Arguments of `FederatedLearning`: the spec of `src/fl/spec.ts` (every field documented
 * there with its default) plus where users reach the virtual cluster.
 */
export interface FederatedLearningArgs extends FederatedLearningSpec {
  /**
   * Address of the host node on which the virtual cluster's NodePorts are reachable.
   * Give the virtual cluster `ports` entries for `server.nodePort` (and, in deployment
   * mode, `serving.nodePort`) with `targetPort` equal to `port`, so that the same numbers
   * reach the master vNode. @default "127.0.0.1"
   */
  hostAddress?: pulumi.Input<string>;
}

export class FederatedLearning extends pulumi.ComponentResource {
  /** `<hostAddress>:<server.nodePort>`: what Flower clients connect to. */
  public readonly serverEndpoint: pulumi.Output<string>;
  /** `{group}/{project}`: round `r` is stored at `{group}/{project}/{r}`. */
  public readonly storagePrefix: pulumi.Output<string>;
  /** The pipeline package (Argo Workflow YAML, KFP v1), as held by ConfigMap `<name>-pipeline`. */
  public readonly pipelineSpec: pulumi.Output<string>;
  /**
   * `http://<hostAddress>:<serving.nodePort>/v1/models/<model>:predict` (deployment
   * mode); in kserve mode the InferenceService's cluster-local URL, reachable from inside
   * the virtual cluster (outside, go through the Kubeflow ingress).
   */
  public readonly predictUrl: pulumi.Output<string>;
  /** Namespace of the objects in the virtual cluster. */
  public readonly namespace: pulumi.Output<string>;
  /** The validated spec, every default applied. */
  public readonly spec: ResolvedFederatedLearning;
  /** The registered objects, by `<kind>/<object name>`. */
  public readonly resources: Readonly<Record<string, pulumi.CustomResource>>;

  constructor(name: string, args: FederatedLearningArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before registering anything: invalid input creates nothing.
    const { hostAddress: host, ...specInput } = args;
    const { spec, objects, outputs } = planFederatedLearning(name, specInput);
    const provider = kubernetesProvider(name, opts);
    super("vk8s:index:FederatedLearning", name, {}, opts);
    this.spec = spec;

    const resources = registerObjects(name, objects, { parent: this, provider });
    this.resources = Object.fromEntries(resources);

    const hostAddress = pulumi.output(host).apply(flHostAddress);
    const nodePortOf = (key: string, planned: number) => {
      const s = resources.get(key) as k8s.core.v1.Service | undefined;
      return s ? s.spec.ports.apply((ports) => ports[0]?.nodePort ?? planned) : pulumi.output(planned);
    };
    const server = outputs.serverService;
    this.serverEndpoint = pulumi.all([hostAddress, nodePortOf(server.key, server.nodePort)]).apply(([h, p]) => serverEndpoint(h, p));
    this.storagePrefix = pulumi.output(outputs.storagePrefix);
    const configMap = resources.get(outputs.pipeline.key) as k8s.core.v1.ConfigMap;
    this.pipelineSpec = configMap.data.apply((d) => d[outputs.pipeline.dataKey]);
    const predict = outputs.predict;
    this.predictUrl = predict.mode === "kserve"
      ? (resources.get(predict.key) as k8s.apiextensions.CustomResource).id.apply(() => predict.url)
      : pulumi.all([hostAddress, nodePortOf(predict.key, predict.nodePort)]).apply(([h, p]) => hostPredictUrl(spec, h, p));
    const namespace = outputs.namespace === undefined ? undefined : resources.get(outputs.namespace);
    this.namespace = namespace ? namespace.id.apply(() => spec.namespace) : pulumi.output(spec.namespace);

    this.registerOutputs({
      serverEndpoint: this.serverEndpoint,
      storagePrefix: this.storagePrefix,
      pipelineSpec: this.pipelineSpec,
      predictUrl: this.predictUrl,
      namespace: this.namespace,
    });
  }
}

/**
 * The Kubernetes provider of the virtual cluster, from `opts.provider` or `opts.providers`.
 * Required: without it the objects would land in whatever cluster the ambient kubeconfig
 * names, usually the host cluster: its absence is refused with `Vk8sValidationError`
 * (subject `federated learning "<name>"`, path `opts.provider`).
 */
function kubernetesProvider(name: string, opts: pulumi.ComponentResourceOptions): pulumi.ProviderResource {
  const candidates = [
    ...(opts.provider ? [opts.provider] : []),
    ...(Array.isArray(opts.providers) ? opts.providers : Object.values(opts.providers ?? {})),
  ];
  const found = candidates.find((p) => k8s.Provider.isInstance(p));
  if (!found) {
    throw new Vk8sValidationError({ kind: "federated learning", name }, [{
      path: "opts.provider",
      message: "no Kubernetes provider for the virtual cluster",
      fix: "pass { provider: new k8s.Provider(\"vc\", { kubeconfig: cluster.kubeconfig }) }",
    }]);
  }
  return found;
}

