/** Rules for `ports[]` (NodePorts to the master vNode), the access pod and the image repository. */
import { RESERVED_PORT_NAMES } from "../../render/names";
import type { Problem } from "../errors";
import { dns1123LabelError } from "../names";
import type { LooseSpec } from "../shape";

/** The host's NodePort range (kube-apiserver default `--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

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
  return problems;
}

/** A port name is a DNS label, unique, not a vk8s Service's, and `<cluster>-<name>` fits 63 characters. */
function portNameProblem(cluster: string, name: string, i: number, first: number | undefined): Problem | undefined {
  const path = `ports[${i}].name`;
  const service = `${cluster}-${name}`;
  const nameError = dns1123LabelError(name);
  if (nameError) return { path, message: nameError, fix: "name the port like kubeflow or flower" };
  if ((RESERVED_PORT_NAMES as readonly string[]).includes(name)) {
    return { path, message: `${JSON.stringify(name)} is taken by a vk8s Service (${service})`, fix: `choose a name other than ${RESERVED_PORT_NAMES.join(", ")}` };
  }
  if (service.length > 63) {
    return { path, message: `Service name ${JSON.stringify(service)} (<cluster>-<port name>) is ${service.length} characters, over 63`, fix: "shorten the port name or the cluster name" };
  }
  if (first !== undefined) return { path, message: `${JSON.stringify(name)} is already the name of ports[${first}]`, fix: "give every port a unique name" };
  return undefined;
}

/** `accessPodPort`, `accessPodImage`, `imageRepository`. */
export function checkAccess(spec: LooseSpec): Problem[] {
  const problems: Problem[] = [];
  if (spec.accessPodPort !== undefined) problems.push(...checkPortNumber("accessPodPort", spec.accessPodPort));
  if (spec.accessPodImage !== undefined && !/^[^\s]+$/.test(spec.accessPodImage)) {
    problems.push({ path: "accessPodImage", message: `${JSON.stringify(spec.accessPodImage)} is not an image reference`, fix: "write it like docker.io/panubo/sshd:1.9.0, or omit it for the default" });
  }
  const repo = spec.imageRepository;
  if (repo !== undefined) {
    const lastSegment = repo.slice(repo.lastIndexOf("/") + 1);
    if (!/^[^\s]+$/.test(repo) || lastSegment === "") {
      problems.push({ path: "imageRepository", message: `${JSON.stringify(repo)} is not an image repository`, fix: "write it like ghcr.io/vk8s/kink" });
    } else if (lastSegment.includes(":") || repo.includes("@")) {
      problems.push({ path: "imageRepository", message: `${repo} carries a tag or digest; the tag comes from the Kubernetes version`, fix: `drop the tag: ${repo.split("@")[0].replace(/:[^/]*$/, "")}` });
    }
  }
  return problems;
}

function checkPortNumber(path: string, port: number): Problem[] {
  return port >= 1 && port <= 65535 ? [] : [{ path, message: `${port} is not a port number`, fix: "use 1-65535" }];
}
