/**
 * Renders the bootstrap commands of the clusters in a Vk8s manifest with the local
 * environment's sources (test/e2e/fixtures), for bootstrap-dryrun.sh:
 *   ts-node-transpile-only -P tsconfig.json render-bootstrap.ts SPEC OUT KUBEFLOW_TREE KUSTOMIZE
 * Writes OUT/<cluster>/bootstrap/<id>.sh (and <id>.delete.sh), the exact command texts the
 * component runs (each carries its program and data), and prints "<cluster> <kubernetes
 * version> <kustomize version>".
 */
import * as fs from "fs";
import * as path from "path";
import { planBootstrap } from "../../../src/bootstrap/plan";
import { validateManifest } from "../../../src/manifest";

const [spec, out, kubeflowTree, kustomize] = process.argv.slice(2);
const fixtures = path.resolve(__dirname, "../../../test/e2e/fixtures");
for (const { result } of validateManifest(fs.readFileSync(spec, "utf8"), spec)) {
  if (!result.ok) {
    console.error(JSON.stringify(result.problems, null, 1));
    process.exit(1);
  }
  const cluster = result.cluster;
  const steps = planBootstrap(cluster, {
    kubeflowSource: { kind: "local", path: `${fixtures}/kubeflow/${kubeflowTree}` },
    calicoSource: { kind: "local", path: `${fixtures}/calico` },
    devicePluginSource: { kind: "local", path: `${fixtures}/nvidia` },
    kustomizeSource: { kind: "local", path: kustomize },
    apply: { attempts: 6, backoffSeconds: 1, maxBackoffSeconds: 4, timeoutSeconds: 300 },
    waitTimeoutSeconds: 120,
  });
  const files = steps.flatMap((s) => [
    { path: `bootstrap/${s.id}.sh`, content: s.script },
    ...(s.deleteScript ? [{ path: `bootstrap/${s.id}.delete.sh`, content: s.deleteScript }] : []),
  ]);
  for (const f of files) {
    const file = path.join(out, cluster.name, f.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
  }
  console.log(`${cluster.name} v${cluster.matrix.kubernetesVersion} ${cluster.matrix.kubeflow.kustomize}`);
}
