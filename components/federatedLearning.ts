/**
 * `FederatedLearning`: a Flower server, its storage, a model server and the Kubeflow
 * pipeline, deployed *into a virtual cluster* through a Kubernetes provider built from
 * `Vk8sCluster.kubeconfig`. A thin shell: validation and the objects are pure functions
 * in `src/fl/`; this class only registers what they return.
 *
 *     const vc = new k8s.Provider("vc", { kubeconfig: cluster.kubeconfig });
 *     const fl = new FederatedLearning("fl", { group: "team-a", project: "cifar" }, { provider: vc });
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { renderResolved } from "../src/fl/render";
import { createK8sResource, objectResourceName } from "./k8sResources";
import { flNames, inClusterPredictUrl } from "../src/fl/names";
import { projectPrefix } from "../src/fl/storage";
import { resolveFederatedLearning } from "../src/fl/validate";
import type { FederatedLearningSpec, ResolvedFederatedLearning } from "../src/fl/spec";

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
    const spec = resolveFederatedLearning({ ...specInput, name: specInput.name ?? name });
    const provider = kubernetesProvider(opts);
    super("vk8s:index:FederatedLearning", name, {}, opts);
    this.spec = spec;

    const resources: Record<string, pulumi.CustomResource> = {};
    let namespace: pulumi.CustomResource | undefined;
    for (const obj of renderResolved(spec)) {
      const res = createK8sResource(objectResourceName(name, obj), obj, {
        parent: this,
        provider,
        dependsOn: namespace ? [namespace] : [],
      });
      if (obj.kind === "Namespace") namespace = res;
      resources[`${obj.kind}/${obj.metadata.name}`] = res;
    }
    this.resources = resources;

    const names = flNames(spec);
    const hostAddress = pulumi.output(host ?? "127.0.0.1");
    const service = (svc: string) => resources[`Service/${svc}`] as k8s.core.v1.Service | undefined;
    const nodePortOf = (svc: string, fallback: number) => {
      const s = service(svc);
      return s ? s.spec.ports.apply((ports) => ports[0]?.nodePort ?? fallback) : pulumi.output(fallback);
    };
    this.serverEndpoint = pulumi.interpolate`${hostAddress}:${nodePortOf(names.flowerServer, spec.server.nodePort)}`;
    this.storagePrefix = pulumi.output(projectPrefix(spec.group, spec.project));
    const configMap = resources[`ConfigMap/${names.pipeline}`] as k8s.core.v1.ConfigMap;
    this.pipelineSpec = configMap.data.apply((d) => d["pipeline.yaml"]);
    this.predictUrl = spec.serving.mode === "kserve"
      ? (resources[`InferenceService/${names.modelServer}`] as k8s.apiextensions.CustomResource).id.apply(() => inClusterPredictUrl(spec))
      : pulumi.interpolate`http://${hostAddress}:${nodePortOf(names.modelServer, spec.serving.nodePort)}/v1/models/${spec.model.name}:predict`;
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
 * names, usually the host cluster.
 */
function kubernetesProvider(opts: pulumi.ComponentResourceOptions): pulumi.ProviderResource {
  const candidates = [
    ...(opts.provider ? [opts.provider] : []),
    ...(Array.isArray(opts.providers) ? opts.providers : Object.values(opts.providers ?? {})),
  ];
  const found = candidates.find((p) => k8s.Provider.isInstance(p));
  if (!found) {
    throw new Error(
      "vk8s: opts.provider: no Kubernetes provider for the virtual cluster (pass " +
        "{ provider: new k8s.Provider(\"vc\", { kubeconfig: cluster.kubeconfig }) })",
    );
  }
  return found;
}

