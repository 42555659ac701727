/**
 * Two program details found by the hardening review (issue 11): the status step's check for the
 * upstream default login compares whole email values, and the dex step writes every value as a
 * YAML double-quoted scalar, whatever characters it holds. The awk programs are taken from the
 * step programs themselves and run for real.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const PROGRAMS = path.resolve(__dirname, "../src/bootstrap/programs");

/** The single-quoted awk program that follows `marker` in a program file. */
function awkProgram(file: string, marker: string): string {
  const text = fs.readFileSync(path.join(PROGRAMS, file), "utf8");
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  const start = text.indexOf("'", at + marker.length) + 1;
  // The program ends at the first single quote that is not part of a '"'"' sequence.
  let end = start;
  for (;;) {
    end = text.indexOf("'", end);
    if (text.startsWith(`'"'"'`, end)) { end += 5; continue; }
    break;
  }
  return text.slice(start, end).replace(/'"'"'/g, "'");
}

function awk(args: string[], program: string, input: string, env: Record<string, string> = {}) {
  return spawnSync("awk", [...args, program], { input, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("status: the upstream default login", () => {
  const program = awkProgram("status.sh", "| awk -v login=\"$VK8S_CHECK_DEFAULT_LOGIN\"");
  const dex = (email: string) => `staticPasswords:\n- email: ${email}\n  hash: x\n`;
  test.each([
    ["user@example.com", true],
    ['"user@example.com"', true],
    ["myuser@example.com", false],
    ['"user@example.com.evil"', false],
  ])("email %s counts as the default: %s", (email, isDefault) => {
    const r = awk(["-v", "login=user@example.com"], program, dex(email));
    expect(r.status).toBe(isDefault ? 0 : 1);
  });
});

describe("dex: values are YAML double-quoted scalars", () => {
  const program = awkProgram("dex-login.sh", "awk -v mode=\"$VK8S_DEX_MODE\"");
  test("an email with a quote and a backslash stays one value", () => {
    const email = 'a"b\\c@example.com';
    const r = awk(["-v", "mode=secret"], program, "issuer: x\nstaticPasswords:\n- email: user@example.com\n  hashFromEnv: DEX_USER_PASSWORD\n", {
      VK8S_DEX_EMAIL: email, VK8S_DEX_USERNAME: "user", VK8S_DEX_USER_ID: "id-1", VK8S_DEX_HASH: "",
    });
    expect(r.status).toBe(0);
    const config = parse(r.stdout);
    expect(config.staticPasswords).toEqual([{ email, hashFromEnv: "DEX_USER_PASSWORD", username: "user", userID: "id-1" }]);
    expect(config.issuer).toBe("x");
  });
});
