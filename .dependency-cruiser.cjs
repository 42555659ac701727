/**
 * dependency-cruiser rules for vk8s (run by tools/depcheck.sh in the test command):
 *   - no cycle between folders of src/ (folder scope: an import from one top-level folder of src/
 *     into another that leads back to the first; imports inside one folder tree are free);
 *   - src/ is pure: it never imports @pulumi/* nor components/.
 * See https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md.
 * @type {import("dependency-cruiser").IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-folder-cycle-in-src",
      comment: "Folders of src/ form layers: a lower one (e.g. src/core) never imports a higher one. Move what both need into the lower folder.",
      severity: "error",
      scope: "folder",
      from: { path: "^src/([^/]+)" },
      to: { path: "^src/", pathNot: "^src/$1(/|$)", circular: true },
    },
    {
      name: "src-is-pure",
      comment: "src/ has no Pulumi runtime: the components (components/) register what src/ computes.",
      severity: "error",
      from: { path: "^src/" },
      // @pulumi/* resolved (…node_modules/@pulumi/…, wherever node_modules really lives) or not.
      to: { path: "(^|/)node_modules/@pulumi/|^@pulumi/|^components/" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
  },
};
