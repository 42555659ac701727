import { parseCidr, parseIpv4Cidr, cidrsOverlap, isIpv4Address } from "../src/core/cidr";
import { formatPath, formatProblem, Vk8sValidationError } from "../src/core/errors";
import { dns1123LabelError, isExtendedResource, labelKeyError, labelValueError, resourceNameError } from "../src/core/names";
import { Quantity } from "../src/core/quantity";

describe("Quantity: canonical form as the Kubernetes API server prints it", () => {
  test.each<[string | number, string]>([
    ["1", "1"],
    [1, "1"],
    ["1000m", "1"],
    ["0.5", "500m"],
    [0.5, "500m"],
    ["100m", "100m"],
    ["0.1m", "100u"],
    ["1.5", "1500m"],
    ["2000", "2k"],
    ["1500", "1500"],
    ["16Gi", "16Gi"],
    ["1024Mi", "1Gi"],
    ["1.5Gi", "1536Mi"],
    ["512", "512"],
    ["0.5Ki", "512"],
    ["16G", "16G"],
    ["16000M", "16G"],
    ["1e3", "1e3"],
    ["1.5e3", "1500"],
    ["0", "0"],
    ["0Gi", "0"],
    [" 10 ", "10"],
  ])("%p -> %s", (input, expected) => {
    const result = Quantity.parse(input);
    if (!("quantity" in result)) throw new Error(result.error);
    expect(result.quantity.toString()).toBe(expected);
  });

  test.each([["1x"], ["Gi"], ["1 Gi"], ["1.2.3"], ["--1"], ["1gi"], [""], ["1e31"]])("%p is refused", (input) => {
    expect(Quantity.parse(input)).toEqual({
      error: input === "1e31" ? `"1e31" is too large for a Kubernetes quantity` : `${JSON.stringify(input.trim())} is not a Kubernetes quantity`,
    });
  });

  test("comparison is exact across suffixes; whole and negative values are recognised", () => {
    const q = (s: string) => (Quantity.parse(s) as { quantity: Quantity }).quantity;
    expect(q("1Gi").compare(q("1024Mi"))).toBe(0);
    expect(q("1G").compare(q("1Gi"))).toBe(-1);
    expect(q("1100m").compare(q("1"))).toBe(1);
    expect(q("2").isWhole()).toBe(true);
    expect(q("1500m").isWhole()).toBe(false);
    expect(q("-1").isNegative()).toBe(true);
    expect(q("3").wholeUnits()).toBe(3n);
  });
});

describe("IPv4 CIDRs", () => {
  test.each<[string, string | undefined, boolean]>([
    ["80.244.0.0/16", "80.244.0.0/16", false],
    ["10.96.0.0/12", "10.96.0.0/12", false],
    ["80.244.1.0/16", "80.244.0.0/16", true],
    ["0.0.0.0/0", "0.0.0.0/0", false],
    ["10.0.0.1/32", "10.0.0.1/32", false],
    ["10.0.0.0/33", undefined, false],
    ["10.0.0/8", undefined, false],
    ["010.0.0.0/8", undefined, false],
    ["256.0.0.0/8", undefined, false],
    ["10.0.0.0", undefined, false],
    ["fd00::/64", undefined, false],
  ])("%s", (text, canonical, hostBits) => {
    const cidr = parseIpv4Cidr(text);
    expect(cidr?.text).toBe(canonical);
    if (cidr) expect(cidr.hostBitsSet).toBe(hostBits);
  });

  test("overlap", () => {
    const c = (t: string) => parseIpv4Cidr(t)!;
    expect(cidrsOverlap(c("80.244.0.0/16"), c("80.96.0.0/12"))).toBe(false);
    expect(cidrsOverlap(c("80.96.0.0/12"), c("80.100.0.0/16"))).toBe(true);
    expect(cidrsOverlap(c("10.0.0.0/8"), c("10.255.255.255/32"))).toBe(true);
    expect(cidrsOverlap(c("10.0.0.0/24"), c("10.0.1.0/24"))).toBe(false);
  });
});

describe("Kubernetes names", () => {
  test.each<[string, string | undefined]>([
    ["sample3", undefined],
    ["a", undefined],
    ["Sample", `"Sample" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`],
    ["-a", `"-a" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`],
    ["a".repeat(64), `"${"a".repeat(64)}" is 64 characters, over the 63 of a DNS-1123 label`],
  ])("DNS-1123 label %p", (value, error) => expect(dns1123LabelError(value)).toBe(error));

  test.each<[string, string | undefined]>([
    ["team", undefined],
    ["example.com/team", undefined],
    ["update", undefined],
    ["a_b.c-d", undefined],
    ["Bad Key", `label key "Bad Key" is not valid (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`],
    ["Example.com/team", `label key "Example.com/team": prefix "Example.com" is not a DNS-1123 subdomain`],
  ])("label key %p", (key, error) => expect(labelKeyError(key)).toBe(error));

  test.each<[string, string | undefined]>([
    ["", undefined],
    ["test", undefined],
    ["a b", `label value "a b" is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`],
  ])("label value %p", (value, error) => expect(labelValueError(value)).toBe(error));

  test.each<[string, string | undefined, boolean]>([
    ["cpu", undefined, false],
    ["memory", undefined, false],
    ["ephemeral-storage", undefined, false],
    ["hugepages-2Mi", undefined, false],
    ["nvidia.com/gpu", undefined, true],
    ["kubernetes.io/something", undefined, false],
    ["gpu", `unknown resource "gpu"`, false],
  ])("resource name %p", (name, error, extended) => {
    expect(resourceNameError(name)).toBe(error);
    expect(isExtendedResource(name)).toBe(extended);
  });
});

describe("problem format", () => {
  test.each<[(string | number)[], string]>([
    [["nodes", 1, "resources", "limits", "cpu"], "nodes[1].resources.limits.cpu"],
    [["nodes", 0, "resources", "limits", "nvidia.com/gpu"], `nodes[0].resources.limits["nvidia.com/gpu"]`],
    [["labels", "sidecar.istio.io/inject"], `labels["sidecar.istio.io/inject"]`],
    [[], "spec"],
  ])("path %j -> %s", (segments, text) => expect(formatPath(segments)).toBe(text));

  test("formatProblem and Vk8sValidationError", () => {
    const problems = [
      { path: "nodes", message: "has no node with role master", fix: "give exactly one node role: master" },
      { path: "ports[0].port", message: "8080 is outside the NodePort range 30000-32767", fix: "choose a port in 30000-32767" },
    ];
    expect(formatProblem(problems[0])).toBe("nodes: has no node with role master (give exactly one node role: master)");
    const error = new Vk8sValidationError({ kind: "virtual cluster", name: "sample3" }, problems);
    expect(error).toBeInstanceOf(Error);
    expect(error.problems).toBe(problems);
    expect(error.message).toBe(
      'invalid virtual cluster "sample3":\n' +
        "nodes: has no node with role master (give exactly one node role: master)\n" +
        "ports[0].port: 8080 is outside the NodePort range 30000-32767 (choose a port in 30000-32767)",
    );
  });
});

describe("CIDRs of both families (ipaddr.js)", () => {
  test.each<[string, string | undefined, boolean]>([
    ["fd00::/64", "fd00::/64", false],
    ["FD00:0:0:0:0:0:0:0/64", "fd00::/64", false],
    ["fd00::1:0/64", "fd00::/64", true],
    ["::/0", "::/0", false],
    ["80.244.1.0/16", "80.244.0.0/16", true],
    ["fd00::/129", undefined, false],
    ["fd00::/064", undefined, false],
    ["fe80::1%eth0/64", undefined, false],
    ["0x0a.0.0.0/8", undefined, false],
    ["10.1/16", undefined, false],
    ["fd00::", undefined, false],
  ])("%s", (text, canonical, hostBits) => {
    const cidr = parseCidr(text);
    expect(cidr?.text).toBe(canonical);
    if (cidr) expect(cidr.hostBitsSet).toBe(hostBits);
  });

  test("IPv6 overlap, and never across families", () => {
    const c = (t: string) => parseCidr(t)!;
    expect(cidrsOverlap(c("fd00::/8"), c("fd12:3456::/32"))).toBe(true);
    expect(cidrsOverlap(c("fd00::/64"), c("fd00:0:0:1::/64"))).toBe(false);
    expect(cidrsOverlap(c("::/0"), c("0.0.0.0/0"))).toBe(false);
    expect(parseIpv4Cidr("fd00::/64")).toBeUndefined();
  });

  test.each([["10.0.0.1", true], ["010.0.0.1", false], ["10.0.1", false], ["::1", false], ["256.1.1.1", false]])("IPv4 address %s: %s", (text, ok) => {
    expect(isIpv4Address(text)).toBe(ok);
  });
});
