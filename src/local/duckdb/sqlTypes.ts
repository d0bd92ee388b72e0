import type { OutputType } from '../../config/config';

/** DuckDB's type for each column type of lakestep.config.yml (raw `columns:` use the first four). */
export const DUCKDB_TYPE: Record<OutputType, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  double: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};
