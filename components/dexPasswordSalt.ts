/**
 * The bcrypt salt of a cluster's dex password, kept in Pulumi state (as a secret): bcrypt's
 * own random salt (`bcryptjs.genSaltSync`, cost DEX_BCRYPT_COST), generated once on create,
 * then stable across every `pulumi up`, so the dex password hash, and with it the dex step,
 * changes only when the password does. A dynamic provider for the reason SshKeyPair is one:
 * no random-value provider plugin (@pulumi/random) can be installed here.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEX_BCRYPT_COST } from "../src/bootstrap/password";

/**
 * bcryptjs' absolute path, resolved here: the provider's closure is serialised into state
 * and runs in the dynamic provider host (see sshKeyPair.ts).
 */
const BCRYPTJS_PATH = require.resolve("bcryptjs");

/** A fresh salt (`$2b$10$` + 22 characters) and a random id that says nothing about it. */
export function generateDexPasswordSalt(): { id: string; outs: { salt: string } } {
  // Required here, not imported at top level: the provider is serialised into state.
  const crypto = require("crypto");
  const bcrypt = require(BCRYPTJS_PATH);
  return { id: crypto.randomUUID(), outs: { salt: bcrypt.genSaltSync(DEX_BCRYPT_COST) } };
}

const saltProvider: pulumi.dynamic.ResourceProvider = {
  async create(): Promise<pulumi.dynamic.CreateResult> {
    return generateDexPasswordSalt();
  },
  async diff(): Promise<pulumi.dynamic.DiffResult> {
    return { changes: false };
  },
};

/** A stable random bcrypt salt (secret), for `hashDexPassword`. */
export class DexPasswordSalt extends pulumi.dynamic.Resource {
  /** `$2b$10$` + 22 characters of bcrypt's base64 (secret). */
  declare public readonly salt: pulumi.Output<string>;

  /**
   * `namespace`: the cluster's host namespace once validation has passed (the component's
   * namespace gate). Registration waits for it, so a refused cluster gets no salt; a change
   * of it does not replace the salt (the provider reports no diff).
   */
  constructor(name: string, args: { namespace: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super(saltProvider, name, { namespace: args.namespace, salt: undefined }, { ...opts, additionalSecretOutputs: ["salt"] }, "vk8s", "DexPasswordSalt");
  }
}
