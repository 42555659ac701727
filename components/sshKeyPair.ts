/**
 * An SSH key pair kept in Pulumi state (as a secret): generated once on create, then stable
 * across every `pulumi up`, so the bootstrap commands that use it never re-run because
 * of a new key. A dynamic provider, because no key-generating provider plugin can be
 * installed here (@pulumi/tls needs a plugin download); the key never leaves the state file
 * except as a secret output.
 *
 * node:crypto generates the ed25519 key; `sshpk` (Joyent's SSH key library) writes its
 * public half in OpenSSH's `authorized_keys` format (RFC 4253 wire encoding, base64).
 */
import * as pulumi from "@pulumi/pulumi";

/** What the provider keeps in state. */
export interface KeyPairOutputs {
  /** `ssh-ed25519 AAAA... <comment>`, one authorized_keys line. */
  publicKeyOpenssh: string;
  /** PKCS#8 PEM private key (what `@pulumi/command`'s `privateKey` takes). */
  privateKeyPem: string;
}

/**
 * sshpk's absolute path, resolved here: the provider's closure is serialised into state and
 * runs in the dynamic provider host, whose own `require` would look beside @pulumi/pulumi
 * and miss a copy of sshpk installed under @vk8s/vk8s.
 */
const SSHPK_PATH = require.resolve("sshpk");

/** A fresh ed25519 pair, and the id the resource takes: 16 hex digits of the sha256 of the public key blob. */
export function generateSshKeyPair(comment = "vk8s"): { id: string; outs: KeyPairOutputs } {
  // Required here, not imported at top level: the provider is serialised into state.
  const crypto = require("crypto");
  const sshpk = require(SSHPK_PATH);
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const key = sshpk.parseKey(publicKey.export({ format: "pem", type: "spki" }), "pem");
  key.comment = comment;
  const blob: Buffer = key.toBuffer("rfc4253");
  const outs: KeyPairOutputs = {
    publicKeyOpenssh: key.toString("ssh"),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
  };
  return { id: crypto.createHash("sha256").update(blob).digest("hex").slice(0, 16), outs };
}

const keyPairProvider: pulumi.dynamic.ResourceProvider = {
  async create(): Promise<pulumi.dynamic.CreateResult> {
    return generateSshKeyPair();
  },
  async diff(): Promise<pulumi.dynamic.DiffResult> {
    return { changes: false };
  },
};

/** A stable ed25519 key pair whose private half is a secret. */
export class SshKeyPair extends pulumi.dynamic.Resource {
  /** `ssh-ed25519 AAAA... vk8s`, for authorized_keys. */
  declare public readonly publicKeyOpenssh: pulumi.Output<string>;
  /** PKCS#8 PEM private key (secret). */
  declare public readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(keyPairProvider, name, { publicKeyOpenssh: undefined, privateKeyPem: undefined },
      { ...opts, additionalSecretOutputs: ["privateKeyPem"] }, "vk8s", "SshKeyPair");
  }
}
