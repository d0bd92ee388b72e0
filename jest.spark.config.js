/** The suites that start local Spark (`npm run test:spark`): test/spark/. @type {import('jest').Config} */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/spark'], testPathIgnorePatterns: ['/node_modules/'] };
