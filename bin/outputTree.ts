/**
 * Writing a rendered tree where `vk8s render --out` is asked to, and nowhere else:
 *
 * - **No symlink is followed.** The tree root, every folder on the way to a rendered file
 *   and every file vk8s would replace or remove must be a real folder or file; a symlink
 *   anywhere there stops the render before anything is written, naming it (a GitOps pull
 *   request could plant one pointing outside the tree).
 * - **Only what vk8s wrote is removed.** The tree keeps a record of the files vk8s wrote,
 *   `MANIFEST_NAME` (sorted paths only, so it changes only when the set of files does and a
 *   GitOps diff of a changed value stays one hunk). A file the spec no longer produces is
 *   removed only when it is in that record and is a regular file; anything else (a
 *   `users.yaml`, a `kustomization.yaml`, a `.git` folder) stays.
 * - **A failure leaves the previous tree as it was.** Every new file is first written into
 *   a staging folder inside the output folder (same filesystem); only when all are written
 *   are they moved into place, each by one `rename` (atomic), then stale files go and the
 *   record is replaced (by rename too). Problems found up front (a file where a folder must
 *   be, a symlink) stop the render before the staging starts.
 *
 * Errors are `OutputTreeError`, with a message naming the path and the way out.
 */
import * as fs from "fs";
import * as path from "path";

/** The record of written files, at the root of every tree vk8s writes. */
export const MANIFEST_NAME = ".vk8s-rendered.json";
const STAGING_PREFIX = ".vk8s-staging-";

export interface TreeFile {
  /** Relative path inside the tree, `/`-separated, no `..`. */
  path: string;
  content: string;
}

/** A tree that cannot be written safely; nothing was changed. */
export class OutputTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputTreeError";
  }
}

interface Manifest {
  /** Relative paths of the files vk8s wrote. */
  files: string[];
}

export interface WriteResult {
  changed: number;
  removed: number;
  /** Stale files kept because what stands there now is not what vk8s wrote (a link or a folder). */
  kept: string[];
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new OutputTreeError(`a part of ${p} is a file where a folder must be (give --out a folder)`);
    throw new OutputTreeError(`cannot inspect ${p}: ${code ?? (e as Error).message}`);
  }
}

/** A relative path that stays inside the tree. */
export function isSafeRelativePath(p: string): boolean {
  return p !== "" && !path.isAbsolute(p) && !p.split(/[\\/]/).some((s) => s === "" || s === "." || s === "..") && !p.includes("\0");
}

/** Reads the record; a missing one is empty, a malformed one is an error (never guessed). */
function readManifest(root: string): Manifest {
  const file = path.join(root, MANIFEST_NAME);
  const stat = lstat(file);
  if (!stat) return { files: [] };
  if (!stat.isFile()) throw new OutputTreeError(`${file} is not a regular file (it is vk8s's record of the files it wrote: remove the link or folder)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    throw new OutputTreeError(`${file} is not valid JSON (it is vk8s's record of the files it wrote: restore it from git, or delete it to keep every existing file)`);
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  const ok = Array.isArray(files) && files.every((p) => typeof p === "string" && isSafeRelativePath(p) && p !== MANIFEST_NAME);
  if (!ok) throw new OutputTreeError(`${file} is not a vk8s record of written files (restore it from git, or delete it to keep every existing file)`);
  return { files: files as string[] };
}

function manifestText(files: readonly TreeFile[]): string {
  const paths = files.map((f) => f.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `${JSON.stringify({ comment: "Files written by vk8s render: the only ones it ever removes.", files: paths }, null, 2)}\n`;
}

/**
 * Checks that `root` and every folder on the way to `relative` are real folders (or absent)
 * and that the entry itself is absent or a regular file; returns what is there.
 */
function checkPath(root: string, relative: string): "absent" | "file" {
  const parts = relative.split("/");
  let current = root;
  for (const [i, part] of parts.entries()) {
    current = path.join(current, part);
    const stat = lstat(current);
    if (!stat) return "absent";
    const last = i === parts.length - 1;
    if (stat.isSymbolicLink()) {
      throw new OutputTreeError(`${current} is a symlink: vk8s never writes through links (remove it, or render into a folder without links)`);
    }
    if (!last && !stat.isDirectory()) {
      throw new OutputTreeError(`${current} is a file where vk8s writes the folder ${path.join(root, ...parts.slice(0, i + 1))}/ (move it away, or render into another folder)`);
    }
    if (last && !stat.isFile()) {
      throw new OutputTreeError(`${current} is not a regular file where vk8s writes one (move it away, or render into another folder)`);
    }
  }
  return "file";
}

/** `root` must be absent or a real folder (never a link); it is created when missing. */
export function checkRoot(root: string): void {
  const stat = lstat(root);
  if (stat?.isSymbolicLink()) throw new OutputTreeError(`${root} is a symlink: vk8s never writes through links (give the real folder, or another one)`);
  if (stat && !stat.isDirectory()) throw new OutputTreeError(`${root} is a file, not a folder (give --out a folder)`);
}

/**
 * Makes the tree at `root` hold `files`, as described in the file comment. With `dryRun`
 * only the checks run (and the counts are what a write would do). Throws `OutputTreeError` (nothing changed) when it cannot be done safely.
 */
export function writeTree(root: string, files: readonly TreeFile[], options: { dryRun?: boolean } = {}): WriteResult {
  checkRoot(root);
  const unsafe = files.find((f) => !isSafeRelativePath(f.path) || f.path === MANIFEST_NAME || f.path.startsWith(STAGING_PREFIX));
  if (unsafe) throw new OutputTreeError(`the renderer returned an unsafe path ${JSON.stringify(unsafe.path)} (a vk8s bug: please report it)`);
  const previous = lstat(root) ? readManifest(root) : { files: [] };
  const wanted = new Set(files.map((f) => f.path));

  // Every check first: nothing is written until the whole tree is known to be writable.
  const pending = files.filter((f) => {
    const there = checkPath(root, f.path);
    return there === "absent" || fs.readFileSync(path.join(root, f.path), "utf8") !== f.content;
  });
  const stale: string[] = [];
  const kept: string[] = [];
  for (const p of [...new Set(previous.files)].sort()) {
    if (wanted.has(p)) continue;
    let there: "absent" | "file";
    try {
      there = checkPath(root, p);
    } catch {
      kept.push(p); // a link or folder now stands there: not what vk8s wrote, left alone
      continue;
    }
    if (there === "file") stale.push(p);
  }
  const manifest = manifestText(files);
  const manifestPath = path.join(root, MANIFEST_NAME);
  const manifestChanged = checkPath(root, MANIFEST_NAME) === "absent" || fs.readFileSync(manifestPath, "utf8") !== manifest;
  if (options.dryRun || (pending.length === 0 && stale.length === 0 && !manifestChanged)) return { changed: pending.length, removed: stale.length, kept };

  // Stage: write every new file (and the new record) inside the output folder.
  let staging: string | undefined;
  try {
    fs.mkdirSync(root, { recursive: true });
    staging = fs.mkdtempSync(path.join(root, STAGING_PREFIX));
    for (const [i, f] of pending.entries()) fs.writeFileSync(path.join(staging, String(i)), f.content, { flag: "wx" });
    fs.writeFileSync(path.join(staging, "manifest"), manifest, { flag: "wx" });
  } catch (e) {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    throw new OutputTreeError(`cannot write into ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (the previous tree is unchanged)`);
  }
  const staged = staging;
  try {
    // Commit: move each staged file into place (folders checked again just before).
    pending.forEach((f, i) => {
      checkPath(root, f.path);
      const target = path.join(root, f.path);
      mkdirNoLinks(root, path.dirname(f.path));
      fs.renameSync(path.join(staged, String(i)), target);
    });
    for (const p of stale) {
      checkPath(root, p);
      fs.unlinkSync(path.join(root, p));
      removeEmptyParents(root, path.dirname(p));
    }
    fs.renameSync(path.join(staged, "manifest"), manifestPath);
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
  return { changed: pending.length, removed: stale.length, kept };
}

/** `mkdir -p` of `relative` under `root`, refusing to pass through a link. */
function mkdirNoLinks(root: string, relative: string): void {
  if (relative === "." || relative === "") return;
  let current = root;
  for (const part of relative.split(path.sep)) {
    current = path.join(current, part);
    const stat = lstat(current);
    if (!stat) fs.mkdirSync(current);
    else if (!stat.isDirectory() || stat.isSymbolicLink()) throw new OutputTreeError(`${current} is not a folder (vk8s writes a folder there)`);
  }
}

/** Removes the folders from `relative` up to (not including) `root` while they are empty. */
function removeEmptyParents(root: string, relative: string): void {
  let current = relative;
  while (current !== "." && current !== "") {
    const full = path.join(root, current);
    const stat = lstat(full);
    if (!stat?.isDirectory() || fs.readdirSync(full).length > 0) return;
    fs.rmdirSync(full);
    current = path.dirname(current);
  }
}
