import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateSshKeyPair } from "../components/sshKeyPair";

/** RFC 4253 string: uint32 big-endian length, then the bytes (written out here to check sshpk's output independently). */
function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

describe("generateSshKeyPair (node:crypto key, sshpk OpenSSH format)", () => {
  const { id, outs } = generateSshKeyPair();

  test("the public line is the ssh-ed25519 wire encoding of the private key's public half", () => {
    const [type, body, comment, ...rest] = outs.publicKeyOpenssh.split(" ");
    expect([type, comment, rest]).toEqual(["ssh-ed25519", "vk8s", []]);
    const raw = Buffer.from(crypto.createPublicKey(outs.privateKeyPem).export({ format: "jwk" }).x as string, "base64url");
    const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
    expect(body).toBe(blob.toString("base64"));
    expect(id).toBe(crypto.createHash("sha256").update(blob).digest("hex").slice(0, 16));
    expect(outs.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
  });

  test("every call makes a new key", () => {
    expect(generateSshKeyPair().outs.publicKeyOpenssh).not.toBe(outs.publicKeyOpenssh);
  });

  const sshKeygen = ["/usr/bin/ssh-keygen", "/bin/ssh-keygen"].find((p) => fs.existsSync(p));
  (sshKeygen ? test : test.skip)("ssh-keygen -l reads the line as an ED25519 key with the same SHA256 fingerprint", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-sshkey-"));
    try {
      const file = path.join(dir, "id.pub");
      fs.writeFileSync(file, `${outs.publicKeyOpenssh}\n`);
      const r = spawnSync(sshKeygen!, ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      const blob = Buffer.from(outs.publicKeyOpenssh.split(" ")[1], "base64");
      const fingerprint = crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
      expect(r.stdout).toBe(`256 SHA256:${fingerprint} vk8s (ED25519)\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
