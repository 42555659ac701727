/**
 * An SSH key pair kept in Pulumi state (as a secret): generated once on create, then stable
 * across every `pulumi up`, so the bootstrap commands that use it never re-run because
 * of a new key. A dynamic provider, because no key-generating provider plugin can be
 * installed here; the key never leaves the state file except as a secret output.
 */
import * as pulumi from "@pulumi/pulumi";

interface KeyPairOutputs {
  publicKeyOpenssh: string;
  privateKeyPem: string;
}

const keyPairProvider: pulumi.dynamic.ResourceProvider = {
  async create(): Promise<pulumi.dynamic.CreateResult> {
    // Required here, not imported at top level: the provider is serialised into state.
    const crypto = require("crypto");
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const raw: Buffer = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
    const field = (b: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const blob = Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]);
    const outs: KeyPairOutputs = {
      publicKeyOpenssh: `ssh-ed25519 ${blob.toString("base64")} vk8s`,
      privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    };
    return { id: crypto.createHash("sha256").update(blob).digest("hex").slice(0, 16), outs };
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
