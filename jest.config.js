/**
 * The fast loop (`npm test`): every suite but test/spark/, whose suites start local Spark
 * (`npm run test:spark`, jest.spark.config.js).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/spark/'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  testTimeout: 120000,
  setupFiles: ['<rootDir>/test/setupEnv.js'],
};
