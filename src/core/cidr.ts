/**
 * CIDR blocks: parsing, canonical text, overlap, for IPv4 and IPv6, on `ipaddr.js` (the
 * address parser Node's ecosystem uses, e.g. `proxy-addr` under Express). Whether a
 * family is accepted is a rule's decision (src/cluster/rules/network.ts refuses IPv6 while
 * dual-stack is not supported), never the parser's.
 */
import ipaddr from "ipaddr.js";

/** Address family as ipaddr.js names it (`address.kind()`). */
export type CidrFamily = "ipv4" | "ipv6";

export interface Cidr {
  family: CidrFamily;
  /** The network address (host bits cleared). */
  network: ipaddr.IPv4 | ipaddr.IPv6;
  /** Prefix length in bits: 0-32 (IPv4) or 0-128 (IPv6). */
  prefix: number;
  /** Canonical text: the network address and prefix, e.g. `10.244.0.0/16`, `fd00::/64` (RFC 5952). */
  text: string;
  /** The address as written had bits set below the prefix (`10.244.1.0/16`). */
  hostBitsSet: boolean;
}

/** An IPv4 block (kept as a name for the callers that take IPv4 only). */
export type Ipv4Cidr = Cidr & { family: "ipv4" };

const PREFIX = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses `address/prefix`, IPv4 or IPv6; `undefined` when it is not a CIDR. Stricter than
 * `ipaddr.parseCIDR` where Kubernetes is: IPv4 only in four-part decimal without leading
 * zeros (`010.0.0.0` is octal to some parsers), no IPv6 zone (`%eth0`), no leading zeros
 * in the prefix.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.lastIndexOf("/");
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (slash < 0 || !PREFIX.test(prefixText) || address.includes("%")) return undefined;
  if (!ipaddr.IPv6.isValid(address) && !isIpv4Address(address)) return undefined;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return undefined;
  }
  const [written, prefix] = parsed;
  const family = written.kind();
  const network = family === "ipv4"
    ? ipaddr.IPv4.networkAddressFromCIDR(text)
    : ipaddr.IPv6.networkAddressFromCIDR(text);
  return {
    family,
    network,
    prefix,
    text: `${network.toString()}/${prefix}`,
    hostBitsSet: network.toString() !== written.toString(),
  };
}

/** Parses an IPv4 `a.b.c.d/p`; `undefined` for anything else, IPv6 included. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const cidr = parseCidr(text);
  return cidr?.family === "ipv4" ? (cidr as Ipv4Cidr) : undefined;
}

/** An IPv4 address in four-part decimal without leading zeros (`10.0.0.1`). */
export function isIpv4Address(text: string): boolean {
  // isValidFourPartDecimal refuses leading zeros, hex, and the short forms (`10.1`).
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** True when the two blocks share at least one address (never across families). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  // Two CIDR blocks either nest or are disjoint: they overlap when one holds the other's network.
  const contains = (outer: Cidr, inner: Cidr) =>
    (inner.network as ipaddr.IPv4).match(outer.network as ipaddr.IPv4, outer.prefix);
  return contains(a, b) || contains(b, a);
}
