/** Problems and field paths live in the bottom layer (`src/core/errors.ts`); this path keeps its importers working. */
export * from "../core/errors";
