// Peer of `starling query` in bench/query_compare.sh: DuckDB (@duckdb/node-api)
// answering the same two questions over the same JSONL of X v2 stream lines
// with read_ndjson, declaring only the columns each question reads (its
// fastest form): the top 10 lower-cased hashtags (every occurrence counted,
// as the hashtags table has one row per hashtag), and the 10 posts with the
// most likes. Prints `key<TAB>count` lines, as `starling query --format tsv`
// does after its header. Usage: node peer_duckdb_query.mjs FILE QUESTION [THREADS|default]
import { DuckDBInstance } from '@duckdb/node-api';

const [file, question, threads = '1'] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
if (threads !== 'default') await con.run(`SET threads = ${Number(threads)}`);
const sql = question === 'group'
  ? `SELECT tag, count(*) AS n
     FROM (SELECT lower(unnest(data.entities.hashtags).tag) AS tag
           FROM read_ndjson('${file}',
                            columns = {data: 'STRUCT(entities STRUCT(hashtags STRUCT(tag VARCHAR)[]))'},
                            maximum_object_size = 104857600))
     GROUP BY tag ORDER BY n DESC, tag LIMIT 10`
  : `SELECT data.id AS id, data.public_metrics.like_count AS likes
     FROM read_ndjson('${file}',
                      columns = {data: 'STRUCT(id VARCHAR, public_metrics STRUCT(like_count BIGINT))'},
                      maximum_object_size = 104857600)
     ORDER BY likes DESC NULLS FIRST, id LIMIT 10`;
const reader = await con.runAndReadAll(sql);
for (const [key, n] of reader.getRows()) process.stdout.write(`${key}\t${n}\n`);
