/** Unit and component tests (mocked Pulumi runtime). The real-engine tier is `npm run test:e2e`, the package as shipped `npm run test:package`. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/", "<rootDir>/test/real/", "<rootDir>/test/package/"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true, module: "commonjs", target: "ES2022", esModuleInterop: true, resolveJsonModule: true, types: ["node", "jest"] } }] },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
