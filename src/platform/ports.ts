/**
 * NodePort allocation across tenants: ports given by a tenant are kept; the others come
 * from the tenant's *port block*, `blockSize` consecutive ports of the range with a fixed
 * layout (offset 0 `kubeflow`, 1 `ssh`, 2 `apiserver`, 3... the other `ports[]` entries in
 * the tenant's order).
 *
 * What "adding a user never moves another user's ports" requires: if the allocation were
 * a function of the *set* of users, adding users one by one shows that each user's ports
 * could depend on its own name only, and a pure hash of the name into the ~276 blocks of
 * 30000-32767 collides (birthday bound: above 50% from about 20 users). So the allocation
 * keys on the name *and* on the users' order, which is append-only in practice (a new
 * user is a new document or line at the end):
 *
 *   users are taken in order; each first claims the ports it gives, then, if it needs any,
 *   takes its pinned `block`, or the first free block probing forward (wrapping) from
 *   `sha256(name) mod blocks`.
 *
 * So a user's ports depend only on itself and the users before it: appending a user never
 * moves anyone, and inserting or removing one moves at most users after it whose probe
 * crossed the changed block (pin `nodePorts.block` to make a user immune to any edit). A
 * given port that another user already holds is an error naming both users and the port,
 * never a silent move.
 */
import { createHash } from "node:crypto";
import type { Problem } from "../core/errors";
import { NODE_PORT_RANGE_TEXT, PORT_RANGE, PORT_RANGE_TEXT } from "../core/ports";

/** Offsets of the fixed-purpose ports in a block; other `ports[]` entries follow from `FIRST_EXTRA_OFFSET`. */
export const BLOCK_OFFSETS: Record<string, number> = { kubeflow: 0, ssh: 1, apiserver: 2 };
export const FIRST_EXTRA_OFFSET = 3;

/** One NodePort a tenant needs. */
export interface PortWant {
  /** `kubeflow`, `ssh`, `apiserver` or the name of a `ports[]` entry. */
  name: string;
  /** Given by the tenant; `undefined`: allocate it. */
  port?: number;
  /** Field path for messages, e.g. `users["team-a"].nodePorts.ssh`. */
  path: string;
}

/** The NodePorts one tenant needs, and its pinned block if any. */
export interface PortRequest {
  user: string;
  /** Path prefix of the tenant's fields, e.g. `users["team-a"]`. */
  path: string;
  wants: PortWant[];
  block?: number;
}

/** A tenant's NodePorts. */
export interface TenantNodePorts {
  /** The tenant's block, when any port was allocated. */
  block?: number;
  /** NodePort by name (`kubeflow`, `ssh`, `apiserver`, other `ports[]` names), keys sorted. */
  ports: Record<string, number>;
}

export interface AllocationOptions {
  range: { min: number; max: number };
  blockSize: number;
}

/** Problems with the range and block size themselves. */
export function checkAllocationOptions(options: AllocationOptions, path = "settings"): Problem[] {
  const { range, blockSize } = options;
  const problems: Problem[] = [];
  if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < PORT_RANGE.min || range.max > PORT_RANGE.max || range.min > range.max) {
    problems.push({ path: `${path}.nodePortRange`, message: `${range.min}-${range.max} is not a port range`, fix: `give min <= max within ${PORT_RANGE_TEXT}, e.g. ${NODE_PORT_RANGE_TEXT}` });
  } else if (!Number.isInteger(blockSize) || blockSize < FIRST_EXTRA_OFFSET || blockSize > range.max - range.min + 1) {
    problems.push({ path: `${path}.portBlockSize`, message: `${blockSize} is not a block size for ${range.min}-${range.max}`, fix: `use a whole number from ${FIRST_EXTRA_OFFSET} to the size of the range, e.g. 10` });
  }
  return problems;
}

/** Number of whole blocks in the range. */
export function blockCount(options: AllocationOptions): number {
  return Math.floor((options.range.max - options.range.min + 1) / options.blockSize);
}

/** The block a name starts probing from: `sha256(name) mod blocks`. */
export function homeBlock(user: string, blocks: number): number {
  const hash = createHash("sha256").update(`vk8s-port-block:${user}`, "utf8").digest();
  return hash.readUIntBE(0, 6) % blocks;
}

/** Offset of each wanted port in the block, by the fixed layout. */
export function blockLayout(wants: readonly PortWant[]): Map<string, number> {
  const layout = new Map<string, number>();
  let next = FIRST_EXTRA_OFFSET;
  for (const w of wants) layout.set(w.name, Object.hasOwn(BLOCK_OFFSETS, w.name) ? BLOCK_OFFSETS[w.name] : next++);
  return layout;
}

/**
 * Allocates every tenant's NodePorts, in the order given (see the file comment). Returns
 * one `TenantNodePorts` per request (same order) and every problem found.
 */
export function allocateNodePorts(requests: readonly PortRequest[], options: AllocationOptions): { allocations: TenantNodePorts[]; problems: Problem[] } {
  const problems = checkAllocationOptions(options);
  if (problems.length > 0) return { allocations: requests.map(() => ({ ports: {} })), problems };
  const blocks = blockCount(options);
  const holder = new Map<number, { user: string; name: string }>();
  const blockOwner = new Map<number, string>();
  const at = (block: number, offset: number) => options.range.min + block * options.blockSize + offset;

  const allocations = requests.map((request): TenantNodePorts => {
    const ports = new Map<string, number>();
    for (const want of request.wants) {
      if (want.port === undefined) continue;
      const held = holder.get(want.port);
      if (held && held.user !== request.user) {
        problems.push({
          path: want.path,
          message: `NodePort ${want.port} of user ${request.user} (${want.name}) is already user ${held.user}'s (${held.name})`,
          fix: `give user ${request.user} another port, or leave it out to have one allocated`,
        });
        continue;
      }
      holder.set(want.port, { user: request.user, name: want.name });
      ports.set(want.name, want.port);
    }
    const layout = blockLayout(request.wants);
    const needed = request.wants.filter((w) => w.port === undefined).map((w) => ({ name: w.name, offset: layout.get(w.name) as number }));
    if (needed.length === 0) return { ports: sortedPorts(ports) };

    const widest = Math.max(...needed.map((n) => n.offset));
    if (widest >= options.blockSize) {
      problems.push({
        path: `${request.path}.cluster.ports`,
        message: `user ${request.user} needs ${widest + 1} port offsets, more than the block size ${options.blockSize}`,
        fix: "raise settings.portBlockSize or give some ports[] entries a port",
      });
      return { ports: sortedPorts(ports) };
    }
    const usable = (block: number) => !blockOwner.has(block) && needed.every((n) => !holder.has(at(block, n.offset)));
    let block: number | undefined;
    if (request.block !== undefined) {
      const owner = blockOwner.get(request.block);
      if (!Number.isInteger(request.block) || request.block < 0 || request.block >= blocks) {
        problems.push({ path: `${request.path}.nodePorts.block`, message: `${request.block} is not a block of ${options.range.min}-${options.range.max} (0-${blocks - 1})`, fix: `pin a block from 0 to ${blocks - 1}` });
      } else if (owner !== undefined) {
        problems.push({ path: `${request.path}.nodePorts.block`, message: `block ${request.block} of user ${request.user} is already user ${owner}'s`, fix: `pin user ${request.user} to another block, or leave it out` });
      } else if (!usable(request.block)) {
        const taken = needed.map((n) => at(request.block as number, n.offset)).find((p) => holder.has(p)) as number;
        problems.push({
          path: `${request.path}.nodePorts.block`,
          message: `NodePort ${taken} in block ${request.block} of user ${request.user} is already user ${holder.get(taken)!.user}'s (${holder.get(taken)!.name})`,
          fix: `pin user ${request.user} to another block, or leave it out`,
        });
      } else {
        block = request.block;
      }
    } else {
      const home = homeBlock(request.user, blocks);
      for (let i = 0; i < blocks && block === undefined; i++) if (usable((home + i) % blocks)) block = (home + i) % blocks;
      if (block === undefined) {
        problems.push({ path: `${request.path}.nodePorts`, message: `no free port block left for user ${request.user} (${blocks} blocks of ${options.blockSize})`, fix: "widen settings.nodePortRange or lower settings.portBlockSize" });
      }
    }
    if (block === undefined) return { ports: sortedPorts(ports) };
    blockOwner.set(block, request.user);
    for (const n of needed) {
      holder.set(at(block, n.offset), { user: request.user, name: n.name });
      ports.set(n.name, at(block, n.offset));
    }
    return { block, ports: sortedPorts(ports) };
  });
  return { allocations, problems };
}

function sortedPorts(ports: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...ports].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
