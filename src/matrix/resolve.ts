/**
 * Decisions over the compatibility matrix (`table.ts`): which Kubernetes, calico and kink
 * image a Kubeflow version gets, and why a pair is refused.
 */
import type { Problem } from "../core/errors";
import { minorBelow, minorOf, parseVersion } from "../core/version";
import { AMD64_ONLY_KUSTOMIZE, CALICO_ROWS, KUBEFLOW_ROWS, KUBERNETES_RELEASES } from "./table";
import type { Evidence, KubeflowRow, MatrixDecision } from "./types";

/**
 * `v1.3.0` -> `1.3`, `1.10` -> `1.10`, `26.3` / `v26.03.0` -> `26.03` (the matrix row's
 * spelling when a row has the same numbers); `undefined` when it is not a version.
 */
export function kubeflowLine(version: string): string | undefined {
  const parsed = parseVersion(version.trim(), "prerelease");
  if (!parsed) return undefined;
  const line = minorOf(parsed.version);
  return KUBEFLOW_ROWS.find((r) => minorOf(r.kubeflow) === line)?.kubeflow ?? line;
}


/**
 * The problem of running a Kubeflow line's kustomize on a CPU architecture (the value of the
 * master vNode's `kubernetes.io/arch` node selector), or `undefined` when it can run.
 */
export function checkKustomizeArch(row: KubeflowRow, arch: string | undefined): Problem | undefined {
  if (arch === undefined || arch === "amd64" || row.kustomize !== AMD64_ONLY_KUSTOMIZE) return undefined;
  const newer = KUBEFLOW_ROWS.filter((r) => r.installable && r.kustomize !== AMD64_ONLY_KUSTOMIZE).map((r) => r.kubeflow);
  return {
    path: "kubeflow.version",
    message: `Kubeflow ${row.kubeflow} builds with kustomize ${AMD64_ONLY_KUSTOMIZE}, which was published for amd64 only, and the master vNode is placed on ${arch} (nodeSelector kubernetes.io/arch)`,
    fix: `place the master on amd64 nodes, or choose Kubeflow ${listChoices(newer)}`,
  };
}

/** `v1.20` / `1.20` / `1.20.15` -> minor `1.20` (and the patch version when given). */
export function parseKubernetesVersion(version: string): { minor: string; patch?: string } | undefined {
  const parsed = parseVersion(version.trim());
  if (!parsed) return undefined;
  const minor = minorOf(parsed.version);
  return parsed.patchGiven ? { minor, patch: parsed.version.version } : { minor };
}

/** The newest calico release that supports a Kubernetes minor. */
export function calicoFor(kubernetesMinor: string): string | undefined {
  return [...CALICO_ROWS].reverse().find((row) => row.kubernetes.includes(kubernetesMinor))?.calico;
}

/** Kubeflow lines that run on a Kubernetes minor (installable ones only). */
function kubeflowLinesFor(kubernetesMinor: string): string[] {
  return KUBEFLOW_ROWS.filter((r) => r.installable && r.kubernetes.some((k) => k.version === kubernetesMinor)).map((r) => r.kubeflow);
}

/** `a`, `a or b`, `a, b or c`. */
export function listChoices(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

const SEE_MATRIX = "run `vk8s matrix` to see the table";

/** The problem of a Kubeflow line the matrix lists but vk8s cannot install (0.x: kfctl); the bootstrap planner raises the same. */
export function notInstallableProblem(line: string): Problem {
  const installable = KUBEFLOW_ROWS.filter((r) => r.installable).map((r) => r.kubeflow);
  return {
    path: "kubeflow.version",
    message: `Kubeflow ${line} is listed in the matrix but vk8s cannot install it: 0.x releases were deployed with kfctl, not kubeflow/manifests`,
    fix: `choose Kubeflow ${listChoices(installable)}`,
  };
}

/**
 * Decides Kubernetes (minor, patch, evidence), calico and the kink image tag for a Kubeflow
 * version and an optional Kubernetes version (`1.20`, `v1.20`, `1.20.15`). Without a
 * Kubernetes version the row's default is used: the newest listed minor that has a calico row.
 */
export function decideMatrix(
  kubeflowVersion: string,
  kubernetes?: string,
): { ok: true; decision: MatrixDecision } | { ok: false; problem: Problem } {
  const fail = (path: string, message: string, fix: string) => ({ ok: false as const, problem: { path, message, fix } });
  const line = kubeflowLine(kubeflowVersion);
  if (line === undefined) {
    return fail("kubeflow.version", `${JSON.stringify(kubeflowVersion)} is not a Kubeflow version`, "write it like v1.4.0 or 1.4");
  }
  const row = KUBEFLOW_ROWS.find((r) => r.kubeflow === line);
  const installable = KUBEFLOW_ROWS.filter((r) => r.installable).map((r) => r.kubeflow);
  if (!row) {
    return fail("kubeflow.version", `Kubeflow ${line} is not in the compatibility matrix`, `choose Kubeflow ${listChoices(installable)}; ${SEE_MATRIX}`);
  }
  if (!row.installable) return { ok: false as const, problem: notInstallableProblem(line) };
  let minor = row.defaultKubernetes;
  let patch: string | undefined;
  if (kubernetes !== undefined) {
    const parsed = parseKubernetesVersion(kubernetes);
    if (!parsed) {
      return fail("kubernetes.version", `${JSON.stringify(kubernetes)} is not a Kubernetes version`, "write it like 1.20, v1.20 or 1.20.15");
    }
    ({ minor, patch } = parsed);
  }
  const entry = row.kubernetes.find((k) => k.version === minor);
  if (!entry) {
    const others = kubeflowLinesFor(minor);
    const alternative = others.length > 0 ? `, or Kubeflow ${listChoices(others)} for Kubernetes ${minor}` : "";
    const lowest = row.kubernetes[0].version;
    const reason = row.lowerBoundReason && minorBelow(minor, lowest) ? `: ${row.lowerBoundReason}` : "";
    return fail(
      "kubernetes.version",
      `Kubeflow ${line} does not run on Kubernetes ${minor}${reason}`,
      `choose Kubernetes ${listChoices(row.kubernetes.map((k) => k.version))} for Kubeflow ${line}${alternative}; ${SEE_MATRIX}`,
    );
  }
  const calico = calicoFor(minor);
  const release = KUBERNETES_RELEASES[minor];
  if (calico === undefined || release === undefined) {
    const ready = row.kubernetes.map((k) => k.version).filter((v) => calicoFor(v) !== undefined && KUBERNETES_RELEASES[v] !== undefined);
    const missing = calico === undefined ? "no calico release in the matrix supports" : "no patch release is pinned for";
    return fail("kubernetes.version", `${missing} Kubernetes ${minor}`, `choose Kubernetes ${listChoices(ready)} for Kubeflow ${line}`);
  }
  return {
    ok: true,
    decision: {
      kubeflow: row,
      kubernetesMinor: minor,
      kubernetesVersion: patch ?? release,
      evidence: entry.evidence,
      calico,
      imageTag: `v${minor}`,
    },
  };
}

/** Plain-text table for `vk8s matrix`: Kubeflow lines, then calico lines. */
export function renderMatrix(): string {
  const header = ["KUBEFLOW", "MANIFESTS", "KUBERNETES (default *)", "KUSTOMIZE", "CALICO (default)", "NOTES"];
  const rows = KUBEFLOW_ROWS.map((r) => [
    r.kubeflow,
    r.manifestsRef,
    r.kubernetes.map((k) => `${k.version} ${EVIDENCE_WORD[k.evidence]}${k.version === r.defaultKubernetes ? "*" : ""}`).join(", "),
    r.kustomize,
    r.installable ? (calicoFor(r.defaultKubernetes) ?? "-") : "-",
    notes(r),
  ]);
  const calicoRows = CALICO_ROWS.map((c) => [
    c.calico, c.kubernetes.join(", "), c.patchPinned ? "release tag (patch-exact)" : `docs archive v${minorOf(c.calico)} (patch not pinned)`,
  ]);
  return [
    "Kubeflow x Kubernetes (tested = kubeflow/manifests README or Kubeflow 0.x docs; field = verified in the original vk8s system; ours = a bound vk8s chose, untested upstream; ci = upstream CI only)",
    ...table([header, ...rows]),
    "",
    "calico x Kubernetes (tigera docs; the newest calico supporting the cluster's minor is installed)",
    ...table([["CALICO", "KUBERNETES", "MANIFEST"], ...calicoRows]),
    "",
  ].join("\n");
}

const EVIDENCE_WORD: Record<Evidence, string> = {
  "tested-upstream": "tested", "field-verified": "field", ours: "ours", "ci-only": "ci",
};

function notes(r: KubeflowRow): string {
  const out: string[] = [];
  if (!r.installable) out.push("not installable (kfctl era)");
  if (r.installable) out.push(r.dexPassword === "secret" ? "dex password in secret dex-passwords" : "dex password in config map");
  if (r.wellDefinedFilter) out.push("awk '!/well-defined/' filter");
  if (r.serverSideApply) out.push("server-side apply");
  if (r.installable && r.kustomize === AMD64_ONLY_KUSTOMIZE) out.push(`amd64 masters only (kustomize ${AMD64_ONLY_KUSTOMIZE})`);
  return out.join("; ");
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
}
