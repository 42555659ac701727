/**
 * Turns the pure bootstrap plan (`src/bootstrap/plan.ts`) into one `command.remote.Command`
 * per step, chained with `dependsOn` along the plan's graph. Nothing here decides *what*
 * runs: scripts, order, triggers and secrecy all come from the plan.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { BootstrapStep } from "../src/bootstrap/types";
import { cleanupCompanion } from "../src/plan/commands";

/** How one vNode is reached over SSH. */
export interface NodeSsh {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Jump host (the access pod) when the vNode is not directly reachable. */
  proxy?: { host: pulumi.Input<string>; port: pulumi.Input<number>; user: string };
}

export interface BootstrapCommandsArgs {
  /** The plan: ids, order, nodes, secrecy and stdin are read from it. */
  steps: BootstrapStep[];
  /**
   * Steps whose programs and triggers depend on values known only at run time: their
   * `script`, `deleteScript` and `triggers` are read from `steps` once it resolves.
   * @default none
   */
  liveSteps?: { ids: Set<string>; step: (id: string) => pulumi.Output<BootstrapStep> };
  /** SSH endpoint of each vNode, by node name. */
  nodes: Record<string, NodeSsh>;
  user: pulumi.Input<string>;
  privateKey: pulumi.Input<string>;
  /** Pinned host key (`ssh-ed25519 AAAA...`), when known. */
  hostKey?: pulumi.Input<string>;
  /** Seconds one dial attempt may take. */
  perDialTimeout: number;
  /** Dial attempts before a step fails with "unreachable". */
  dialErrorLimit: number;
  /** Secret values a step can read on stdin, by name (e.g. `dexPasswordHash`). */
  stdinSecrets: Record<string, pulumi.Input<string>>;
  /** Resources each node's first step waits for (its vNode StatefulSet, the access pod...). */
  nodeDependencies: Record<string, pulumi.Resource[]>;
  /** Live triggers by step id, after the plan's (`state:<node>=<uid>` of the node states it lives in). */
  stateTriggers?: Record<string, pulumi.Input<string>[]>;
}

/** Creates the commands; returns them by step id. */
export function createBootstrapCommands(
  prefix: string,
  args: BootstrapCommandsArgs,
  parent: pulumi.Resource,
): Record<string, command.remote.Command> {
  const created: Record<string, command.remote.Command> = {};
  const connectionTo = (node: string) => {
    const ssh = args.nodes[node];
    if (!ssh) throw new Error(`vk8s: a bootstrap step runs on unknown node "${node}"`);
    const auth = {
      privateKey: args.privateKey,
      hostKey: args.hostKey,
      perDialTimeout: args.perDialTimeout,
      dialErrorLimit: args.dialErrorLimit,
    };
    return {
      host: ssh.host,
      port: ssh.port,
      user: args.user,
      ...auth,
      proxy: ssh.proxy && { host: ssh.proxy.host, port: ssh.proxy.port, user: ssh.proxy.user, ...auth },
    };
  };
  for (const step of args.steps) {
    const dependsOn: pulumi.Resource[] = [
      ...(args.nodeDependencies[step.node] ?? []),
      ...step.dependsOn.map((id) => {
        const dep = created[id];
        if (!dep) throw new Error(`vk8s: bootstrap step ${step.id} depends on ${id}, which is not planned before it`);
        return dep;
      }),
    ];
    const companion = cleanupCompanion(step);
    // One Output per field read: a refused value then fails each with an error of its own.
    const live = args.liveSteps?.ids.has(step.id) ? () => args.liveSteps!.step(step.id) : undefined;
    const script = live ? live().apply((s) => s.script) : step.script;
    const deleteScript = live && step.deleteScript !== undefined ? live().apply((s) => s.deleteScript ?? "") : step.deleteScript;
    const triggers = live ? live().apply((s) => s.triggers) : step.triggers;
    created[step.id] = new command.remote.Command(`${prefix}-${step.id}`, {
      connection: connectionTo(step.node), // the private key makes it a secret
      create: script,
      delete: companion ? undefined : deleteScript,
      stdin: stdinOf(step, args.stdinSecrets, created),
      triggers: pulumi.all([triggers, ...(args.stateTriggers?.[step.id] ?? [])]).apply(([planned, ...state]) => [...planned, ...state]),
      addPreviousOutputInEnv: false,
      logging: step.secretOutput ? "none" : "stdoutAndStderr",
    }, {
      parent,
      dependsOn,
      additionalSecretOutputs: step.secretOutput ? ["stdout", "stderr"] : [],
    });
    if (companion) {
      // Pulumi deletes the companion first (it depends on the step), so runs the clean-up first.
      created[companion.id] = new command.remote.Command(`${prefix}-${companion.id}`, {
        connection: connectionTo(companion.node),
        create: companion.create,
        delete: deleteScript,
        triggers,
        addPreviousOutputInEnv: false,
      }, { parent, dependsOn: [created[step.id]] });
    }
  }
  return created;
}

function stdinOf(
  step: BootstrapStep,
  secrets: Record<string, pulumi.Input<string>>,
  created: Record<string, command.remote.Command>,
): pulumi.Input<string> | undefined {
  if (!step.stdin) return undefined;
  if ("secret" in step.stdin) {
    const value = secrets[step.stdin.secret];
    if (value === undefined) throw new Error(`vk8s: step ${step.id} needs secret ${step.stdin.secret}`);
    return pulumi.secret(value);
  }
  const source = created[step.stdin.stepOutput];
  if (!source) throw new Error(`vk8s: step ${step.id} reads the output of ${step.stdin.stepOutput}, which is not planned before it`);
  return pulumi.secret(source.stdout);
}
