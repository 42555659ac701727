/**
 * The full rendered bootstrap of the original 1.3 sample (Kubeflow v1.3.0, kink:v1.20,
 * 80.244.0.0/16 / 80.96.0.0/12, port 30000), as `vk8s render` writes it. The snapshot
 * shows the whole text for review; the targeted assertions say what must hold in it.
 */
import { renderBootstrapFiles } from "../src/bootstrap/files";
import { planBootstrap } from "../src/bootstrap/plan";
import { FIXTURE_PASSWORD, GPU_WORKERS, SAMPLE_1_3 } from "./fixtures/bootstrapClusters";

describe("renderBootstrapFiles: the 1.3 sample", () => {
  const files = renderBootstrapFiles(SAMPLE_1_3);

  test("one file per step, named bootstrap/<id>.sh, in plan order, with the exact scripts", () => {
    const plan = planBootstrap(SAMPLE_1_3);
    expect(files.map((f) => f.path)).toEqual(plan.map((s) => `bootstrap/${s.id}.sh`));
    expect(files.map((f) => f.content)).toEqual(plan.map((s) => s.script));
  });

  test("targeted: guards, versions, calico patch, dex from stdin, NodePort, no password", () => {
    const text = files.map((f) => f.content).join("\n");
    expect(text).toContain("if [ -f /etc/kubernetes/admin.conf ]; then");
    expect(text).toContain("--kubernetes-version v1.20.15");
    expect(text).toContain("awk -v autodetect='interface=eth0' -v pool='80.244.0.0/16'");
    expect(text).toContain('kustomize="$work/bin/kustomize-3.2.0"');
    expect(text).toContain("# stdin: the bcrypt hash of the Kubeflow password (never the password itself).");
    expect(text).toContain('"nodePort":30000');
    expect(text).not.toContain(FIXTURE_PASSWORD);
  });

  test("snapshot", () => {
    expect(files.map((f) => `===== ${f.path}\n${f.content}`).join("")).toMatchSnapshot();
  });
});

test("delete scripts of workers are rendered beside their step", () => {
  const paths = renderBootstrapFiles(GPU_WORKERS).map((f) => f.path);
  expect(paths.filter((p) => p.endsWith(".delete.sh"))).toEqual([
    "bootstrap/06-join-cpu-worker.delete.sh",
    "bootstrap/06-join-gpu-worker.delete.sh",
  ]);
});
