/**
 * The bootstrap plan as the remote commands that run it, where that differs from one
 * command per step: a step whose clean-up must run on another vNode (the drain of a removed
 * worker runs on the master) gets a companion command there, since one command has one
 * connection.
 */
import type { BootstrapStep } from "../bootstrap/types";

/** The companion command of a step whose `deleteScript` runs on `deleteNode`. */
export interface CleanupCompanion {
  /** `<step id>-cleanup`: the command's id (resource name suffix). */
  id: string;
  /** The vNode the clean-up runs on. */
  node: string;
  /** What the companion runs when created: a note only; its delete runs the step's `deleteScript`. */
  create: string;
}

/** The step's companion, or `undefined` when its clean-up (if any) runs on its own vNode. */
export function cleanupCompanion(step: Pick<BootstrapStep, "id" | "node" | "deleteNode" | "deleteScript">): CleanupCompanion | undefined {
  if (step.deleteScript === undefined || (step.deleteNode ?? step.node) === step.node) return undefined;
  const node = step.deleteNode as string;
  return { id: `${step.id}-cleanup`, node, create: `echo 'vk8s: ${step.id} is cleaned up from ${node} when removed'` };
}
