/**
 * NodePort allocation: layout, given ports, collisions naming both users, and the
 * stability properties over random user sets (seeded, so a failure reproduces).
 */
import { allocateNodePorts, blockCount, homeBlock, type AllocationOptions, type PortRequest } from "../src/platform/ports";

const DEFAULT: AllocationOptions = { range: { min: 30000, max: 32767 }, blockSize: 10 };
/** Ten blocks: collisions and probing happen with a handful of users. */
const SMALL: AllocationOptions = { range: { min: 30000, max: 30099 }, blockSize: 10 };

function request(user: string, extra: Partial<PortRequest> & { ports?: Record<string, number | undefined> } = {}): PortRequest {
  const path = `users[${JSON.stringify(user)}]`;
  const given = extra.ports ?? {};
  const names = ["kubeflow", "ssh", "apiserver", ...Object.keys(given).filter((n) => !["kubeflow", "ssh", "apiserver"].includes(n))];
  return {
    user,
    path,
    wants: names.map((name) => ({ name, port: given[name], path: `${path}.${name}` })),
    block: extra.block,
  };
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomUsers(rand: () => number, count: number, options: AllocationOptions): PortRequest[] {
  const out: PortRequest[] = [];
  const names = new Set<string>();
  while (out.length < count) {
    const name = `u${Math.floor(rand() * 1e6).toString(36)}`;
    if (names.has(name)) continue;
    names.add(name);
    const r = rand();
    const extras = Math.floor(rand() * 3);
    const ports: Record<string, number | undefined> = {};
    for (let i = 0; i < extras; i++) ports[`extra${i}`] = undefined;
    // Some users give their ssh port outright, anywhere in the range.
    if (r < 0.15) ports.ssh = options.range.min + Math.floor(rand() * (options.range.max - options.range.min + 1));
    out.push(request(name, { ports }));
  }
  return out;
}

describe("layout and given ports", () => {
  test("a user's block holds kubeflow, ssh, apiserver, then other ports in its order", () => {
    const { allocations, problems } = allocateNodePorts([request("team-a", { ports: { flower: undefined, predict: undefined } })], DEFAULT);
    expect(problems).toEqual([]);
    const block = homeBlock("team-a", blockCount(DEFAULT));
    const base = 30000 + block * 10;
    expect(allocations[0]).toEqual({ block, ports: { apiserver: base + 2, flower: base + 3, kubeflow: base, predict: base + 4, ssh: base + 1 } });
  });

  test("the home block is the name's hash: the same whatever else is allocated", () => {
    expect(homeBlock("team-a", 276)).toBe(homeBlock("team-a", 276));
    expect(homeBlock("team-a", 276)).not.toBe(homeBlock("team-b", 276));
  });

  test("given ports are kept; a user that gives all its ports takes no block", () => {
    const { allocations, problems } = allocateNodePorts([request("a", { ports: { kubeflow: 30000, ssh: 30001, apiserver: 30002 } })], DEFAULT);
    expect(problems).toEqual([]);
    expect(allocations[0]).toEqual({ ports: { apiserver: 30002, kubeflow: 30000, ssh: 30001 } });
  });

  test("a pinned block is used as given", () => {
    const { allocations } = allocateNodePorts([request("a", { block: 7 })], DEFAULT);
    expect(allocations[0]).toEqual({ block: 7, ports: { apiserver: 30072, kubeflow: 30070, ssh: 30071 } });
  });

  test("an allocated port skips a block where another user's given port sits", () => {
    const home = homeBlock("b", blockCount(SMALL));
    const taken = 30000 + home * 10 + 1; // b's ssh slot in its home block
    const { allocations, problems } = allocateNodePorts([request("a", { ports: { kubeflow: taken, ssh: 30099, apiserver: 30098 } }), request("b")], SMALL);
    expect(problems).toEqual([]);
    expect(allocations[1].block).toBe((home + 1) % blockCount(SMALL));
  });
});

describe("collisions and bad settings are errors naming both users", () => {
  const home = (u: string) => homeBlock(u, blockCount(DEFAULT));
  test.each([
    {
      name: "the same given port",
      requests: [request("alice", { ports: { kubeflow: 30500 } }), request("bob", { ports: { kubeflow: 30500 } })],
      expected: [{ path: 'users["bob"].kubeflow', message: "NodePort 30500 of user bob (kubeflow) is already user alice's (kubeflow)", fix: "give user bob another port, or leave it out to have one allocated" }],
    },
    {
      name: "a given port that an earlier user was allocated",
      requests: [request("alice"), request("bob", { ports: { ssh: 30000 + home("alice") * 10 } })],
      expected: [{ path: 'users["bob"].ssh', message: `NodePort ${30000 + home("alice") * 10} of user bob (ssh) is already user alice's (kubeflow)`, fix: "give user bob another port, or leave it out to have one allocated" }],
    },
    {
      name: "the same pinned block",
      requests: [request("alice", { block: 3 }), request("bob", { block: 3 })],
      expected: [{ path: 'users["bob"].nodePorts.block', message: "block 3 of user bob is already user alice's", fix: "pin user bob to another block, or leave it out" }],
    },
    {
      name: "a pinned block holding another user's given port",
      requests: [request("alice", { ports: { kubeflow: 30031 } }), request("bob", { block: 3 })],
      expected: [{ path: 'users["bob"].nodePorts.block', message: "NodePort 30031 in block 3 of user bob is already user alice's (kubeflow)", fix: "pin user bob to another block, or leave it out" }],
    },
    {
      name: "a pinned block outside the range",
      requests: [request("alice", { block: 276 })],
      expected: [{ path: 'users["alice"].nodePorts.block', message: "276 is not a block of 30000-32767 (0-275)", fix: "pin a block from 0 to 275" }],
    },
  ])("$name", ({ requests, expected }) => {
    expect(allocateNodePorts(requests, DEFAULT).problems).toEqual(expected);
  });

  test("more ports than a block holds", () => {
    const ports = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}`, undefined]));
    expect(allocateNodePorts([request("alice", { ports })], DEFAULT).problems).toEqual([{
      path: 'users["alice"].cluster.ports', message: "user alice needs 11 port offsets, more than the block size 10", fix: "raise settings.portBlockSize or give some ports[] entries a port",
    }]);
  });

  test("no free block left", () => {
    const tiny = { range: { min: 30000, max: 30019 }, blockSize: 10 };
    expect(allocateNodePorts([request("a"), request("b"), request("c")], tiny).problems).toEqual([{
      path: 'users["c"].nodePorts', message: "no free port block left for user c (2 blocks of 10)", fix: "widen settings.nodePortRange or lower settings.portBlockSize",
    }]);
  });

  test.each([
    { options: { range: { min: 32000, max: 31000 }, blockSize: 10 }, path: "settings.nodePortRange", message: "32000-31000 is not a port range" },
    { options: { range: { min: 30000, max: 32767 }, blockSize: 2 }, path: "settings.portBlockSize", message: "2 is not a block size for 30000-32767" },
  ])("settings: $path", ({ options, path, message }) => {
    expect(allocateNodePorts([request("a")], options).problems).toMatchObject([{ path, message }]);
  });
});

describe("stability over random user sets (seeded)", () => {
  const TRIALS = 300;
  const portsOf = (allocs: ReturnType<typeof allocateNodePorts>["allocations"]) => allocs.map((a) => JSON.stringify(a));

  test("appending a user never moves another user's ports", () => {
    const rand = prng(42);
    let appendedErrors = 0;
    for (let t = 0; t < TRIALS; t++) {
      const options = rand() < 0.5 ? SMALL : DEFAULT;
      const users = randomUsers(rand, 1 + Math.floor(rand() * 7), options);
      const before = allocateNodePorts(users, options);
      const [extra] = randomUsers(rand, 1, options).filter((u) => !users.some((x) => x.user === u.user));
      if (!extra) continue;
      const after = allocateNodePorts([...users, extra], options);
      expect(portsOf(after.allocations.slice(0, users.length))).toEqual(portsOf(before.allocations));
      if (after.problems.length > before.problems.length) appendedErrors++;
    }
    // The property is not vacuous: with ten blocks, appends also hit full ranges and taken ports.
    expect(appendedErrors).toBeGreaterThan(0);
  });

  test("inserting a user anywhere never moves the users before it", () => {
    const rand = prng(7);
    for (let t = 0; t < TRIALS; t++) {
      const users = randomUsers(rand, 2 + Math.floor(rand() * 6), SMALL);
      const at = Math.floor(rand() * users.length);
      const [extra] = randomUsers(rand, 1, SMALL).filter((u) => !users.some((x) => x.user === u.user));
      if (!extra) continue;
      const before = allocateNodePorts(users, SMALL);
      const after = allocateNodePorts([...users.slice(0, at), extra, ...users.slice(at)], SMALL);
      expect(portsOf(after.allocations.slice(0, at))).toEqual(portsOf(before.allocations.slice(0, at)));
    }
  });

  test("a pinned user keeps its ports under any reordering of the others", () => {
    const rand = prng(99);
    for (let t = 0; t < TRIALS; t++) {
      const others = randomUsers(rand, 1 + Math.floor(rand() * 5), DEFAULT).map((u) => ({ ...u, wants: u.wants.map((w) => ({ ...w, port: undefined })) }));
      const pinned = request("pinned-user", { block: Math.floor(rand() * 276) });
      const first = allocateNodePorts([pinned, ...others], DEFAULT);
      const shuffled = [...others].sort(() => rand() - 0.5);
      const at = Math.floor(rand() * (others.length + 1));
      const moved = allocateNodePorts([...shuffled.slice(0, at), pinned, ...shuffled.slice(at)], DEFAULT);
      if (moved.problems.some((p) => p.path.startsWith('users["pinned-user"]'))) continue; // an earlier user holds the block: an error, not a move
      expect(moved.allocations[at]).toEqual(first.allocations[0]);
    }
  });

  test("no port is held by two users; allocated ports lie in the range; same input, same output", () => {
    const rand = prng(2024);
    for (let t = 0; t < TRIALS; t++) {
      const options = rand() < 0.5 ? SMALL : DEFAULT;
      const users = randomUsers(rand, 1 + Math.floor(rand() * 9), options);
      const result = allocateNodePorts(users, options);
      expect(allocateNodePorts(users, options)).toEqual(result);
      const failed = new Set(result.problems.map((p) => p.path.match(/^users\["([^"]+)"\]/)?.[1]));
      const seen = new Map<number, string>();
      result.allocations.forEach((a, i) => {
        if (failed.has(users[i].user)) return;
        for (const port of Object.values(a.ports)) {
          expect(seen.get(port)).toBeUndefined();
          seen.set(port, users[i].user);
          expect(port).toBeGreaterThanOrEqual(options.range.min);
          expect(port).toBeLessThanOrEqual(options.range.max);
        }
      });
    }
  });
});
