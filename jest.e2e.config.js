/** The real-engine tier (`npm run test:e2e`): needs the toolchain and the local environment. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  testTimeout: 900_000,
  maxWorkers: 1,
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true, module: "commonjs", target: "ES2022", esModuleInterop: true, types: ["node", "jest"] } }] },
};
