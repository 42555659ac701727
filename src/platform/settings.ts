/**
 * The platform's settings and each user's tenant fields, declared once with zod: strict
 * (an unknown or misspelt key is an error, never ignored), typed (`vNodeInternetEgress: no`
 * read as the string "no" is an error, not "on"), numbers bounded. Then the rules zod
 * cannot say: the DNS selector names a namespace and at least one label (an empty one would
 * open DNS egress to every pod), mount paths and quantities. Every problem at once, in the
 * `<path>: <problem> (<fix>)` form. `planPlatform()` runs these before anything else.
 */
import { z } from "zod";
import { quote, type PathSegment, type Problem } from "../core/errors";
import { dns1123LabelError, isAbsoluteDirectory } from "../core/names";
import { NODE_PORT_RANGE, PORT_RANGE } from "../core/ports";
import { Quantity } from "../core/quantity";
import { HOST_RENDER_DEFAULTS } from "../cluster/defaults";
import { checkLabels } from "../cluster/rules/labels";
import { checkText } from "../cluster/rules/text";

const port = z.number().int().min(PORT_RANGE.min).max(PORT_RANGE.max);
const quantity = z.union([z.string(), z.number()]);
const accessMode = z.enum(["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"]);

/** Most GPUs a quota may give one tenant (a bound, not a host fact: far above any real node pool). */
export const MAX_TENANT_GPUS = 4096;

export const tenantQuotaSchema = z.object({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  gpus: z.number().int().min(0).max(MAX_TENANT_GPUS).optional(),
  storage: quantity.optional(),
}).strict();

export const tenantStorageSchema = z.object({
  size: z.string().optional(),
  storageClassName: z.string().optional(),
  accessModes: z.array(accessMode).min(1).optional(),
}).strict();

export const tenantNodePortsSchema = z.object({
  ssh: port.optional(),
  apiServer: z.union([port, z.literal(false)]).optional(),
  /** Blocks are counted from 0; the largest port bounds any range. */
  block: z.number().int().min(0).max(PORT_RANGE.max).optional(),
}).strict();

export const platformSettingsSchema = z.object({
  nodePortRange: z.object({ min: port, max: port }).strict().optional(),
  portBlockSize: z.number().int().min(1).max(PORT_RANGE.max).optional(),
  defaults: z.object({ quota: tenantQuotaSchema.optional(), storage: tenantStorageSchema.optional() }).strict().optional(),
  hostCidrs: z.array(z.string()).optional(),
  defaultRequest: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).strict().optional(),
  dns: z.object({ namespace: z.string(), podLabels: z.record(z.string(), z.string()) }).strict().optional(),
  vNodeInternetEgress: z.boolean().optional(),
  storageMountPath: z.string().optional(),
  /** The NodePort of istio-ingressgateway inside each virtual cluster: the inner NodePort range. */
  kubeflowTargetPort: z.number().int().min(NODE_PORT_RANGE.min).max(NODE_PORT_RANGE.max).optional(),
  /** The opt-in host-preparation DaemonSet (`hostPreparation.ts`). */
  hostPreparation: z.object({
    inotify: z.boolean().optional(),
    image: z.string().optional(),
    namespace: z.string().optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
  }).strict().optional(),
}).strict();

/** Problems of the platform settings (paths `settings.*`). */
export function checkPlatformSettings(input: unknown): Problem[] {
  if (input === undefined) return [];
  const problems = [...checkText(input, ["settings"]), ...zodProblems(platformSettingsSchema, input, ["settings"])];
  if (problems.length > 0) return problems;
  const settings = input as z.infer<typeof platformSettingsSchema>;
  if (settings.dns) {
    const nsError = dns1123LabelError(settings.dns.namespace);
    if (nsError) problems.push({ path: "settings.dns.namespace", message: nsError, fix: "name the namespace of the cluster DNS, e.g. kube-system" });
    if (Object.keys(settings.dns.podLabels).length === 0) {
      problems.push({ path: "settings.dns.podLabels", message: "is empty, which would allow DNS egress to every pod of the namespace", fix: "give the DNS pods' labels, e.g. k8s-app: kube-dns" });
    }
    problems.push(...checkLabels(["settings", "dns", "podLabels"], settings.dns.podLabels, false));
  }
  if (settings.storageMountPath !== undefined && !isAbsoluteDirectory(settings.storageMountPath)) {
    problems.push({ path: "settings.storageMountPath", message: `${quote(settings.storageMountPath)} is not an absolute directory of letters, digits, '.', '_', '-' and '/'`, fix: `use a path such as ${HOST_RENDER_DEFAULTS.userStorageMountPath}` });
  }
  for (const resource of ["cpu", "memory"] as const) {
    const value = settings.defaultRequest?.[resource];
    if (value !== undefined) {
      const parsed = Quantity.parse(value);
      if ("error" in parsed || parsed.quantity.isNegative()) {
        problems.push({ path: `settings.defaultRequest.${resource}`, message: `${quote(value)} is not a quantity of zero or more`, fix: resource === "cpu" ? "write it like 100m" : "write it like 128Mi" });
      }
    }
  }
  return problems;
}

/** Problems of one user's tenant fields (`quota`, `storage`, `nodePorts`), paths under `path`. */
export function checkTenantFields(path: string, tenant: { quota?: unknown; storage?: unknown; nodePorts?: unknown }): Problem[] {
  const problems: Problem[] = [];
  for (const [field, schema] of [["quota", tenantQuotaSchema], ["storage", tenantStorageSchema], ["nodePorts", tenantNodePortsSchema]] as const) {
    const value = tenant[field];
    if (value === undefined) continue;
    problems.push(...checkText(value, [field]).map((p) => ({ ...p, path: `${path}.${p.path}` })));
    problems.push(...zodProblems(schema, value, [field]).map((p) => ({ ...p, path: `${path}.${p.path}` })));
  }
  return problems;
}

/** zod issues as problems; `base` prefixes the paths. */
function zodProblems(schema: z.ZodType, input: unknown, base: PathSegment[]): Problem[] {
  const parsed = schema.safeParse(input);
  if (parsed.success) return [];
  const issues = parsed.error.issues.filter((i) => !((i.code === "too_big" || i.code === "too_small") && Math.abs(Number(i.code === "too_big" ? i.maximum : i.minimum)) === Number.MAX_SAFE_INTEGER && parsed.error.issues.some((o) => o !== i && o.code === i.code && o.path.join(".") === i.path.join("."))));
  return issues.flatMap((issue): Problem[] => {
    const segments = [...base, ...issue.path.filter((s): s is string | number => typeof s !== "symbol")];
    const at = segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: `${at}.${key}`, message: "unknown field", fix: `remove it, or correct its spelling (see src/platform/types.ts)` }));
    }
    if (issue.code === "too_big" || issue.code === "too_small") {
      const bound = issue.code === "too_big" ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      return [{ path: at, message: "is out of range", fix: `use a value of ${bound}` }];
    }
    if (issue.code === "invalid_type") {
      const got = valueAt(input, issue.path);
      const what = got === undefined ? "is required" : `expected ${issue.expected}, got ${typeof got === "string" ? `the string ${quote(got)}` : Array.isArray(got) ? "a list" : got === null ? "null" : typeof got}`;
      const fix = issue.expected === "boolean" && typeof got === "string" ? "write true or false (unquoted)" : `write it as ${issue.expected}`;
      return [{ path: at, message: what, fix }];
    }
    if (issue.code === "invalid_value") {
      const choices = issue.values.map(String).join(", ");
      return [{ path: at, message: `is not one of ${choices}`, fix: `use one of ${choices}` }];
    }
    return [{ path: at, message: issue.message, fix: "see src/platform/types.ts" }];
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const s of path) v = typeof v === "object" && v !== null && Object.hasOwn(v, s) ? (v as Record<PropertyKey, unknown>)[s] : undefined;
  return v;
}
