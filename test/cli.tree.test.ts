/** `vk8s render` with the real renderers: host manifests and bootstrap scripts, no secrets. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../bin/cli";

const SAMPLE = path.join(__dirname, "fixtures/samples/sample-kf13.yaml");
const PASSWORD = "sample-password-3"; // the sample's password: must never be written

function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

async function render(out: string): Promise<number> {
  const io = { stdout: () => undefined, stderr: () => undefined };
  return main(["render", SAMPLE, "--out", out], io);
}

test("render writes host manifests, the bootstrap programs, step environments and kubeadm configuration, never the password", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-tree-"));
  expect(await render(out)).toBe(0);
  const tree = readTree(out);
  const names = [...tree.keys()].sort();
  expect(names.filter((n) => n.startsWith("sample3/bootstrap/") && !n.startsWith("sample3/bootstrap/programs/"))).toEqual([
    "sample3/bootstrap/01-wait-master.env", "sample3/bootstrap/02-kubeadm-init.env",
    "sample3/bootstrap/03-kubeconfig.env", "sample3/bootstrap/04-calico.env",
    "sample3/bootstrap/07-storage.env", "sample3/bootstrap/08-kubeflow.env", "sample3/bootstrap/09-dex-login.env",
    "sample3/bootstrap/10-expose.env", "sample3/bootstrap/11-status.env",
    "sample3/bootstrap/calico/calico-node-patch.yaml", "sample3/bootstrap/calico/kustomization.yaml",
    "sample3/bootstrap/kubeadm/init.yaml", "sample3/bootstrap/kubeflow/components.patterns",
    "sample3/bootstrap/storage/config-patch.yaml", "sample3/bootstrap/storage/kustomization.yaml",
    "sample3/bootstrap/storage/provisioner-patch.yaml", "sample3/bootstrap/storage/storage-class-patch.yaml",
  ]);
  expect(names).toContain("sample3/bootstrap/programs/kubeadm-init.sh");
  expect(names).toContain("sample3/host/statefulset-sample3-sample-master3.yaml");
  expect(tree.get("sample3/bootstrap/calico/calico-node-patch.yaml")).toContain("interface=eth0");
  const init = tree.get("sample3/bootstrap/kubeadm/init.yaml")!;
  expect(init).toContain("cgroupDriver: cgroupfs\nfailSwapOn: false\n");
  expect(init).toContain("conntrack:\n  maxPerCore: 0\n");
  for (const [name, text] of tree) expect({ name, leaked: text.includes(PASSWORD) }).toEqual({ name, leaked: false });
  fs.rmSync(out, { recursive: true });
});

test("two renders give byte-identical trees", async () => {
  const a = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-tree-a-"));
  const b = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-tree-b-"));
  expect(await render(a)).toBe(0);
  expect(await render(b)).toBe(0);
  expect(readTree(b)).toEqual(readTree(a));
  fs.rmSync(a, { recursive: true });
  fs.rmSync(b, { recursive: true });
});
