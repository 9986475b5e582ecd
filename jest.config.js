// Jest runs TypeScript tests through SWC (fast, no type checking: `npm run build` and
// `npm run typecheck` do that). Unit tests import `nodes/lib` sources; node and end-to-end
// tests load the built package from `dist/`, exactly what Node-RED loads.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    // node-opcua requires `hexy`, an ES module; Node 20 loads it natively but Jest's module
    // registry cannot, so it is transpiled to CommonJS like our own sources.
    '/node_modules/hexy/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!hexy/)'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Files that embed Node-RED and protocol servers leave large heaps: a worker above 1 GB is
  // replaced before it takes the next file.
  workerIdleMemoryLimit: '1GB',
  reporters: ['default', '<rootDir>/test/plain-summary-reporter.js'],
};
