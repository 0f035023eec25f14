// SPDX-License-Identifier: MIT
// Runs SQL files in one in-memory DuckDB database (npm @duckdb/node-api,
// installed by tests/fleet/setup.sh) and prints, as one JSON object, the
// rows of the last statement of each file that ends in a query:
//
//   node run_sql.mjs [--cwd DIR] NAME=FILE... > rows.json
//   -> {"NAME": [{"column": value, ...}, ...], ...}
//
// Files run in the order given, so a later one sees the views an earlier
// one created. --cwd: the directory relative paths in the SQL (globs of
// read_json/read_text) are taken from. Integers are JSON numbers (strings
// past 2^53), lists arrays, structs objects, other values (timestamps) their
// DuckDB text. No extension is downloaded: json is built
// into the package's engine, and autoinstall is off.
import { readFileSync } from 'node:fs';
import { DuckDBInstance, StatementType } from '@duckdb/node-api';

const args = process.argv.slice(2);
let cwd = null;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--cwd') cwd = args[++i];
  else {
    const eq = args[i].indexOf('=');
    if (eq <= 0) {
      console.error(`run_sql.mjs: expected NAME=FILE, got ${args[i]}`);
      process.exit(2);
    }
    files.push([args[i].slice(0, eq), args[i].slice(eq + 1)]);
  }
}
const sources = files.map(([name, path]) => [name, readFileSync(path, 'utf8')]);
if (cwd) process.chdir(cwd);

const instance = await DuckDBInstance.create(':memory:', {
  autoinstall_known_extensions: 'false',
  threads: '2',
});
const connection = await instance.connect();
const out = {};
for (const [name, sql] of sources) {
  const statements = await connection.extractStatements(sql);
  let last = null;
  for (let i = 0; i < statements.count; ++i) {
    const prepared = await statements.prepare(i);
    const isQuery = prepared.statementType === StatementType.SELECT;
    try {
      const reader = await prepared.runAndReadAll();
      last = isQuery ? reader : null;
    } catch (e) {
      console.error(`run_sql.mjs: ${name}, statement ${i + 1}: ${e.message}`);
      process.exit(1);
    }
  }
  if (last) out[name] = toJson(last.getRowObjectsJS());
}
process.stdout.write(JSON.stringify(out) + '\n');

function toJson(v) {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') {
    if (v instanceof Date) return v.toISOString();
    if (Object.getPrototypeOf(v) !== Object.prototype) return String(v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  }
  return v;
}
