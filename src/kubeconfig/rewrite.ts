/**
 * Points a kubeconfig's clusters at another API server address, through the `yaml`
 * library (parse, set `clusters[].cluster.server`, stringify) rather than a line regex, so
 * only the cluster entries change and everything else (users, contexts, comments, key
 * order, kubeadm's unindented lists) is kept as kubeadm wrote it.
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";

/**
 * `kubeconfig` with `clusters[].cluster.server` of every cluster set to `server`;
 * unchanged (same text) when `server` is undefined or empty.
 *
 * Errors (the kubeconfig holds credentials, so no message quotes its text): a text that
 * is not YAML (`kubeconfig: is not valid YAML (<yaml error code> at line L, column C)`),
 * or one without a `clusters` list of `cluster` maps.
 */
export function rewriteKubeconfigServer(kubeconfig: string, server?: string): string {
  if (!server) return kubeconfig;
  // prettyErrors off: the default message embeds the offending source line.
  const lineCounter = new LineCounter();
  const doc = parseDocument(kubeconfig, { prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const [error] = doc.errors;
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const at = ` at line ${line}, column ${col}`;
    throw new Error(`kubeconfig: is not valid YAML (${error.code}${at}); expected the admin kubeconfig kubeadm writes`);
  }
  const clusters = doc.get("clusters");
  if (!isSeq(clusters) || clusters.items.length === 0) {
    throw new Error("kubeconfig: has no clusters list; expected the admin kubeconfig kubeadm writes (clusters[].cluster.server)");
  }
  clusters.items.forEach((entry, i) => {
    const cluster = isMap(entry) ? entry.get("cluster") : undefined;
    if (!isMap(cluster)) throw new Error(`kubeconfig: clusters[${i}] has no cluster map; expected clusters[].cluster.server`);
    cluster.set("server", server);
  });
  return doc.toString({ lineWidth: 0, indentSeq: false });
}
