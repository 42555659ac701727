/**
 * The platform stack: every user of `users.yaml` (or of the `users` config list) gets
 * its own virtual cluster with the Kubeflow version it asked for, as an isolated tenant
 * of the host cluster. Adding a user is one more document at the end of users.yaml (or
 * one more line in the config list) plus its password secret. See README.md.
 *
 * Config:
 *   kubeflowPasswords (secret object)  one Kubeflow password per user name
 *   usersFile                          @default users.yaml (next to this file)
 *   users                              a list of users instead of the file's
 *   settings                           platform settings over the file's kind: Vk8sPlatform
 *   hostAddress                        address of a host node for NodePorts @default 127.0.0.1
 *   awaitVNodes                        wait for vNode pods to be ready @default true
 *   bootstrap                          bootstrap options, or false for host objects only
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Vk8sPlatform } from "../../components";
import { parsePlatformFile } from "../../src/platform/file";
import { PASSWORDS_CONFIG_KEY, requirePassword } from "../../src/platform/secrets";
import type { PlatformSettings, TenantInput } from "../../src/platform/types";

const config = new pulumi.Config();
const usersFile = path.resolve(__dirname, config.get("usersFile") ?? "users.yaml");
const file = parsePlatformFile(fs.readFileSync(usersFile, "utf8"), usersFile);
const users = config.getObject<TenantInput[]>("users") ?? file.users;
const passwords = config.requireSecretObject<Record<string, string>>(PASSWORDS_CONFIG_KEY);

const platform = new Vk8sPlatform("platform", {
  users: users.map((u) => ({ ...u, kubeflowPassword: passwords.apply((p) => requirePassword(p, u.name)) })),
  settings: { ...file.settings, ...config.getObject<PlatformSettings>("settings") },
  hostAddress: config.get("hostAddress"),
  awaitVNodes: config.getBoolean("awaitVNodes"),
  bootstrap: config.getObject("bootstrap"),
});

/** Per user: Kubeflow URL, SSH endpoint, API server, namespace, versions, NodePorts. */
export const endpoints = platform.users;
/** Per user: block and NodePorts, as planned (also in `vk8s render --platform`'s _platform/nodeports.yaml). */
export const nodePorts = Object.fromEntries(platform.plan.tenants.map((t) => [t.name, t.nodePorts]));
/** Per user: admin kubeconfig of the virtual cluster (secret). */
export const kubeconfigs = platform.kubeconfigs;
