/**
 * The access (SSH) pod of a virtual cluster: the entry point through which the bootstrap
 * runs and admins reach the vNodes (as a jump host: `ssh -J`), its NodePort Service, and
 * the `authorized_keys` ConfigMap shared with the vNodes.
 *
 * The default image is vk8s's own ghcr.io/vk8s/access (`accessPodImage`, src/cluster/defaults.ts;
 * built from images/access), which follows panubo/sshd's conventions, so the pod uses them: user `vk8s` from `SSH_USERS`, its key at `/etc/authorized_keys/vk8s`,
 * forwarding on with `TCP_FORWARDING=true`. sshd refuses key files under a world-writable
 * directory, which a ConfigMap volume is, so an init container copies the key into a
 * private emptyDir; the pod template carries a hash of the key so a new key rolls the pod.
 * Another access image must honour the same env and path, and listen on `access.port`.
 */
import { createHash } from "node:crypto";
import type { ResolvedCluster } from "../cluster/resolved";
import { accessLabels, accessSelector, clusterObjectLabels } from "./labels";
import { ISTIO_INJECT } from "../core/labels";
import { accessName, sshConfigMapName, sshServiceName } from "../core/naming";
import type { HostRenderOptions, K8sObject } from "./types";
import { VNODE_SSH_DIR } from "./vnode";

/** The login of the access pod (a jump host: no shell needed beyond forwarding). */
export const ACCESS_SSH_USER = "vk8s";
/** Where the init container puts the key for panubo/sshd. */
const ACCESS_KEYS_DIR = "/etc/authorized_keys";
/** Where the ConfigMap is mounted: the same path as in vNodes. */
const ACCESS_SSH_DIR = VNODE_SSH_DIR;

/** Pod-template annotation holding the sha256 of `authorized_keys`: a new key rolls the access pod. */
export const AUTHORIZED_KEYS_HASH_ANNOTATION = "vk8s.io/authorized-keys-sha256";

/** `authorized_keys` content: the given public key line(s), trimmed, one per line, or empty. */
export function authorizedKeys(sshPublicKey: string | undefined): string {
  const keys = (sshPublicKey ?? "").split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return keys.length > 0 ? `${keys.join("\n")}\n` : "";
}

/** The value of `AUTHORIZED_KEYS_HASH_ANNOTATION` for some `authorized_keys` content. */
export function authorizedKeysHash(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * ConfigMap `<name>-ssh` with `authorized_keys`. Without `options.sshPublicKey` the key is
 * present and empty (no placeholder), so mounts resolve and nobody can log in yet.
 */
export function renderSshConfigMap(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: sshConfigMapName(cluster), namespace: cluster.namespace, labels: clusterObjectLabels(cluster) },
    data: { authorized_keys: authorizedKeys(options.sshPublicKey) },
  };
}

/** Deployment `<name>-access`: one replica of `cluster.access.image` listening on `cluster.access.port`. */
export function renderAccessDeployment(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject {
  const labels = accessLabels(cluster);
  const keysHash = authorizedKeysHash(authorizedKeys(options.sshPublicKey));
  const copyKey = `set -eu; chmod 0755 /keys; cp ${ACCESS_SSH_DIR}/authorized_keys /keys/${ACCESS_SSH_USER}; chmod 0644 /keys/${ACCESS_SSH_USER}`;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: accessName(cluster), namespace: cluster.namespace, labels },
    spec: {
      replicas: 1,
      // Immutable: identity labels only (never user labels).
      selector: { matchLabels: accessSelector(cluster) },
      strategy: { type: "Recreate" },
      template: {
        metadata: {
          labels,
          annotations: { [ISTIO_INJECT]: "false", [AUTHORIZED_KEYS_HASH_ANNOTATION]: keysHash },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          initContainers: [{
            name: "authorized-keys",
            image: cluster.access.image,
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", "-c", copyKey],
            volumeMounts: [
              { name: "ssh", mountPath: ACCESS_SSH_DIR, readOnly: true },
              { name: "keys", mountPath: "/keys" },
            ],
          }],
          containers: [{
            name: "sshd",
            image: cluster.access.image,
            imagePullPolicy: "IfNotPresent",
            env: [
              { name: "SSH_USERS", value: `${ACCESS_SSH_USER}:1000:1000` },
              { name: "TCP_FORWARDING", value: "true" },
            ],
            ports: [{ name: "ssh", containerPort: cluster.access.port, protocol: "TCP" }],
            readinessProbe: { tcpSocket: { port: "ssh" }, periodSeconds: 10 },
            volumeMounts: [
              { name: "ssh", mountPath: ACCESS_SSH_DIR, readOnly: true },
              { name: "keys", mountPath: ACCESS_KEYS_DIR },
            ],
          }],
          volumes: [
            { name: "ssh", configMap: { name: sshConfigMapName(cluster), defaultMode: 0o444 } },
            { name: "keys", emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** NodePort Service `<name>-ssh` of the access pod; `nodePort` only when `options.sshNodePort` is given. */
export function renderSshService(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: sshServiceName(cluster), namespace: cluster.namespace, labels: clusterObjectLabels(cluster) },
    spec: {
      type: "NodePort",
      selector: accessSelector(cluster),
      ports: [{
        name: "ssh",
        protocol: "TCP",
        port: cluster.access.port,
        targetPort: cluster.access.port,
        nodePort: options.sshNodePort,
      }],
    },
  };
}
