/** Rules for `ports[]` (NodePorts to the master vNode), the access pod and the image repository. */
import { quote } from "../../core/errors";
import { RESERVED_PORT_NAMES } from "../../core/naming";
import type { Problem } from "../../core/errors";
import { dns1123LabelError, imageReferenceError, imageRepositoryError } from "../../core/names";
import { isPort, KUBEFLOW_NODE_PORT, NODE_PORT_RANGE, PORT_RANGE_TEXT } from "../../core/ports";
import type { LooseSpec } from "../shape";

export function checkPorts(cluster: string, spec: LooseSpec): Problem[] {
  const problems: Problem[] = [];
  const byPort = new Map<number, number>();
  const byName = new Map<string, number>();
  (spec.ports ?? []).forEach((entry, i) => {
    if (!entry) return;
    if (entry.name !== undefined) {
      const problem = portNameProblem(cluster, entry.name, i, byName.get(entry.name));
      if (problem) problems.push(problem);
      else byName.set(entry.name, i);
    }
    if (entry.port !== undefined) {
      const first = byPort.get(entry.port);
      if (entry.port < NODE_PORT_RANGE.min || entry.port > NODE_PORT_RANGE.max) {
        problems.push({
          path: `ports[${i}].port`,
          message: `${entry.port} is outside the NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          fix: `choose a port in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
        });
      } else if (first !== undefined) {
        problems.push({ path: `ports[${i}].port`, message: `${entry.port} is already used by ports[${first}]`, fix: "give every entry its own NodePort" });
      } else {
        byPort.set(entry.port, i);
      }
    }
    if (entry.targetPort !== undefined) problems.push(...checkPortNumber(`ports[${i}].targetPort`, entry.targetPort));
  });
  problems.push(...checkKubeflowTargetPort(spec));
  return problems;
}

/**
 * The entry serving Kubeflow (named `kubeflow`, else the first) targets the NodePort that
 * the expose step gives istio-ingressgateway inside the master vNode: it must lie in the
 * inner cluster's NodePort range (the kube-apiserver default, as on the host).
 */
function checkKubeflowTargetPort(spec: LooseSpec): Problem[] {
  const ports = spec.ports ?? [];
  const named = ports.findIndex((p) => p?.name === "kubeflow");
  const i = named >= 0 ? named : 0;
  const entry = ports[i];
  if (!entry || entry.targetPort === undefined) return []; // without targetPort it is the (checked) port
  const { targetPort } = entry;
  if (!isPort(targetPort)) return []; // not a port at all: reported as such (the schema keeps it whole)
  if (targetPort >= NODE_PORT_RANGE.min && targetPort <= NODE_PORT_RANGE.max) return [];
  return [{
    path: `ports[${i}].targetPort`,
    message: `${targetPort} is outside the inner cluster's NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}; ports[${i}] serves Kubeflow, and istio-ingressgateway listens on its targetPort as a NodePort inside the master vNode`,
    fix: `pick a targetPort in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}, e.g. ${KUBEFLOW_NODE_PORT}`,
  }];
}

/** A port name is a DNS label, unique, not a vk8s Service's, and `<cluster>-<name>` fits 63 characters. */
function portNameProblem(cluster: string, name: string, i: number, first: number | undefined): Problem | undefined {
  const path = `ports[${i}].name`;
  const service = `${cluster}-${name}`;
  const nameError = dns1123LabelError(name);
  if (nameError) return { path, message: nameError, fix: "name the port like kubeflow or flower" };
  if ((RESERVED_PORT_NAMES as readonly string[]).includes(name)) {
    return { path, message: `${quote(name)} is taken by a vk8s Service (${service})`, fix: `choose a name other than ${RESERVED_PORT_NAMES.join(", ")}` };
  }
  if (service.length > 63) {
    return { path, message: `Service name ${quote(service)} (<cluster>-<port name>) is ${service.length} characters, over 63`, fix: "shorten the port name or the cluster name" };
  }
  if (first !== undefined) return { path, message: `${quote(name)} is already the name of ports[${first}]`, fix: "give every port a unique name" };
  return undefined;
}

/** `accessPodPort`, `accessPodImage`, `imageRepository`. */
export function checkAccess(spec: LooseSpec): Problem[] {
  const problems: Problem[] = [];
  if (spec.accessPodPort !== undefined) problems.push(...checkPortNumber("accessPodPort", spec.accessPodPort));
  const imageError = spec.accessPodImage === undefined ? undefined : imageReferenceError(spec.accessPodImage);
  if (imageError) {
    problems.push({ path: "accessPodImage", message: imageError, fix: "write it like docker.io/panubo/sshd:1.9.0, or omit it for the default" });
  }
  const repo = spec.imageRepository;
  if (repo !== undefined && imageRepositoryError(repo)) {
    const tagged = imageReferenceError(repo) === undefined;
    problems.push(tagged
      ? { path: "imageRepository", message: `${repo} carries a tag or digest; the tag comes from the Kubernetes version`, fix: `drop the tag: ${repo.split("@")[0].replace(/:[^/]*$/, "")}` }
      : { path: "imageRepository", message: imageRepositoryError(repo) as string, fix: "write it like ghcr.io/vk8s/kink" });
  }
  return problems;
}

function checkPortNumber(path: string, port: number): Problem[] {
  return isPort(port) ? [] : [{ path, message: `${port} is not a port number`, fix: `use ${PORT_RANGE_TEXT}` }];
}
