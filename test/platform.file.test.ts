/**
 * The platform file: users as `kind: Vk8s` documents with a `tenant:` block, settings as
 * one `kind: Vk8sPlatform`; plain passwords refused with the command that sets a secret.
 * Also the host-render options the platform relies on (namespace labels, user storage,
 * extra objects).
 */
import { parsePlatformFile } from "../src/platform/file";
import { Vk8sValidationError } from "../src/core/errors";
import { renderHostObjects, checkHostRenderOptions } from "../src/render/host";
import { resolveCluster } from "../src/cluster/validate";
import type { K8sObject } from "../src/render/types";

const USER = (name: string, extra = "") => `apiVersion: vk8s.dev/v1alpha1
kind: Vk8s
metadata: { name: ${name} }
${extra}spec:
  kubeflow: { version: v1.4.0, email: ${name}@example.com }
`;

function issuesOf(text: string): string[] {
  try {
    parsePlatformFile(text, "users.yaml");
  } catch (e) {
    if (e instanceof Vk8sValidationError && e.subject.kind === "file") return e.message.split("\n");
    throw e;
  }
  return [];
}

describe("parsePlatformFile", () => {
  test("users in document order, with their tenant block; settings from Vk8sPlatform", () => {
    const text = `apiVersion: vk8s.dev/v1alpha1
kind: Vk8sPlatform
metadata: { name: p }
spec: { portBlockSize: 12 }
---
${USER("user-a", "tenant:\n  quota: { cpu: 8 }\n  nodePorts: { block: 4 }\n")}---
${USER("user-b")}`;
    const parsed = parsePlatformFile(text);
    expect(parsed.settings).toEqual({ portBlockSize: 12 });
    expect(parsed.users.map((u) => [u.name, u.quota, u.nodePorts])).toEqual([["user-a", { cpu: 8 }, { block: 4 }], ["user-b", undefined, undefined]]);
    expect(parsed.users[1].cluster).toEqual({ kubeflow: { version: "v1.4.0", email: "user-b@example.com" } });
  });

  test("adding a user is adding one document", () => {
    const two = `${USER("user-a")}---\n${USER("user-b")}`;
    expect(parsePlatformFile(`${two}---\n${USER("user-c")}`).users.map((u) => u.name)).toEqual(["user-a", "user-b", "user-c"]);
  });

  test.each([
    {
      name: "a plain password",
      text: USER("user-a").replace("email: user-a@example.com }", "email: user-a@example.com, password: s3cret-pass }"),
      expected: ["users.yaml:1:1: document 1: user user-a: spec.kubeflow.password: plain passwords are not accepted in the platform file (remove it and run: pulumi config set --secret --path 'kubeflowPasswords.user-a' <password>)"],
    },
    {
      name: "an unknown kind",
      text: `${USER("user-a")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n`,
      expected: ['users.yaml:7:1: document 2: has kind "ConfigMap" (use Vk8s for a user, Vk8sPlatform for settings)'],
    },
    {
      name: "two settings documents",
      text: "apiVersion: vk8s.dev/v1alpha1\nkind: Vk8sPlatform\nspec: {}\n---\napiVersion: vk8s.dev/v1alpha1\nkind: Vk8sPlatform\nspec: {}\n",
      expected: ["users.yaml:5:1: document 2: is a second Vk8sPlatform (the first is at line 1; keep one)"],
    },
    {
      name: "an unknown tenant field",
      text: USER("user-a", "tenant:\n  gpus: 2\n"),
      expected: ["users.yaml:1:1: document 1: user user-a: tenant.gpus is not a tenant field (use quota, storage, nodePorts)"],
    },
    {
      name: "a user without a name",
      text: "apiVersion: vk8s.dev/v1alpha1\nkind: Vk8s\nspec: {}\n",
      expected: ["users.yaml:1:1: document 1: has no metadata.name (name the user: metadata: { name: user-a })"],
    },
  ])("refuses $name", ({ text, expected }) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  test("the password is never quoted in the message", () => {
    const text = USER("user-a").replace("email: user-a@example.com }", "email: user-a@example.com, password: s3cret-pass }");
    expect(issuesOf(text).join("\n")).not.toContain("s3cret-pass");
  });
});

describe("host render options used by the platform", () => {
  const cluster = resolveCluster("team-a", { kubeflow: { version: "v1.4.0", email: "a@example.com", password: "correct-horse" } });
  const quota: K8sObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "team-a-quota", namespace: "vk8s-team-a" }, spec: { hard: {} } };

  test("namespace labels go under vk8s's own; extra objects follow the namespace", () => {
    const objects = renderHostObjects(cluster, { namespaceLabels: { "vk8s.io/tenant": "team-a", app: "override-attempt" }, extraObjects: [quota] });
    expect(objects[0].metadata.labels).toMatchObject({ "vk8s.io/tenant": "team-a", app: "vk8s", "pod-security.kubernetes.io/enforce": "privileged" });
    expect(objects[1]).toEqual(quota);
  });

  test("the user storage is mounted into every vNode", () => {
    const sts = renderHostObjects(cluster, { userStorage: { claimName: "team-a-storage" } }).find((o) => o.kind === "StatefulSet") as any;
    expect(sts.spec.template.spec.volumes.at(-1)).toEqual({ name: "user-storage", persistentVolumeClaim: { claimName: "team-a-storage" } });
    expect(sts.spec.template.spec.containers[0].volumeMounts.at(-1)).toEqual({ name: "user-storage", mountPath: "/mnt/vk8s-storage" });
  });

  test.each([
    { options: { userStorage: { claimName: "x", mountPath: "/var/lib/kubelet/data" } }, expected: { path: "options.userStorage.mountPath", message: "/var/lib/kubelet/data overlaps /var/lib/kubelet, which the vNode already mounts", fix: "use a path of its own such as /mnt/vk8s-storage" } },
    { options: { userStorage: { claimName: "x", mountPath: "data" } }, expected: { path: "options.userStorage.mountPath", message: '"data" is not an absolute directory', fix: "use a path such as /mnt/vk8s-storage" } },
    { options: { userStorage: { claimName: "Bad_Name" } }, expected: { path: "options.userStorage.claimName", message: '"Bad_Name" is not a claim name', fix: "use lower-case letters, digits, - and ." } },
    { options: { extraObjects: [{ ...quota, metadata: { name: "q", namespace: "default" } }] }, expected: { path: "options.extraObjects[0].metadata.namespace", message: 'ResourceQuota q is in "default", not vk8s-team-a', fix: "put it in vk8s-team-a" } },
    { options: { extraObjects: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } }] }, expected: { path: "options.extraObjects[0]", message: "Namespace other cannot be an extra object", fix: "vk8s renders the cluster's namespace itself" } },
  ])("refuses $expected.path: $expected.message", ({ options, expected }) => {
    expect(checkHostRenderOptions(cluster, options)).toEqual([expected]);
  });
});
