// Peer of `starling normalize` in bench/compare.sh: DuckDB (@duckdb/node-api)
// reading the same JSONL of X v2 stream lines with read_ndjson_objects and
// extracting the same fields (author joined from includes.users) into one
// JSON object per tweet, written to /dev/null. Usage: node peer_duckdb.mjs FILE
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await instance.connect();
const sql = `
COPY (
  WITH lines AS (SELECT json FROM read_ndjson_objects('${file}', maximum_object_size=104857600))
  SELECT json_object(
    'id', json_extract_string(json, '$.data.id'),
    'created_at', json_extract_string(json, '$.data.created_at'),
    'author', json_object(
      'id', json_extract_string(json, '$.data.author_id'),
      'handle', (SELECT json_extract_string(u, '$.username')
                 FROM unnest(json_extract(json, '$.includes.users[*]')) AS t(u)
                 WHERE json_extract_string(u, '$.id') = json_extract_string(json, '$.data.author_id') LIMIT 1),
      'name', (SELECT json_extract_string(u, '$.name')
               FROM unnest(json_extract(json, '$.includes.users[*]')) AS t(u)
               WHERE json_extract_string(u, '$.id') = json_extract_string(json, '$.data.author_id') LIMIT 1)),
    'text', json_extract_string(json, '$.data.text'),
    'lang', json_extract_string(json, '$.data.lang'),
    'references', json_extract(json, '$.data.referenced_tweets'),
    'hashtags', json_extract(json, '$.data.entities.hashtags'),
    'mentions', json_extract(json, '$.data.entities.mentions'),
    'urls', json_extract(json, '$.data.entities.urls'),
    'cashtags', json_extract(json, '$.data.entities.cashtags'),
    'metrics', json_extract(json, '$.data.public_metrics'),
    'matching_rules', json_extract(json, '$.matching_rules')) AS post
  FROM lines
) TO '/dev/null' (FORMAT CSV, HEADER false, QUOTE '')`;
await con.run(sql);
console.error('duckdb: done');
