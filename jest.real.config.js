/** The real tier (`npm run test:real`): real vNodes on the local environment's host node. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/real"],
  testMatch: ["**/*.real.test.ts"],
  testTimeout: 1_800_000,
  maxWorkers: 1,
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true, module: "commonjs", target: "ES2022", esModuleInterop: true, types: ["node", "jest"] } }] },
};
