/**
 * The install history the original system reported to admins, read back from what the
 * bootstrap steps print. Steps print `VK8S_PHASE <phase> <UTC time>` when a phase starts
 * and `VK8S_NODE <node> <status>` for per-vNode Kubernetes setup.
 */
import { PHASES, type Phase } from "../bootstrap/types";

export interface PhaseEntry {
  phase: Phase;
  /** UTC timestamp printed by the node, `YYYY-MM-DDTHH:MM:SSZ`. */
  time: string;
}

export interface NodeStatus {
  node: string;
  status: string;
}

export interface InstallHistory {
  /** Phases reached, in phase order, first time each was seen. */
  phases: PhaseEntry[];
  /** The last phase reached, or `Waiting: creating node` when nothing ran yet. */
  current: Phase;
  /** Latest status printed per vNode, sorted by node name. */
  nodes: NodeStatus[];
}

const PHASE_LINE = /^VK8S_PHASE (.+) (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;
const NODE_LINE = /^VK8S_NODE (\S+) (\S+)$/;

/** Reads the history from the stdout of the steps, given in plan order. */
export function readInstallHistory(outputs: string[]): InstallHistory {
  const seen = new Map<Phase, string>();
  const nodes = new Map<string, string>();
  for (const out of outputs) {
    for (const line of out.split("\n")) {
      const text = line.trim();
      const phase = PHASE_LINE.exec(text);
      if (phase && (PHASES as readonly string[]).includes(phase[1]) && !seen.has(phase[1] as Phase)) {
        seen.set(phase[1] as Phase, phase[2]);
      }
      const node = NODE_LINE.exec(text);
      if (node) nodes.set(node[1], node[2]);
    }
  }
  const phases = PHASES.filter((p) => seen.has(p)).map((phase) => ({ phase, time: seen.get(phase)! }));
  return {
    phases,
    current: phases.length ? phases[phases.length - 1].phase : PHASES[0],
    nodes: [...nodes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([node, status]) => ({ node, status })),
  };
}
