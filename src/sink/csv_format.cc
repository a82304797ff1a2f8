// File: sink/csv_format.cc
#include "sink/csv_format.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "model/time.h"

namespace starling::sink {
namespace {

enum Column : int {
  kId,
  kCreatedAt,
  kAuthorId,
  kAuthorUsername,
  kAuthorName,
  kText,
  kLang,
  kType,
  kRepliedTo,
  kRetweeted,
  kQuoted,
  kHashtags,
  kMentions,
  kUrls,
  kCashtags,
  kRetweetCount,
  kReplyCount,
  kLikeCount,
  kQuoteCount,
  kImpressionCount,
  kLon,
  kLat,
  kPlaceId,
  kPlaceName,
  kCountryCode,
  kMatchingRules,
  kProvider,
  kChannel,
  kColumnCount,
};

const std::vector<std::string_view> kColumns = {
    "id",
    "created_at",
    "author_id",
    "author.username",
    "author.name",
    "text",
    "lang",
    "type",
    "referenced_tweets.replied_to.id",
    "referenced_tweets.retweeted.id",
    "referenced_tweets.quoted.id",
    "entities.hashtags",
    "entities.mentions",
    "entities.urls",
    "entities.cashtags",
    "public_metrics.retweet_count",
    "public_metrics.reply_count",
    "public_metrics.like_count",
    "public_metrics.quote_count",
    "public_metrics.impression_count",
    "geo.coordinates.lon",
    "geo.coordinates.lat",
    "geo.place_id",
    "geo.full_name",
    "geo.country_code",
    "matching_rules",
    "provider",
    "channel",
};

constexpr char kHex[] = "0123456789ABCDEF";

bool NeedsRuleEscape(unsigned char c) {
  return c == '%' || c == ' ' || c == ':' || c < 0x20 || c == 0x7F;
}

void AppendPercentEncoded(std::string_view s, std::string* out) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (NeedsRuleEscape(c)) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else {
      out->push_back(ch);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lenient: a '%' not followed by two hex digits is kept as is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string_view FirstReference(const model::Post& post, model::ReferenceType type) {
  for (const auto& r : post.references) {
    if (r.type == type) return r.id;
  }
  return {};
}

void AppendOptionalInt(const std::optional<std::int64_t>& v, std::string* out) {
  if (!v) return;
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, *v);
  out->append(buf, r.ptr);
}

void AppendOptionalDouble(const std::optional<double>& v, std::string* out) {
  if (!v || !std::isfinite(*v)) return;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, *v);
  out->append(buf, r.ptr);
}

// Joins f(item) for each item with spaces into *scratch, then writes it as one field.
template <typename T, typename F>
void AppendListField(const std::vector<T>& items, F value, std::string* scratch, std::string* out) {
  scratch->clear();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) scratch->push_back(' ');
    value(items[i], scratch);
  }
  AppendCsvField(*scratch, out);
}

// Streams records out of a file: RFC 4180 with LF or CRLF record ends.
class CsvRecordReader {
 public:
  ~CsvRecordReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      const int err = errno;
      if (err == ENOENT) return NotFound("no such CSV file: " + path);
      return IoError("cannot open " + path + ": " + std::strerror(err));
    }
    buffer_.resize(1 << 20);
    // Skip a UTF-8 byte-order mark (spreadsheet exports).
    if (Peek() == 0xEF) {
      Status st = Fill();
      if (!st.ok()) return st;
      if (end_ - pos_ >= 3 && std::memcmp(buffer_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
    }
    return Status::Ok();
  }

  // Reads the next non-blank record into *fields; false at end of file.
  Result<bool> Next(std::vector<std::string>* fields) {
    for (;;) {
      record_line_ = line_;
      std::size_t count = 0;
      auto field = [&]() -> std::string& {
        if (count == fields->size()) fields->emplace_back();
        std::string& f = (*fields)[count];
        return f;
      };
      field().clear();
      bool in_quotes = false;
      bool any = false;
      for (;;) {
        const int c = Get();
        if (c < 0) {
          if (!io_status_.ok()) return io_status_;
          if (in_quotes) {
            return MalformedInput(path_ + ":" + std::to_string(record_line_) +
                                  ": unterminated quoted field");
          }
          if (!any) return false;
          break;
        }
        any = true;
        if (in_quotes) {
          if (c == '"') {
            if (Peek() == '"') {
              Get();
              field().push_back('"');
            } else {
              in_quotes = false;
            }
          } else {
            if (c == '\n') ++line_;
            field().push_back(static_cast<char>(c));
          }
          continue;
        }
        if (c == ',') {
          ++count;
          field().clear();
        } else if (c == '"' && field().empty()) {
          in_quotes = true;
        } else if (c == '\n') {
          ++line_;
          break;
        } else if (c == '\r' && Peek() == '\n') {
          Get();
          ++line_;
          break;
        } else {
          field().push_back(static_cast<char>(c));
        }
      }
      fields->resize(count + 1);
      if (count == 0 && (*fields)[0].empty()) {
        if (Peek() < 0 && io_status_.ok()) return false;
        continue;  // blank line
      }
      return true;
    }
  }

  std::size_t record_line() const { return record_line_; }

 private:
  Status Fill() {
    if (pos_ < end_) {
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      end_ -= pos_;
    } else {
      end_ = 0;
    }
    pos_ = 0;
    while (end_ < buffer_.size()) {
      const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError("read of " + path_ + " failed: " + std::strerror(errno));
      }
      if (n == 0) break;
      end_ += static_cast<std::size_t>(n);
      if (end_ >= 4) break;
    }
    return Status::Ok();
  }
  int Peek() {
    if (pos_ == end_) {
      io_status_ = Fill();
      if (!io_status_.ok() || pos_ == end_) return -1;
    }
    return static_cast<unsigned char>(buffer_[pos_]);
  }
  int Get() {
    const int c = Peek();
    if (c >= 0) ++pos_;
    return c;
  }

  std::string path_;
  int fd_ = -1;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  std::size_t line_ = 1, record_line_ = 1;
  Status io_status_;
};

template <typename F>
void ForEachWord(std::string_view s, F f) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) f(s.substr(i, j - i));
    i = j;
  }
}

}  // namespace

const std::vector<std::string_view>& CsvColumns() { return kColumns; }

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  std::size_t start = 0;
  for (std::size_t q = field.find('"'); q != std::string_view::npos; q = field.find('"', start)) {
    out->append(field.data() + start, q + 1 - start);
    out->push_back('"');
    start = q + 1;
  }
  out->append(field.data() + start, field.size() - start);
  out->push_back('"');
}

void AppendCsvHeader(std::string* out) {
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (i) out->push_back(',');
    out->append(kColumns[i]);
  }
  out->push_back('\n');
}

void AppendCsvRow(const model::Post& post, std::string* out) {
  using model::ReferenceType;
  thread_local std::string scratch;
  AppendCsvField(post.id, out);
  out->push_back(',');
  out->append(model::FormatTimestamp(post.created_at));
  out->push_back(',');
  AppendCsvField(post.author.id, out);
  out->push_back(',');
  AppendCsvField(post.author.handle, out);
  out->push_back(',');
  AppendCsvField(post.author.name, out);
  out->push_back(',');
  AppendCsvField(post.text, out);
  out->push_back(',');
  AppendCsvField(post.lang, out);
  out->push_back(',');
  out->append(model::PostKindName(post.kind));
  out->push_back(',');
  AppendCsvField(FirstReference(post, ReferenceType::kRepliedTo), out);
  out->push_back(',');
  AppendCsvField(FirstReference(post, ReferenceType::kReposted), out);
  out->push_back(',');
  AppendCsvField(FirstReference(post, ReferenceType::kQuoted), out);
  out->push_back(',');
  AppendListField(
      post.hashtags, [](const model::Hashtag& h, std::string* s) { s->append(h.tag); }, &scratch,
      out);
  out->push_back(',');
  AppendListField(
      post.mentions, [](const model::Mention& m, std::string* s) { s->append(m.handle); }, &scratch,
      out);
  out->push_back(',');
  AppendListField(
      post.urls,
      [](const model::Url& u, std::string* s) {
        s->append(u.expanded_url.empty() ? u.url : u.expanded_url);
      },
      &scratch, out);
  out->push_back(',');
  AppendListField(
      post.cashtags, [](const model::Cashtag& c, std::string* s) { s->append(c.tag); }, &scratch,
      out);
  out->push_back(',');
  AppendOptionalInt(post.metrics.reposts, out);
  out->push_back(',');
  AppendOptionalInt(post.metrics.replies, out);
  out->push_back(',');
  AppendOptionalInt(post.metrics.likes, out);
  out->push_back(',');
  AppendOptionalInt(post.metrics.quotes, out);
  out->push_back(',');
  AppendOptionalInt(post.metrics.impressions, out);
  out->push_back(',');
  AppendOptionalDouble(post.geo.lon, out);
  out->push_back(',');
  AppendOptionalDouble(post.geo.lat, out);
  out->push_back(',');
  AppendCsvField(post.geo.place_id, out);
  out->push_back(',');
  AppendCsvField(post.geo.place_name, out);
  out->push_back(',');
  AppendCsvField(post.geo.country_code, out);
  out->push_back(',');
  AppendListField(
      post.matching_rules,
      [](const model::MatchingRule& r, std::string* s) {
        AppendPercentEncoded(r.id, s);
        s->push_back(':');
        AppendPercentEncoded(r.tag, s);
      },
      &scratch, out);
  out->push_back(',');
  out->append(model::ProviderName(post.provider));
  out->push_back(',');
  AppendCsvField(post.channel, out);
  out->push_back('\n');
}

Status ReadCsvPosts(const std::string& path, const std::function<Status(model::Post&&)>& on_post) {
  CsvRecordReader reader;
  STARLING_RETURN_IF_ERROR(reader.Open(path));
  std::vector<std::string> fields;
  Result<bool> has = reader.Next(&fields);
  if (!has.ok()) return has.status();
  if (!*has) return Status::Ok();  // empty file: no posts

  std::array<int, kColumnCount> index;
  index.fill(-1);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    for (int c = 0; c < kColumnCount; ++c) {
      if (fields[i] == kColumns[c]) index[c] = static_cast<int>(i);
    }
  }
  if (index[kId] < 0) return MalformedInput(path + ": CSV header has no 'id' column");

  for (;;) {
    has = reader.Next(&fields);
    if (!has.ok()) return has.status();
    if (!*has) return Status::Ok();
    const std::string where = path + ":" + std::to_string(reader.record_line());
    auto col = [&](int c) -> std::string_view {
      const int i = index[c];
      if (i < 0 || static_cast<std::size_t>(i) >= fields.size()) return {};
      return fields[static_cast<std::size_t>(i)];
    };
    auto take = [&](int c) -> std::string {
      const int i = index[c];
      if (i < 0 || static_cast<std::size_t>(i) >= fields.size()) return {};
      return std::move(fields[static_cast<std::size_t>(i)]);
    };
    auto int_col = [&](int c, std::optional<std::int64_t>* out) -> Status {
      const std::string_view s = col(c);
      if (s.empty()) return Status::Ok();
      std::int64_t v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
        return MalformedInput(where + ": bad integer in " + std::string(kColumns[c]) + ": '" +
                              std::string(s) + "'");
      }
      *out = v;
      return Status::Ok();
    };
    auto double_col = [&](int c, std::optional<double>* out) -> Status {
      const std::string_view s = col(c);
      if (s.empty()) return Status::Ok();
      double v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
        return MalformedInput(where + ": bad number in " + std::string(kColumns[c]) + ": '" +
                              std::string(s) + "'");
      }
      *out = v;
      return Status::Ok();
    };

    model::Post post;
    post.source_format = "csv";
    post.id = take(kId);
    if (post.id.empty()) return MalformedInput(where + ": empty id");
    if (const std::string_view ts = col(kCreatedAt); !ts.empty()) {
      Result<model::TimestampUs> t = model::ParseTimestamp(ts);
      if (!t.ok()) return MalformedInput(where + ": bad created_at '" + std::string(ts) + "'");
      post.created_at = *t;
    }
    post.author.id = take(kAuthorId);
    post.author.handle = take(kAuthorUsername);
    post.author.name = take(kAuthorName);
    post.text = take(kText);
    post.lang = take(kLang);
    post.channel = take(kChannel);
    if (const std::string_view k = col(kType); !k.empty()) {
      auto kind = model::PostKindFromName(k);
      if (!kind) return MalformedInput(where + ": unknown type '" + std::string(k) + "'");
      post.kind = *kind;
    }
    if (const std::string_view p = col(kProvider); !p.empty()) {
      post.provider = model::ProviderFromName(p).value_or(model::Provider::kUnknown);
    }
    const std::pair<int, model::ReferenceType> refs[] = {
        {kRepliedTo, model::ReferenceType::kRepliedTo},
        {kRetweeted, model::ReferenceType::kReposted},
        {kQuoted, model::ReferenceType::kQuoted}};
    for (const auto& [c, type] : refs) {
      if (!col(c).empty()) post.references.push_back({type, take(c)});
    }
    ForEachWord(col(kHashtags), [&](std::string_view w) {
      post.hashtags.push_back({std::string(w), {}});
    });
    ForEachWord(col(kMentions), [&](std::string_view w) {
      post.mentions.push_back({std::string(w), {}, {}});
    });
    ForEachWord(col(kUrls), [&](std::string_view w) {
      post.urls.push_back({std::string(w), std::string(w), {}, {}, {}});
    });
    ForEachWord(col(kCashtags), [&](std::string_view w) {
      post.cashtags.push_back({std::string(w), {}});
    });
    STARLING_RETURN_IF_ERROR(int_col(kRetweetCount, &post.metrics.reposts));
    STARLING_RETURN_IF_ERROR(int_col(kReplyCount, &post.metrics.replies));
    STARLING_RETURN_IF_ERROR(int_col(kLikeCount, &post.metrics.likes));
    STARLING_RETURN_IF_ERROR(int_col(kQuoteCount, &post.metrics.quotes));
    STARLING_RETURN_IF_ERROR(int_col(kImpressionCount, &post.metrics.impressions));
    STARLING_RETURN_IF_ERROR(double_col(kLon, &post.geo.lon));
    STARLING_RETURN_IF_ERROR(double_col(kLat, &post.geo.lat));
    post.geo.place_id = take(kPlaceId);
    post.geo.place_name = take(kPlaceName);
    post.geo.country_code = take(kCountryCode);
    ForEachWord(col(kMatchingRules), [&](std::string_view w) {
      const std::size_t colon = w.find(':');
      model::MatchingRule rule;
      rule.id = PercentDecode(w.substr(0, colon));
      if (colon != std::string_view::npos) rule.tag = PercentDecode(w.substr(colon + 1));
      post.matching_rules.push_back(std::move(rule));
    });
    STARLING_RETURN_IF_ERROR(on_post(std::move(post)));
  }
}

}  // namespace starling::sink
