/**
 * The real-engine harness: the local environment (test/localenv) and the real Pulumi
 * CLI with a local file backend. Every server listens on 127.0.0.1; `stopEnv` leaves
 * nothing running.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../..");
const LOCALENV = path.join(REPO, "test/localenv");
export const PASSPHRASE = "vk8s-e2e-passphrase";

export interface Env {
  state: string;
  hostKubeconfig: string;
  backend: string;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 600_000): Run {
  const started = Date.now();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : ""), seconds: (Date.now() - started) / 1000 };
}

export function startEnv(): Env {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-e2e-"));
  const up = sh("bash", [path.join(LOCALENV, "host.sh"), "up", state]);
  if (up.code !== 0) throw new Error(`host control plane did not start:\n${up.stdout}\n${up.stderr}`);
  const backend = path.join(state, "backend");
  fs.mkdirSync(backend);
  return { state, hostKubeconfig: up.stdout.trim().split("\n").pop()!, backend };
}

/** Starts simulated vNodes; returns their SSH ports by node name. */
export function startVNodes(env: Env, cluster: string, nodes: string[], extraEnv: NodeJS.ProcessEnv = {}): Record<string, number> {
  const r = sh("bash", [path.join(LOCALENV, "vnode.sh"), "up", env.state, cluster, ...nodes.flatMap((n) => [n, "0"])], { ...process.env, ...extraEnv });
  if (r.code !== 0) throw new Error(`vNodes of ${cluster} did not start:\n${r.stdout}\n${r.stderr}`);
  const ports: Record<string, number> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [node, port] = line.trim().split(/\s+/);
    if (node && port) ports[node] = Number(port);
  }
  return ports;
}

export function stopEnv(env: Env): Run {
  return sh("bash", [path.join(LOCALENV, "down.sh"), env.state]);
}

/** A stack of the program in `dir`, its config in the state dir (never in the repo). */
export class Stack {
  readonly configFile: string;
  constructor(readonly env: Env, readonly name: string, readonly dir: string = REPO) {
    this.configFile = path.join(env.state, `Pulumi.${name}.yaml`);
  }

  private vars(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${this.env.backend}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      KUBECONFIG: this.env.hostKubeconfig,
    };
  }

  run(args: string[], timeoutMs = 900_000, selectStack = true): Run {
    const stack = selectStack ? ["--stack", this.name] : [];
    return sh("pulumi", [...args, "--cwd", this.dir, ...stack, "--non-interactive"], this.vars(), timeoutMs);
  }

  /** Runs with the stack's config file (commands that read config). */
  withConfig(args: string[], timeoutMs?: number): Run {
    return this.run([...args, "--config-file", this.configFile], timeoutMs);
  }

  init(config: Record<string, unknown>, secrets: Record<string, string> = {}): void {
    must(this.run(["stack", "init", this.name], undefined, false), "stack init");
    for (const [k, v] of Object.entries(config)) {
      const value = typeof v === "string" ? v : JSON.stringify(v);
      must(this.withConfig(["config", "set", k, value]), `config set ${k}`);
    }
    for (const [k, v] of Object.entries(secrets)) must(this.withConfig(["config", "set", "--secret", k, v]), `config set ${k}`);
  }

  outputs(showSecrets = false): Record<string, any> {
    const r = must(this.run(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])]), "stack output");
    return JSON.parse(r.stdout);
  }

  exportState(showSecrets = false): string {
    return must(this.run(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]), "stack export").stdout;
  }
}

export function must(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${readable(r.stdout).slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

/**
 * CLI output fit for a test report: for `--json` event streams, only the error and warning
 * diagnostics (never the SDK's debug lines, which print resource outputs, secrets included).
 */
export function readable(stdout: string): string {
  const events = engineEvents(stdout);
  if (events.length === 0) return stdout;
  return events
    .map((e) => e.diagnosticEvent)
    .filter((d) => d && d.prefix !== "debug: " && /error|warning/.test(d.severity ?? ""))
    .map((d) => `${d.severity} ${d.urn ?? ""}: ${d.message}`)
    .join("\n");
}

export function kubectl(kubeconfig: string, args: string[]): string {
  return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", timeout: 60_000 });
}

export function kubectlJson(kubeconfig: string, args: string[]): any {
  return JSON.parse(kubectl(kubeconfig, [...args, "-o", "json"]));
}

/** Bootstrap options that point every download at the local fixtures. */
export function localBootstrap(env: Env, kubeflowShape: "v1.8-shape" | "v1.9-shape", kustomizeVersion: string): Record<string, unknown> {
  const fixtures = path.join(REPO, "test/e2e/fixtures");
  return {
    kubeflowSource: { kind: "local", path: path.join(fixtures, "kubeflow", kubeflowShape) },
    calicoSource: { kind: "local", path: path.join(fixtures, "calico") },
    // No local-path provisioner image or manifest can be had here: storage is left to the user.
    defaultStorageClass: "none",
    devicePluginSource: { kind: "local", path: path.join(fixtures, "nvidia") },
    kustomizeSource: { kind: "local", path: kustomizeStandIn(env, kustomizeVersion) },
    apply: { attempts: 6, backoffSeconds: 1, maxBackoffSeconds: 4, timeoutSeconds: 300 },
    waitTimeoutSeconds: 120,
  };
}

/**
 * kustomize of the version a Kubeflow line pins, where only a newer kustomize can be
 * built here (3.2.0 is not served by the Go module proxy): a wrapper that answers
 * `version` with the pinned version and runs the real kustomize for everything else.
 */
export function kustomizeStandIn(env: Env, version: string): string {
  const real = execFileSync("sh", ["-c", "command -v kustomize"], { encoding: "utf8" }).trim();
  const file = path.join(env.state, `kustomize-${version}`);
  fs.writeFileSync(file, `#!/bin/sh\n# e2e stand-in: kustomize ${version} answered by ${real}\nif [ "\${1:-}" = version ]; then echo "Version: {KustomizeVersion:${version}} (e2e stand-in for ${real})"; exit 0; fi\nexec ${real} "$@"\n`, { mode: 0o755 });
  return file;
}

/** Lines of STATE/calls.log (every stand-in call of every vNode). */
export function calls(env: Env): string[] {
  const f = path.join(env.state, "calls.log");
  return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];
}

/** The engine events that `pulumi up --json` prints, one JSON object per line. */
export function engineEvents(stdout: string): any[] {
  const events: any[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith('{"sequence":')) continue;
    try { events.push(JSON.parse(line)); } catch { /* not an event line */ }
  }
  return events;
}

/**
 * `--json` output fit for a secrets check: without the SDK's debug diagnostics, whose
 * "RegisterResource RPC finished" line prints resource outputs, secrets included (a Pulumi
 * behaviour: the CLI shows debug diagnostics only with --debug or --json).
 */
export function withoutDebugLines(stdout: string): string {
  return stdout.split("\n").filter((l) => !l.includes('"prefix":"debug: "')).join("\n");
}

/** Start and end (engine timestamps, s) of each bootstrap command that finished, by URN. */
export function commandSpans(events: any[]): Map<string, { start: number; end: number }> {
  const starts = new Map<string, number>();
  const spans = new Map<string, { start: number; end: number }>();
  for (const e of events) {
    const urn: string | undefined = e.resourcePreEvent?.metadata?.urn ?? e.resOutputsEvent?.metadata?.urn;
    if (!urn || !urn.includes("command:remote:Command")) continue;
    if (e.resourcePreEvent) starts.set(urn, e.timestamp);
    if (e.resOutputsEvent && starts.has(urn)) spans.set(urn, { start: starts.get(urn)!, end: e.timestamp });
  }
  return spans;
}

/**
 * How much of a `pulumi up` ran in parallel: from its engine events, the sum of the
 * bootstrap commands' own durations against the span from the first command's start
 * to the last one's end.
 */
export function commandParallelism(events: any[]): { commands: number; sumSeconds: number; spanSeconds: number } {
  const done = [...commandSpans(events).values()];
  const sum = done.reduce((s, { start, end }) => s + (end - start), 0);
  const span = done.length ? Math.max(...done.map((d) => d.end)) - Math.min(...done.map((d) => d.start)) : 0;
  return { commands: done.length, sumSeconds: sum, spanSeconds: span };
}
