/** Problems of a platform (many tenants), reported all at once in the `<path>: <problem> (<fix>)` form. */
import { formatProblem, type Problem, quote } from "../core/errors";

/** Thrown by `planPlatform()` with every problem of every tenant. */
export class Vk8sPlatformError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(`invalid vk8s platform:\n${problems.map(formatProblem).join("\n")}`);
    this.name = "Vk8sPlatformError";
    this.problems = problems;
  }
}

/** `users["team-a"]`: how a tenant's fields are addressed in messages (by name, else by index). */
export function userPath(name: unknown, index: number): string {
  return typeof name === "string" && name !== "" ? `users[${quote(name)}]` : `users[${index}]`;
}
