// File: sink/csv_format.h
// The CSV rendering of a post (one row per post, twarc-csv style column
// names) and the reader that brings such files back for `starling convert`.
// Documented in docs/formats/csv.md.
//
// Columns, in order:
//   id, created_at (ISO-8601 UTC, model::FormatTimestamp), author_id,
//   author.username, author.name, text, lang,
//   type                                 post | repost | reply | quote, or a provider
//                                        activity kind (push, issue, pull_request,
//                                        comment, star, fork, release, activity, event)
//   referenced_tweets.replied_to.id, referenced_tweets.retweeted.id,
//   referenced_tweets.quoted.id          first reference of that type, else empty
//   entities.hashtags, entities.mentions, entities.urls, entities.cashtags
//                                        space-separated, no sigils; urls are the
//                                        expanded URLs (url when none)
//   public_metrics.retweet_count, public_metrics.reply_count,
//   public_metrics.like_count, public_metrics.quote_count,
//   public_metrics.impression_count      empty when the provider did not give it
//   geo.coordinates.lon, geo.coordinates.lat   shortest round-trip decimals
//   geo.place_id, geo.full_name, geo.country_code
//   matching_rules                       space-separated "id:tag"; in id and tag
//                                        '%', ' ', ':' and control characters are
//                                        percent-encoded (%25, %20, %3A, %0A...)
//   provider                             x, github, bluesky, mastodon, meetup, unknown
//   channel                              GitHub repository (owner/name), Meetup group
//                                        urlname; empty for the other providers
//
// Quoting is RFC 4180: a field containing ',', '"', CR or LF is enclosed in
// double quotes with '"' doubled. Records end with LF (as twarc-csv / pandas
// write them); the reader also accepts CRLF.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"

namespace starling::sink {

// The header names above, in order.
const std::vector<std::string_view>& CsvColumns();

// Appends the header record (with its line end) to *out.
void AppendCsvHeader(std::string* out);
// Appends one record (with its line end) for `post` to *out.
void AppendCsvRow(const model::Post& post, std::string* out);
// Appends `field`, quoted only when RFC 4180 requires it.
void AppendCsvField(std::string_view field, std::string* out);

// Reads a CSV file written by CsvSink (columns are found by header name, so
// reordered or extra columns are fine; `id` is required) and calls on_post for
// each record in file order, stopping at the first non-OK Status it returns.
// What CSV cannot carry comes back empty: entity indices (-1), mention user
// ids, url display/unwound forms (url = expanded_url = the CSV value),
// references beyond the first of each type, raw. References come back in the
// order replied_to, retweeted, quoted; source_format is "csv".
// NotFound/IoError when the file cannot be read; MalformedInput (naming the
// line) for an unterminated quote, a bad timestamp, number or type.
Status ReadCsvPosts(const std::string& path, const std::function<Status(model::Post&&)>& on_post);

}  // namespace starling::sink
