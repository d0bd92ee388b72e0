import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/config';

/** The Lambdas of functions/, one folder each (functions/functionFactory.ts, the wrapper they share, is a file). */
export const LAMBDA_FOLDERS = readdirSync(resolve(PACKAGE_ROOT, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
