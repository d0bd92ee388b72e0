/**
 * For the declared sample and the benches' plain jobs: a dataset's declared columns as the nested record type a
 * reader with a declared schema reads (`payload.sessionId` → a `payload` struct holding `sessionId`), in DuckDB's
 * and Spark's type syntax, and the select list that takes each column out by its path.
 * @example recordType(ds, 'duckdb') // { columns: { payload: 'STRUCT("sessionId" VARCHAR, …)' }, select: '"payload"."sessionId" AS "sessionId", …' }
 */
import type { DatasetConfig } from '../config/config';

type Engine = 'duckdb' | 'spark';
interface Node {
  [segment: string]: Node | string;
}

const TYPE: Record<Engine, Record<string, string>> = {
  duckdb: { string: 'VARCHAR', bigint: 'BIGINT', boolean: 'BOOLEAN', double: 'DOUBLE', timestamp: 'VARCHAR' },
  spark: { string: 'STRING', bigint: 'BIGINT', boolean: 'BOOLEAN', double: 'DOUBLE', timestamp: 'STRING' },
};

function tree(dataset: DatasetConfig, engine: Engine): Node {
  const root: Node = {};
  for (const column of Object.values(dataset.columns)) {
    const segments = column.path.split('.');
    let node = root;
    for (const segment of segments.slice(0, -1)) node = (node[segment] ??= {}) as Node;
    node[segments[segments.length - 1]] = TYPE[engine][column.type];
  }
  return root;
}

const quote = (name: string, engine: Engine) => (engine === 'duckdb' ? `"${name}"` : `\`${name}\``);

function typeOf(node: Node | string, engine: Engine): string {
  if (typeof node === 'string') return node;
  const fields = Object.entries(node).map(([name, child]) =>
    engine === 'duckdb'
      ? `${quote(name, engine)} ${typeOf(child, engine)}`
      : `${quote(name, engine)}: ${typeOf(child, engine)}`,
  );
  return engine === 'duckdb' ? `STRUCT(${fields.join(', ')})` : `STRUCT<${fields.join(', ')}>`;
}

/** Top-level columns with their types, and the select list naming each declared column. */
export function recordType(
  dataset: DatasetConfig,
  engine: Engine,
): { columns: Record<string, string>; select: string } {
  const root = tree(dataset, engine);
  const columns = Object.fromEntries(Object.entries(root).map(([name, node]) => [name, typeOf(node, engine)]));
  const select = Object.entries(dataset.columns)
    .map(
      ([name, column]) =>
        `${column.path
          .split('.')
          .map((s) => quote(s, engine))
          .join('.')} AS ${quote(name, engine)}`,
    )
    .join(', ');
  return { columns, select };
}
