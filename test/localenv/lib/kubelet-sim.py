#!/usr/bin/env python3
"""Scheduler + kubelet stand-in of a virtual cluster's inner control plane (local env only).

No container runs in the local environment. So that the bootstrap steps' readiness waits
(`kubectl rollout status`, `kubectl wait --for=condition=Available`) mean something, this
loop plays the parts a scheduler and the kubelets would, against the inner API (the real
kube-controller-manager turns Deployments and DaemonSets into Pods):

  * binds each unscheduled Pod to a Node: the DaemonSet's `matchFields metadata.name`, else
    a Node matching `nodeSelector` whose NoSchedule/NoExecute taints the Pod tolerates
    (fewest Pods first); a Pod that fits no Node stays Pending, as it would;
  * reports each bound Pod Running and Ready (containers "started", nothing executed);
  * completes graceful deletions (what a kubelet confirms);
  * advertises `nvidia.com/gpu` = the vNode's GPU count (Node annotation
    `vk8s.localenv/gpus`) on a Node once a Pod of the NVIDIA device plugin (name
    `nvidia-device-plugin-*`) runs there, as the plugin would register them.

Usage: kubelet-sim.py SERVER CA_FILE CERT_FILE KEY_FILE [INTERVAL_SECONDS]
Standard library only; logs one line per action on stdout.
"""
import http.client
import json
import ssl
import sys
import time
import urllib.parse
from datetime import datetime, timezone

GPU_ANNOTATION = "vk8s.localenv/gpus"
DEVICE_PLUGIN_PREFIX = "nvidia-device-plugin"


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Api:
    def __init__(self, server, ca, cert, key):
        url = urllib.parse.urlparse(server)
        self.host, self.port = url.hostname, url.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(cert, key)
        self.conn = None

    def call(self, method, path, body=None, content_type="application/json"):
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=20)
                data = json.dumps(body).encode() if body is not None else None
                headers = {"Content-Type": content_type, "Accept": "application/json"}
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.status >= 400:
                    raise RuntimeError(f"{method} {path}: HTTP {resp.status}: {raw[:300]!r}")
                return json.loads(raw) if raw else {}
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise


def tolerates(pod, taint):
    if taint.get("effect") not in ("NoSchedule", "NoExecute"):
        return True
    for t in pod["spec"].get("tolerations") or []:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and not t.get("key"):
            return True
        if t.get("key") != taint.get("key"):
            continue
        if t.get("operator") == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def daemon_node(pod):
    """The node a DaemonSet pod is pinned to (required matchFields metadata.name)."""
    affinity = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("operator") == "In" and field.get("values"):
                return field["values"][0]
    return None


def pick_node(pod, nodes, load):
    pinned = daemon_node(pod)
    selector = pod["spec"].get("nodeSelector") or {}
    fits = []
    for node in nodes:
        name = node["metadata"]["name"]
        if pinned and name != pinned:
            continue
        labels = node["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        if not all(tolerates(pod, t) for t in node["spec"].get("taints") or []):
            continue
        fits.append(name)
    return min(fits, key=lambda n: (load.get(n, 0), n)) if fits else None


def running_status(pod):
    t = now()
    cond = lambda kind: {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": t}

    def statuses(containers, init):
        out = []
        for c in containers or []:
            state = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": t, "finishedAt": t}} if init \
                else {"running": {"startedAt": t}}
            out.append({"name": c["name"], "image": c.get("image", ""), "imageID": "",
                        "containerID": f"simulated://{pod['metadata']['uid']}/{c['name']}",
                        "ready": not init, "started": not init, "restartCount": 0, "state": state})
        return out

    status = {"phase": "Running", "hostIP": "127.0.0.1", "startTime": t,
              "conditions": [cond("PodScheduled"), cond("Initialized"), cond("ContainersReady"), cond("Ready")],
              "containerStatuses": statuses(pod["spec"].get("containers"), False)}
    if pod["spec"].get("initContainers"):
        status["initContainerStatuses"] = statuses(pod["spec"]["initContainers"], True)
    return {"status": status}


def is_ready(pod):
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def tick(api):
    nodes = api.call("GET", "/api/v1/nodes")["items"]
    pods = api.call("GET", "/api/v1/pods")["items"]
    load = {}
    for pod in pods:
        if pod["spec"].get("nodeName"):
            load[pod["spec"]["nodeName"]] = load.get(pod["spec"]["nodeName"], 0) + 1
    plugin_nodes = set()
    for pod in pods:
        meta, spec = pod["metadata"], pod["spec"]
        path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
        if meta.get("deletionTimestamp"):
            api.call("DELETE", path, {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0})
            print(f"{now()} deleted {meta['namespace']}/{meta['name']}", flush=True)
        elif not spec.get("nodeName"):
            node = pick_node(pod, nodes, load)
            if node:
                api.call("POST", path + "/binding", {"apiVersion": "v1", "kind": "Binding",
                                                      "metadata": {"name": meta["name"]},
                                                      "target": {"apiVersion": "v1", "kind": "Node", "name": node}})
                load[node] = load.get(node, 0) + 1
                print(f"{now()} bound {meta['namespace']}/{meta['name']} to {node}", flush=True)
        elif not is_ready(pod) and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
            api.call("PATCH", path + "/status", running_status(pod), "application/merge-patch+json")
            print(f"{now()} running {meta['namespace']}/{meta['name']} on {spec['nodeName']}", flush=True)
        elif meta["name"].startswith(DEVICE_PLUGIN_PREFIX) and is_ready(pod):
            plugin_nodes.add(spec["nodeName"])
    for node in nodes:
        name = node["metadata"]["name"]
        gpus = (node["metadata"].get("annotations") or {}).get(GPU_ANNOTATION, "0")
        have = ((node.get("status") or {}).get("allocatable") or {}).get("nvidia.com/gpu")
        if name in plugin_nodes and gpus != "0" and have != gpus:
            res = {"nvidia.com/gpu": gpus}
            api.call("PATCH", f"/api/v1/nodes/{name}/status",
                     {"status": {"capacity": res, "allocatable": res}}, "application/merge-patch+json")
            print(f"{now()} node {name} advertises nvidia.com/gpu={gpus}", flush=True)


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit("usage: kubelet-sim.py SERVER CA_FILE CERT_FILE KEY_FILE [INTERVAL_SECONDS]")
    api = Api(*sys.argv[1:5])
    interval = float(sys.argv[5]) if len(sys.argv) == 6 else 1.0
    print(f"{now()} kubelet-sim watching {sys.argv[1]} every {interval}s", flush=True)
    while True:
        try:
            tick(api)
        except Exception as err:  # keep going: the API may restart, objects may vanish mid-tick
            print(f"{now()} error: {err}", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
