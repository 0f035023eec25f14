#!/bin/bash
# sqlite3 scripts in the current directory: a WAL database, 20,000 rows
# from a recursive CTE, indexes, a trigger, a second database attached,
# transactions, VACUUM INTO, .backup, .dump, an integrity check, and a
# script that fails.
set -u
sqlite3 main.db <<'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, note TEXT);
CREATE TABLE audit(id INTEGER, change TEXT);
CREATE TRIGGER item_upd AFTER UPDATE ON item BEGIN INSERT INTO audit VALUES (new.id, 'qty ' || old.qty || '->' || new.qty); END;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO item SELECT i, 'item-' || i, i % 97, printf('%05d', i * 7919 % 100000) || substr('abcdefghij', 1 + i % 10) FROM n;
COMMIT;
CREATE INDEX item_qty ON item(qty);
UPDATE item SET qty = qty + 1 WHERE id % 1000 = 0;
ATTACH 'other.db' AS other;
CREATE TABLE other.summary AS SELECT qty, count(*) AS n, sum(id) AS s FROM item GROUP BY qty;
SELECT count(*), sum(qty), max(name) FROM item;
SELECT count(*), sum(s) FROM other.summary;
SELECT * FROM audit ORDER BY id LIMIT 5;
VACUUM INTO 'copy.db';
.backup backup.db
PRAGMA integrity_check;
SQL
echo "script: status $?"
sqlite3 copy.db 'SELECT count(*), sum(qty) FROM item; PRAGMA integrity_check;'
sqlite3 backup.db .dump | sha256sum
sqlite3 -readonly main.db 'SELECT qty, count(*) FROM item GROUP BY qty ORDER BY 2 DESC, 1 LIMIT 3;'
sqlite3 main.db 'SELECT * FROM no_such_table;'
echo "failing query: status $?"
