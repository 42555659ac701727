/**
 * The rule every string of every input obeys, whatever its field: no control characters
 * (C0 U+0000-U+001F, DEL, C1 U+0080-U+009F, which holds NEL U+0085) and no Unicode line or
 * paragraph separators (U+2028, U+2029). vk8s's YAML library writes such a character as
 * part of one string, but libyaml/PyYAML and other YAML 1.1 readers break lines there, so
 * a value holding `\u2028hostNetwork: true` would become a field of its own in a rendered
 * privileged pod spec. Keys are checked as well as values. Messages give the code point and
 * position, never the value (it may be a secret).
 */
import { formatPath, type PathSegment, type Problem } from "../../core/errors";

/** Characters no input string may hold. */
export const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Why `value` is refused, e.g. `holds U+2028 at character 7`, or `undefined` when it is fine. */
export function unsafeTextError(value: string): string | undefined {
  const match = UNSAFE_CHARACTERS.exec(value);
  if (!match) return undefined;
  const code = match[0].codePointAt(0) as number;
  const position = [...value.slice(0, match.index)].length + 1;
  return `holds ${codePoint(code)} at character ${position}, a control character or Unicode line/paragraph separator`;
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

const FIX = "remove the character: no field accepts control characters, U+0085, U+2028 or U+2029";

/**
 * Every unsafe string under `input` (values and map keys, any depth), as problems at
 * `base` + the field's path. Cycles and non-plain objects (Pulumi outputs) are skipped.
 */
export function checkText(input: unknown, base: PathSegment[] = []): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === "string") {
      const error = unsafeTextError(value);
      if (error) problems.push({ path: formatPath(path), message: error, fix: FIX });
      return;
    }
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]));
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return; // not plain data (e.g. a pulumi.Output)
    for (const [key, v] of Object.entries(value)) {
      const keyError = unsafeTextError(key);
      if (keyError) {
        // The key itself cannot name the path readably: point at its parent.
        problems.push({ path: formatPath(path), message: `has a key that ${keyError}`, fix: FIX });
        continue;
      }
      walk(v, [...path, key]);
    }
  };
  walk(input, base);
  return problems;
}
