/**
 * The Python sources of the pipeline's script steps and of the model server's wait. Each
 * reads its inputs from env (`STEP_*`, and the `VK8S_FL_*` storage contract), never from
 * text pasted into the source, so the scripts are constants: byte-stable, and checked by
 * the tests (parsed, and check-server run for real against a local port).
 */

/** check-server: bounded TCP attempts; writes `true`/`false` to STEP_OUTPUT. */
export const CHECK_SERVER_SCRIPT = `import os
import socket
import time

host, _, port = os.environ["STEP_SERVER"].rpartition(":")
attempts = int(os.environ["STEP_ATTEMPTS"])
interval = float(os.environ["STEP_INTERVAL_SECONDS"])
up = False
for attempt in range(1, attempts + 1):
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            up = True
            break
    except OSError as err:
        print(f"attempt {attempt}/{attempts}: {host}:{port} is not reachable ({err})", flush=True)
        if attempt < attempts:
            time.sleep(interval)
os.makedirs(os.path.dirname(os.environ["STEP_OUTPUT"]), exist_ok=True)
with open(os.environ["STEP_OUTPUT"], "w") as out:
    out.write("true" if up else "false")
print(f"Flower server {host}:{port} is {'up' if up else 'down'}", flush=True)
`;

/** exit-if-server-down: fails the run with the reason (runs only when check-server said false). */
export const EXIT_IF_SERVER_DOWN_SCRIPT = `import os
import sys

sys.exit(f"Flower server {os.environ['STEP_SERVER']} is not up: stopping the pipeline "
         "(start the server, e.g. check the flower-server Deployment, then run again)")
`;

/** download-data: CIFAR-10 into STEP_RAW_DIR (skipped when already there); digits is bundled. */
export const DOWNLOAD_DATA_SCRIPT = `import os

dataset = os.environ["STEP_DATASET"]
if dataset == "cifar10":
    from vk8s_fl.cifar10 import download_cifar10

    print(f"downloaded {download_cifar10(os.environ['STEP_RAW_DIR'])}", flush=True)
else:
    print(f"dataset {dataset} ships with scikit-learn: nothing to download", flush=True)
`;

/** preprocess: fixed-size float32 arrays in one .npz file at STEP_ARRAYS (`vk8s_fl.prepare`). */
export const PREPROCESS_SCRIPT = `import os

from vk8s_fl.prepare import main

main(["--dataset", os.environ["STEP_DATASET"], "--download-dir", os.environ["STEP_RAW_DIR"],
      "--out", os.environ["STEP_ARRAYS"]])
`;

/**
 * evaluate: the stored round STEP_ROUND on the held-out arrays (`vk8s_fl.evaluate`: one
 * JSON line of round, loss, accuracy, examples); accuracy to STEP_OUTPUT. Storage, group
 * and project come from the VK8S_FL_* env the package reads (src/fl/contract.ts).
 */
export const EVALUATE_SCRIPT = `import os
import sys

from vk8s_fl.evaluate import main

sys.exit(main(["--dataset", "npz", "--data-path", os.environ["STEP_ARRAYS"], "--round", os.environ["STEP_ROUND"],
               "--output", os.environ["STEP_OUTPUT"]]))
`;

/**
 * serve: restart the model server's pods (Kubernetes API, the step's service account) so
 * they load the round just stored, then POST one held-out instance to STEP_PREDICT_URL
 * until it answers (bounded by STEP_TIMEOUT_SECONDS) and check the class probabilities.
 */
export const SERVE_SCRIPT = `import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from vk8s_fl.data import load_dataset

SA = "/var/run/secrets/kubernetes.io/serviceaccount"


def restart_model_server():
    selector = os.environ["STEP_POD_SELECTOR"]
    with open(f"{SA}/token") as f:
        token = f.read().strip()
    url = (f"https://kubernetes.default.svc/api/v1/namespaces/{os.environ['STEP_NAMESPACE']}/pods"
           f"?labelSelector={urllib.parse.quote(selector)}")
    request = urllib.request.Request(url, method="DELETE", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=f"{SA}/ca.crt"), timeout=30):
        pass
    print(f"restarted the model server pods ({selector}) so they load the new round", flush=True)


def predict(url, body, deadline):
    while True:
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as err:
            if err.code not in (502, 503, 504):
                sys.exit(f"serve: {url} answered {err.code}: {err.read()[:500]!r} (check the model name and input shape)")
            reason = f"HTTP {err.code}"
        except OSError as err:
            reason = str(err)
        if time.monotonic() > deadline:
            sys.exit(f"serve: {url} did not answer in time ({reason}) (check the model server's pods and logs)")
        print(f"waiting for the model server: {reason}", flush=True)
        time.sleep(10)


restart_model_server()
data = load_dataset(os.environ["STEP_ARRAYS"])
x = data.x_test[:1]
if os.environ.get("STEP_FLATTEN") == "true":
    x = x.reshape(len(x), -1)
body = json.dumps({"instances": x.tolist()}).encode()
answer = predict(os.environ["STEP_PREDICT_URL"], body, time.monotonic() + float(os.environ["STEP_TIMEOUT_SECONDS"]))
probabilities = answer["predictions"][0]
total = sum(probabilities)
if len(probabilities) < 2 or min(probabilities) < 0 or abs(total - 1) > 1e-3:
    sys.exit(f"serve: the answer is not class probabilities (sum {total}) (check the served model)")
predicted = max(range(len(probabilities)), key=probabilities.__getitem__)
print(json.dumps({"label": int(data.y_test[0]), "predicted": predicted, "probabilities": probabilities, "sum": total}), flush=True)
`;

/** The model server's init container: wait until at least one round is stored. */
export const WAIT_FOR_MODEL_SCRIPT = `import os
import time

from vk8s_fl.storage import storage_from_url

storage = storage_from_url(os.environ["VK8S_FL_STORAGE"], endpoint_url=os.environ.get("VK8S_FL_S3_ENDPOINT") or None)
group, project = os.environ["VK8S_FL_GROUP"], os.environ["VK8S_FL_PROJECT"]
while not storage.list_rounds(group, project):
    print(f"no round under {storage.describe(group + '/' + project)} yet: waiting for federated training", flush=True)
    time.sleep(30)
`;
