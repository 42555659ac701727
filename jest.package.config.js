/** The package as shipped (`npm run test:package`): npm pack, a fresh install, tsc, and pulumi preview with the toolchain. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/package"],
  testMatch: ["**/*.package.test.ts"],
  testTimeout: 900_000,
  maxWorkers: 1,
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true, module: "commonjs", target: "ES2022", esModuleInterop: true, types: ["node", "jest"] } }] },
};
