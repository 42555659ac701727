import { parse } from "yaml";
import { rewriteKubeconfigServer } from "../src/kubeconfig/rewrite";

/** Shaped like kubeadm's admin.conf; the credentials are fake but must never be echoed. */
const ADMIN_CONF = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://10.0.0.5:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0xJRU5ULUNFUlQ=
    client-key-data: U0VDUkVULUtFWS1EQVRB
    # server: https://not-a-cluster-field:1
`;

describe("rewriteKubeconfigServer", () => {
  test("sets clusters[].cluster.server and keeps every other field and comment", () => {
    const out = rewriteKubeconfigServer(ADMIN_CONF, "https://192.0.2.7:30443");
    expect(out).toBe(ADMIN_CONF.replace("server: https://10.0.0.5:6443", "server: https://192.0.2.7:30443"));
    expect(parse(out).clusters[0].cluster.server).toBe("https://192.0.2.7:30443");
  });

  test("every cluster entry is rewritten, and only cluster entries", () => {
    const two = `clusters:\n- cluster:\n    server: https://a:6443\n  name: a\n- cluster:\n    server: https://b:6443\n  name: b\nusers:\n- name: u\n  user:\n    server: keep\n`;
    const out = parse(rewriteKubeconfigServer(two, "https://c:1"));
    expect(out.clusters.map((c: { cluster: { server: string } }) => c.cluster.server)).toEqual(["https://c:1", "https://c:1"]);
    expect(out.users[0].user.server).toBe("keep");
  });

  test.each([undefined, ""])("server %p leaves the text unchanged", (server) => {
    expect(rewriteKubeconfigServer(ADMIN_CONF, server)).toBe(ADMIN_CONF);
  });

  test.each([
    ["not YAML", "clusters:\n- cluster: [\n  client-key-data: U0VDUkVULUtFWS1EQVRB\n", /^kubeconfig: is not valid YAML \([A-Z_]+ at line \d+, column \d+\); expected the admin kubeconfig kubeadm writes$/],
    ["no clusters", "users:\n- user:\n    client-key-data: U0VDUkVULUtFWS1EQVRB\n", /^kubeconfig: has no clusters list; expected the admin kubeconfig kubeadm writes \(clusters\[\]\.cluster\.server\)$/],
    ["a cluster entry that is not a map", "clusters:\n- cluster: U0VDUkVULUtFWS1EQVRB\n", /^kubeconfig: clusters\[0\] has no cluster map; expected clusters\[\]\.cluster\.server$/],
  ])("%s: a clear error that never quotes the kubeconfig", (_, text, message) => {
    let error: Error | undefined;
    try {
      rewriteKubeconfigServer(text, "https://c:1");
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("U0VDUkVULUtFWS1EQVRB");
  });
});
