/**
 * Kubernetes resource quantities (`"1"`, `500m`, `16Gi`, `1.5e3`), parsed exactly and
 * printed the way the API server prints them (`1000m` -> `1`, `1024Mi` -> `1Gi`,
 * `0.5` -> `500m`), so a rendered StatefulSet matches what `kubectl get -o yaml` shows
 * and diffs stay quiet.
 *
 * Values are held as a whole number of nano-units (BigInt); like Kubernetes, anything finer
 * than 1n is rounded up.
 */
import { quote } from "./errors";

/** How the value was written; decides how it is printed back (as in apimachinery). */
export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));

const GRAMMAR = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const NANO = 1_000_000_000n;
/** Kubernetes caps quantities at 2^63-1 (of the unit). */
const MAX_NANOS = (2n ** 63n - 1n) * NANO;

export class Quantity {
  private constructor(
    /** The value in nano-units (1 = 1n = 10^-9). */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
  ) {}

  /** Parses a quantity as written in YAML (string or number), or says why it is not one. */
  static parse(input: string | number): { quantity: Quantity } | { error: string } {
    const text = typeof input === "number" ? String(input) : input.trim();
    const m = GRAMMAR.exec(text);
    if (!m) return { error: `${quote(text)} is not a Kubernetes quantity` };
    const [, sign, number, suffix = ""] = m;
    const [whole, fraction = ""] = number.split(".");
    const mantissa = BigInt(`${whole}${fraction}` || "0");
    const scale = fraction.length;
    let format: QuantityFormat = "DecimalSI";
    let nanos: bigint;
    if (BINARY_SUFFIXES.includes(suffix as (typeof BINARY_SUFFIXES)[number]) && suffix !== "") {
      format = "BinarySI";
      const power = 1024n ** BigInt(BINARY_SUFFIXES.indexOf(suffix as (typeof BINARY_SUFFIXES)[number]));
      nanos = ceilDiv(mantissa * power * NANO, 10n ** BigInt(scale));
    } else {
      let exponent: number;
      if (/^[eE]/.test(suffix)) {
        format = "DecimalExponent";
        exponent = Number(suffix.slice(1));
        if (exponent > 30) return { error: `${quote(text)} is too large for a Kubernetes quantity` };
        exponent = Math.max(exponent, -30);
      } else {
        exponent = DECIMAL_SUFFIXES[suffix];
      }
      const shift = exponent + 9 - scale;
      nanos = shift >= 0 ? mantissa * 10n ** BigInt(shift) : ceilDiv(mantissa, 10n ** BigInt(-shift));
    }
    if (nanos > MAX_NANOS) return { error: `${quote(text)} is too large for a Kubernetes quantity` };
    return { quantity: new Quantity(sign === "-" ? -nanos : nanos, format) };
  }

  isNegative(): boolean {
    return this.nanos < 0n;
  }

  /** True when the value is a whole number of units (GPUs and other extended resources must be). */
  isWhole(): boolean {
    return this.nanos % NANO === 0n;
  }

  /** The value in whole units, rounded toward zero. */
  wholeUnits(): bigint {
    return this.nanos / NANO;
  }

  /** Negative, zero or positive as this is less than, equal to or more than `other`. */
  compare(other: Quantity): number {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** The canonical text, as the Kubernetes API server prints it. */
  toString(): string {
    if (this.nanos === 0n) return "0";
    const sign = this.nanos < 0n ? "-" : "";
    const abs = this.nanos < 0n ? -this.nanos : this.nanos;
    if (this.format === "BinarySI" && abs >= 1024n * NANO && abs % NANO === 0n) {
      let units = abs / NANO;
      let power = 0;
      while (power < BINARY_SUFFIXES.length - 1 && units % 1024n === 0n) {
        units /= 1024n;
        power++;
      }
      return `${sign}${units}${BINARY_SUFFIXES[power]}`;
    }
    let mantissa = abs;
    let exponent = -9;
    while (exponent < 18 && mantissa % 1000n === 0n) {
      mantissa /= 1000n;
      exponent += 3;
    }
    if (this.format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
    return `${sign}${mantissa}${DECIMAL_BY_EXPONENT.get(exponent)}`;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
