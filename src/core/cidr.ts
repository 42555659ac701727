/** IPv4 CIDR blocks: parsing, overlap. (IPv6 and dual-stack are not supported yet.) */

export interface Ipv4Cidr {
  /** First address of the block as an unsigned 32-bit number. */
  start: number;
  /** Last address of the block. */
  end: number;
  prefix: number;
  /** Canonical text: the network address and prefix, e.g. `10.244.0.0/16`. */
  text: string;
  /** The address as written had bits set below the prefix (`10.244.1.0/16`). */
  hostBitsSet: boolean;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** Parses `a.b.c.d/p`; `undefined` when it is not an IPv4 CIDR (octets without leading zeros). */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const [address, prefixText, ...rest] = text.split("/");
  if (rest.length > 0 || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const octets = address.split(".");
  if (prefix > 32 || octets.length !== 4 || !octets.every((o) => OCTET.test(o) && Number(o) <= 255)) return undefined;
  const value = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(value / size) * size;
  return {
    start,
    end: start + size - 1,
    prefix,
    text: `${formatIpv4(start)}/${prefix}`,
    hostBitsSet: start !== value,
  };
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
