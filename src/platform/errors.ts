/** How a platform's problems are addressed; they are raised as `Vk8sValidationError` (subject `vk8s platform`). */
import { quote } from "../core/errors";

/** `users["team-a"]`: how a tenant's fields are addressed in messages (by name, else by index). */
export function userPath(name: unknown, index: number): string {
  return typeof name === "string" && name !== "" ? `users[${quote(name)}]` : `users[${index}]`;
}
