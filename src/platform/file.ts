/**
 * The platform file (`users.yaml`): one `kind: Vk8s` document per user, so adding a user
 * is adding one document, and at most one `kind: Vk8sPlatform` document with the
 * settings. A user document is the original custom resource plus a `tenant:` block:
 *
 *   apiVersion: vk8s.dev/v1alpha1
 *   kind: Vk8s
 *   metadata: { name: user-a }
 *   tenant:                       # optional: quota, storage, nodePorts (see types.ts)
 *     quota: { cpu: "12", memory: 48Gi, gpus: 0, storage: 100Gi }
 *   spec:                         # the Vk8s spec; ports[].port may be left out
 *     kubeflow: { version: v1.3.0, email: a@example.com }
 *
 * Passwords are refused here: a file in git is no place for them. Each user's Kubeflow
 * password is a Pulumi config secret (`kubeflowPasswords.<user>`), see examples/platform.
 */
import { quote } from "../core/errors";
import { LineCounter, parseAllDocuments } from "yaml";
import { safeYamlMessage, specWithMetadata, VK8S_API_VERSIONS, VK8S_KIND, fileProblems, yamlNodeIssues, type ManifestIssue } from "../manifest";
import type { PlatformSettings, TenantClusterSpec, TenantInput } from "./types";
import { setPasswordCommand } from "./secrets";

export const PLATFORM_KIND = "Vk8sPlatform";
export const PLATFORM_API_VERSION = "vk8s.dev/v1alpha1";
const TENANT_KEYS = ["quota", "storage", "nodePorts"] as const;

export interface PlatformFile {
  users: TenantInput[];
  settings: PlatformSettings;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Reads a platform file. Throws `Vk8sValidationError` (subject `file`) listing every YAML error, unknown
 * document, misplaced `tenant` field and plain password (line:col); the users' specs are
 * checked by `planPlatform()`.
 */
export function parsePlatformFile(text: string, source = "<input>"): PlatformFile {
  const lineCounter = new LineCounter();
  const issues: ManifestIssue[] = [];
  const users: TenantInput[] = [];
  let settings: { value: PlatformSettings; line: number } | undefined;
  parseAllDocuments(text, { lineCounter, prettyErrors: false }).forEach((doc, index): void => {
    const start = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]);
    const issue = (message: string, fix: string): void => void issues.push({ line: start.line, col: start.col, message: `document ${index + 1}: ${message}`, fix });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const at = lineCounter.linePos(e.pos[0]);
        issues.push({ line: at.line, col: at.col, ...safeYamlMessage(e) });
      }
      return;
    }
    const nodeIssues = yamlNodeIssues(doc, lineCounter);
    if (nodeIssues.length > 0) return void issues.push(...nodeIssues);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      return issue("cannot be read as data", "too many or circular aliases");
    }
    if (value === null || value === undefined) return;
    if (!isMap(value)) return issue("is not a map", `expected kind: ${VK8S_KIND} or ${PLATFORM_KIND}`);
    const { apiVersion, kind, metadata, spec, tenant } = value;
    if (kind === PLATFORM_KIND) {
      if (apiVersion !== PLATFORM_API_VERSION) return issue(`has apiVersion ${quote(apiVersion ?? null)}`, `use ${PLATFORM_API_VERSION}`);
      if (settings) return issue(`is a second ${PLATFORM_KIND}`, `the first is at line ${settings.line}; keep one`);
      if (spec !== undefined && !isMap(spec)) return issue("spec is not a map of platform settings", "");
      settings = { value: (spec ?? {}) as PlatformSettings, line: start.line };
      return;
    }
    if (kind !== VK8S_KIND) return issue(`has kind ${quote(kind ?? null)}`, `use ${VK8S_KIND} for a user, ${PLATFORM_KIND} for settings`);
    if (typeof apiVersion !== "string" || !(VK8S_API_VERSIONS as readonly string[]).includes(apiVersion)) {
      return issue(`has apiVersion ${quote(apiVersion ?? null)}`, `use one of ${VK8S_API_VERSIONS.join(", ")}`);
    }
    const name = isMap(metadata) ? metadata.name : undefined;
    if (typeof name !== "string" || name === "") return issue("has no metadata.name", "name the user: metadata: { name: user-a }");
    if (!isMap(spec)) return issue(`user ${name} has no spec map`, "");
    const kubeflow = spec.kubeflow;
    if (isMap(kubeflow) && kubeflow.password !== undefined) {
      issue(`user ${name}: spec.kubeflow.password: plain passwords are not accepted in the platform file`, `remove it and run: ${setPasswordCommand(name)}`);
    }
    if (tenant !== undefined && !isMap(tenant)) return issue(`user ${name}: tenant is not a map`, "give quota, storage, nodePorts");
    const extra = Object.keys(tenant ?? {}).filter((k) => !(TENANT_KEYS as readonly string[]).includes(k));
    if (extra.length > 0) issue(`user ${name}: tenant.${extra[0]} is not a tenant field`, `use ${TENANT_KEYS.join(", ")}`);
    const t = (tenant ?? {}) as Pick<TenantInput, "quota" | "storage" | "nodePorts">;
    const carried = specWithMetadata(metadata as Record<string, unknown>, spec);
    if ("error" in carried) return issue(`user ${name}: ${carried.error.message}`, carried.error.fix);
    users.push({ name, cluster: carried.spec as TenantClusterSpec, quota: t.quota, storage: t.storage, nodePorts: t.nodePorts });
  });
  if (issues.length > 0) throw fileProblems(source, issues);
  return { users, settings: settings?.value ?? {} };
}
