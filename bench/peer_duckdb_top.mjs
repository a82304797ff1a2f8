// Peer of `starling top --by hashtag` in bench/top_compare.sh: DuckDB
// (@duckdb/node-api) reading the same JSONL of X v2 stream lines with
// read_ndjson, unnesting data.entities.hashtags, lower-casing the tags,
// counting each distinct tag of a post once (as Starling does: a post that
// repeats a tag counts it once), and printing the top K as `tag<TAB>count`,
// by count descending, then tag. Only data.entities.hashtags is declared as a
// column, so DuckDB reads no more than that (its fastest form of the query).
// Usage: node peer_duckdb_top.mjs FILE [THREADS|default] [K]
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const threads = process.argv[3] ?? '1';
const k = Number(process.argv[4] ?? '10');
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
if (threads !== 'default') await con.run(`SET threads = ${Number(threads)}`);
const sql = `
WITH posts AS (
  SELECT list_distinct(list_transform(data.entities.hashtags, h -> lower(h.tag))) AS tags
  FROM read_ndjson('${file}',
                   columns = {data: 'STRUCT(entities STRUCT(hashtags STRUCT(tag VARCHAR)[]))'},
                   maximum_object_size = 104857600)
)
SELECT tag, count(*) AS n
FROM (SELECT unnest(tags) AS tag FROM posts)
GROUP BY tag
ORDER BY n DESC, tag
LIMIT ${k}`;
const reader = await con.runAndReadAll(sql);
for (const [tag, n] of reader.getRows()) process.stdout.write(`${tag}\t${n}\n`);
