import { calicoFor, checkKustomizeArch, decideMatrix, kubeflowLine, renderMatrix } from "../src/matrix/resolve";
import { CALICO_ROWS, KUBEFLOW_ROWS, KUBERNETES_RELEASES } from "../src/matrix/table";
import { formatProblem } from "../src/core/errors";

type Expected = { minor: string; version: string; evidence: string; calico: string } | string;

const SEE = "run `vk8s matrix` to see the table";
const ALL_1X = "1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10, 1.11 or 26.03";

describe("decideMatrix", () => {
  test.each<[string, string | undefined, Expected]>([
    // the original system's pairs: Kubeflow 1.3/1.4 on Kubernetes 1.19/1.20 are accepted
    ["v1.3.0", "1.19", { minor: "1.19", version: "1.19.16", evidence: "field-verified", calico: "3.20.6" }],
    ["v1.3.0", "1.20", { minor: "1.20", version: "1.20.15", evidence: "field-verified", calico: "3.20.6" }],
    ["v1.3.0", "v1.20", { minor: "1.20", version: "1.20.15", evidence: "field-verified", calico: "3.20.6" }],
    ["v1.3.0", "1.17", { minor: "1.17", version: "1.17.17", evidence: "tested-upstream", calico: "3.17.6" }],
    ["v1.3.0", undefined, { minor: "1.20", version: "1.20.15", evidence: "field-verified", calico: "3.20.6" }],
    ["v1.4.0", "1.19", { minor: "1.19", version: "1.19.16", evidence: "tested-upstream", calico: "3.20.6" }],
    ["v1.4.0", "1.20", { minor: "1.20", version: "1.20.15", evidence: "field-verified", calico: "3.20.6" }],
    ["1.4", undefined, { minor: "1.20", version: "1.20.15", evidence: "field-verified", calico: "3.20.6" }],
    ["v1.5.1", undefined, { minor: "1.21", version: "1.21.14", evidence: "tested-upstream", calico: "3.22.5" }],
    ["v1.6.0", undefined, { minor: "1.22", version: "1.22.17", evidence: "tested-upstream", calico: "3.22.5" }],
    ["v1.7.0", undefined, { minor: "1.25", version: "1.25.16", evidence: "tested-upstream", calico: "3.26.5" }],
    ["v1.8.1", undefined, { minor: "1.27", version: "1.27.16", evidence: "tested-upstream", calico: "3.28.5" }],
    ["v1.9.0", undefined, { minor: "1.29", version: "1.29.15", evidence: "tested-upstream", calico: "3.29.7" }],
    ["v1.9.1", "1.28.3", { minor: "1.28", version: "1.28.3", evidence: "ours", calico: "3.28.5" }],
    ["v1.10.0", undefined, { minor: "1.32", version: "1.32.13", evidence: "tested-upstream", calico: "3.30.6" }],
    // the newest lines: Kubernetes 1.34.4 (the toolchain's) is their default
    ["v1.11.0", undefined, { minor: "1.34", version: "1.34.4", evidence: "tested-upstream", calico: "3.30.6" }],
    ["1.11", "1.34", { minor: "1.34", version: "1.34.4", evidence: "tested-upstream", calico: "3.30.6" }],
    ["26.03", undefined, { minor: "1.34", version: "1.34.4", evidence: "ci-only", calico: "3.30.6" }],
    ["v26.03.0", "1.34.4", { minor: "1.34", version: "1.34.4", evidence: "ci-only", calico: "3.30.6" }],
    ["v1.6.1", "1.21", { minor: "1.21", version: "1.21.14", evidence: "ours", calico: "3.22.5" }],
    // refusals
    ["v1.3.0", "1.22", `kubernetes.version: Kubeflow 1.3 does not run on Kubernetes 1.22 (choose Kubernetes 1.17, 1.19 or 1.20 for Kubeflow 1.3, or Kubeflow 1.6 for Kubernetes 1.22; ${SEE})`],
    ["v1.4.0", "1.18", `kubernetes.version: Kubeflow 1.4 does not run on Kubernetes 1.18 (choose Kubernetes 1.19 or 1.20 for Kubeflow 1.4; ${SEE})`],
    ["v1.9.0", "1.20", `kubernetes.version: Kubeflow 1.9 does not run on Kubernetes 1.20 (choose Kubernetes 1.27, 1.28 or 1.29 for Kubeflow 1.9, or Kubeflow 1.3, 1.4 or 1.5 for Kubernetes 1.20; ${SEE})`],
    ["v1.6.0", "1.20", `kubernetes.version: Kubeflow 1.6 does not run on Kubernetes 1.20: its knative-serving PodDisruptionBudgets are policy/v1, which Kubernetes serves from 1.21 (choose Kubernetes 1.21 or 1.22 for Kubeflow 1.6, or Kubeflow 1.3, 1.4 or 1.5 for Kubernetes 1.20; ${SEE})`],
    ["v1.10.0", "1.34", `kubernetes.version: Kubeflow 1.10 does not run on Kubernetes 1.34 (choose Kubernetes 1.30, 1.31 or 1.32 for Kubeflow 1.10, or Kubeflow 1.11 or 26.03 for Kubernetes 1.34; ${SEE})`],
    ["v0.7.0", undefined, `kubeflow.version: Kubeflow 0.7 is listed in the matrix but vk8s cannot install it: 0.x releases were deployed with kfctl, not kubeflow/manifests (choose Kubeflow ${ALL_1X})`],
    ["0.4", "1.12", `kubeflow.version: Kubeflow 0.4 is listed in the matrix but vk8s cannot install it: 0.x releases were deployed with kfctl, not kubeflow/manifests (choose Kubeflow ${ALL_1X})`],
    ["v2.0.0", undefined, `kubeflow.version: Kubeflow 2.0 is not in the compatibility matrix (choose Kubeflow ${ALL_1X}; ${SEE})`],
    ["one", undefined, `kubeflow.version: "one" is not a Kubeflow version (write it like v1.4.0 or 1.4)`],
    ["v1.3.0", "1.20.x", `kubernetes.version: "1.20.x" is not a Kubernetes version (write it like 1.20, v1.20 or 1.20.15)`],
  ])("Kubeflow %s on Kubernetes %s", (kubeflow, kubernetes, expected) => {
    const result = decideMatrix(kubeflow, kubernetes);
    if (typeof expected === "string") {
      expect(result.ok ? "accepted" : formatProblem(result.problem)).toBe(expected);
      return;
    }
    if (!result.ok) throw new Error(formatProblem(result.problem));
    const d = result.decision;
    expect({ minor: d.kubernetesMinor, version: d.kubernetesVersion, evidence: d.evidence, calico: d.calico }).toEqual(expected);
    expect(d.imageTag).toBe(`v${expected.minor}`);
    expect(d.kubeflow.kubeflow).toBe(kubeflowLine(kubeflow));
  });

  test.each<[string, string | undefined]>([
    ["v1.3.0", "1.3"],
    ["1.10", "1.10"],
    ["v1.10.2", "1.10"],
    ["v1.9.0-rc.1", "1.9"],
    ["26.03", "26.03"],
    ["v26.3.0", "26.03"],
    ["v1.11.0", "1.11"],
    ["0.7", "0.7"],
    ["latest", undefined],
    ["v1", undefined],
  ])("kubeflowLine(%p) = %p", (version, line) => expect(kubeflowLine(version)).toBe(line));
});

describe("the table is consistent", () => {
  const installable = KUBEFLOW_ROWS.filter((r) => r.installable);

  test("lines: 0.4-0.7 listed but not installable, 1.3-1.10 installable, with their manifests refs", () => {
    expect(KUBEFLOW_ROWS.map((r) => [r.kubeflow, r.installable, r.manifestsRef])).toEqual([
      ["0.4", false, "v0.4.1"], ["0.5", false, "v0.5.1"], ["0.6", false, "v0.6.2"], ["0.7", false, "v0.7.1"],
      ["1.3", true, "v1.3.1"], ["1.4", true, "v1.4.1"], ["1.5", true, "v1.5.1"], ["1.6", true, "v1.6.1"],
      ["1.7", true, "v1.7.0"], ["1.8", true, "v1.8.1"], ["1.9", true, "v1.9.1"], ["1.10", true, "v1.10.2"],
      ["1.11", true, "v1.11.0"], ["26.03", true, "26.03"],
    ]);
  });

  test("old rows match the reference table (1.16: no Kubeflow 0.x)", () => {
    const on = (minor: string) => KUBEFLOW_ROWS.filter((r) => !r.installable && r.kubernetes.some((k) => k.version === minor)).map((r) => r.kubeflow);
    expect(on("1.11")).toEqual(["0.4", "0.5"]);
    expect(on("1.13")).toEqual(["0.4", "0.5"]);
    expect(on("1.14")).toEqual(["0.4", "0.5", "0.6", "0.7"]);
    expect(on("1.15")).toEqual(["0.5", "0.6", "0.7"]);
    expect(on("1.16")).toEqual([]);
  });

  test("evidence of 1.3 and 1.4 as in the reference", () => {
    const evidence = (line: string) => KUBEFLOW_ROWS.find((r) => r.kubeflow === line)?.kubernetes.map((k) => `${k.version}:${k.evidence}`);
    expect(evidence("1.3")).toEqual(["1.17:tested-upstream", "1.19:field-verified", "1.20:field-verified"]);
    expect(evidence("1.4")).toEqual(["1.19:tested-upstream", "1.20:field-verified"]);
  });

  test("kustomize and install flags per line", () => {
    expect(installable.map((r) => [r.kubeflow, r.kustomize, r.dexPassword, r.wellDefinedFilter, r.serverSideApply])).toEqual([
      ["1.3", "3.2.0", "configmap", false, false],
      ["1.4", "3.2.0", "configmap", false, false],
      ["1.5", "3.2.0", "configmap", false, false],
      ["1.6", "3.2.0", "configmap", false, false],
      ["1.7", "5.0.0", "configmap", true, false],
      ["1.8", "5.0.3", "configmap", false, false],
      ["1.9", "5.2.1", "secret", false, false],
      ["1.10", "5.4.3", "secret", false, true],
      ["1.11", "5.7.1", "secret", false, true],
      ["26.03", "5.8.1", "secret", false, true],
    ]);
  });

  test.each(installable.map((r) => [r.kubeflow, r] as const))("Kubeflow %s: minors ascending, each with a release and a calico; default is the newest", (_, row) => {
    const minors = row.kubernetes.map((k) => k.version);
    const numeric = minors.map((m) => Number(m.split(".")[1]));
    expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
    for (const minor of minors) {
      expect(KUBERNETES_RELEASES[minor]?.startsWith(`${minor}.`)).toBe(true);
      expect(calicoFor(minor)).toBeDefined();
    }
    expect(row.defaultKubernetes).toBe(minors[minors.length - 1]);
  });

  test("calico: the newest row supporting a minor wins", () => {
    expect(CALICO_ROWS.map((c) => c.calico)).toEqual(["3.17.6", "3.20.6", "3.22.5", "3.25.2", "3.26.5", "3.28.5", "3.29.7", "3.30.6"]);
    expect(CALICO_ROWS.filter((c) => !c.patchPinned).map((c) => c.calico)).toEqual(["3.17.6", "3.20.6", "3.22.5"]);
    expect(calicoFor("1.19")).toBe("3.20.6");
    expect(calicoFor("1.21")).toBe("3.22.5");
    expect(calicoFor("1.23")).toBe("3.25.2");
    expect(calicoFor("1.30")).toBe("3.29.7");
    expect(calicoFor("1.34")).toBe("3.30.6");
    expect(calicoFor("1.16")).toBeUndefined();
  });
});

describe("kustomize 3.2.0 is amd64-only", () => {
  const row = (line: string) => KUBEFLOW_ROWS.find((r) => r.kubeflow === line)!;
  test.each(["1.3", "1.4", "1.5", "1.6"])("Kubeflow %s with an arm64 master is refused, naming the fix", (line) => {
    const problem = checkKustomizeArch(row(line), "arm64");
    expect(problem && formatProblem(problem)).toBe(
      `kubeflow.version: Kubeflow ${line} builds with kustomize 3.2.0, which was published for amd64 only, and the master vNode is placed on arm64 (nodeSelector kubernetes.io/arch) (place the master on amd64 nodes, or choose Kubeflow 1.7, 1.8, 1.9, 1.10, 1.11 or 26.03)`,
    );
  });
  test.each([["1.3", "amd64"], ["1.3", undefined], ["1.7", "arm64"], ["26.03", "arm64"]])("Kubeflow %s on %s: accepted", (line, arch) => {
    expect(checkKustomizeArch(row(line), arch)).toBeUndefined();
  });
});

describe("evidence says what it rests on", () => {
  test("tested-upstream only on the minors the README names; our bounds marked ours", () => {
    const evidence = (line: string) => KUBEFLOW_ROWS.find((r) => r.kubeflow === line)!.kubernetes.map((k) => `${k.version}:${k.evidence}`);
    expect(evidence("1.5")).toEqual(["1.19:ours", "1.20:ours", "1.21:tested-upstream"]);
    expect(evidence("1.6")).toEqual(["1.21:ours", "1.22:tested-upstream"]);
    expect(evidence("1.9")).toEqual(["1.27:ours", "1.28:ours", "1.29:tested-upstream"]);
    expect(evidence("1.11")).toEqual(["1.34:tested-upstream"]);
    expect(evidence("26.03")).toEqual(["1.34:ci-only"]);
  });
});

describe("renderMatrix", () => {
  const text = renderMatrix();
  const line = (prefix: string) => text.split("\n").find((l) => l.startsWith(prefix)) ?? "";

  test("one line per Kubeflow line with evidence, default, kustomize, calico and notes", () => {
    expect(line("1.3 ")).toMatch(/^1\.3 +v1\.3\.1 +1\.17 tested, 1\.19 field, 1\.20 field\* +3\.2\.0 +3\.20\.6 +dex password in config map; amd64 masters only \(kustomize 3\.2\.0\)$/);
    expect(line("1.10 ")).toMatch(/1\.30 ours, 1\.31 ours, 1\.32 tested\* +5\.4\.3 +3\.30\.6 +dex password in secret dex-passwords; server-side apply$/);
    expect(line("1.11 ")).toMatch(/^1\.11 +v1\.11\.0 +1\.34 tested\* +5\.7\.1 +3\.30\.6 /);
    expect(line("26.03 ")).toMatch(/^26\.03 +26\.03 +1\.34 ci\* +5\.8\.1 +3\.30\.6 /);
    expect(line("1.6 ")).toMatch(/^1\.6 +v1\.6\.1 +1\.21 ours, 1\.22 tested\* /);
    expect(line("1.7 ")).toContain("awk '!/well-defined/' filter");
    expect(line("0.7 ")).toMatch(/-  +not installable \(kfctl era\)$/);
    expect(line("3.17.6 ")).toBe("3.17.6  1.17, 1.18, 1.19              docs archive v3.17 (patch not pinned)");
    expect(line("3.30.6 ")).toBe("3.30.6  1.31, 1.32, 1.33, 1.34, 1.35  release tag (patch-exact)");
  });

  test("is deterministic and matches the snapshot", () => {
    expect(renderMatrix()).toBe(text);
    expect(text).toMatchSnapshot();
  });
});
