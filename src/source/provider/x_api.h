// File: source/provider/x_api.h
// What the X API v2 sources and `starling rules` share: the endpoint and
// credential, the fields every request asks for, reading a stream line's id
// and control messages, and the filtered stream's rules endpoint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "source/http_client.h"

namespace starling::source::provider::x {

inline constexpr std::string_view kDefaultApiBase = "https://api.x.com";
inline constexpr std::string_view kCredential = "X_BEARER_TOKEN";
inline constexpr std::string_view kResetHeader = "x-rate-limit-reset";
inline constexpr std::string_view kRemainingHeader = "x-rate-limit-remaining";

// The query parameters that give posts the author's handle and name,
// referenced tweets, entities, lang, public metrics, geo (and, on the
// filtered stream, matching_rules, which it always sends).
std::string DefaultFieldsQuery();

// The Authorization header for a bearer token.
HttpHeader Bearer(std::string_view token);

// What a line of a stream is, read without a full parse.
struct LineInfo {
  std::string id;                       // data.id, empty if none
  bool operational_disconnect = false;  // an errors[] line saying the stream ends
  bool too_many_connections = false;
  bool json = true;  // false: not JSON (the parser will judge it)
};
LineInfo InspectLine(std::string_view line);

// A search page's meta: newest_id (first page of a query) and next_token.
struct PageMeta {
  std::string newest_id;
  std::string next_token;
  std::uint64_t result_count = 0;
};
Result<PageMeta> InspectPage(std::string_view body);

// --- Filtered stream rules (GET/POST /2/tweets/search/stream/rules) -------

struct Rule {
  std::string id;  // empty for a rule not yet added
  std::string value;
  std::string tag;
};

struct RulesAnswer {
  std::vector<Rule> rules;  // the rules listed, created or (dry run) that would be
  std::uint64_t created = 0, not_created = 0, deleted = 0, not_deleted = 0;
  std::vector<std::string> errors;  // per-rule errors the API gave, as text
  std::string body;                 // the API's JSON, as received (for --json)
};

class RulesClient {
 public:
  RulesClient(std::string api_base, std::string token)
      : api_base_(std::move(api_base)), token_(std::move(token)) {}
  Result<RulesAnswer> List();
  Result<RulesAnswer> Add(const std::vector<Rule>& rules, bool dry_run);
  Result<RulesAnswer> Delete(const std::vector<std::string>& ids, bool dry_run);

 private:
  Result<RulesAnswer> Call(std::string method, std::string query, std::string body);
  std::string api_base_;
  std::string token_;
};

// What `rules sync` changes so that the stream's rules are `wanted`: the
// ids of rules not wanted (by value and tag), and the wanted rules missing.
struct SyncPlan {
  std::vector<std::string> delete_ids;
  std::vector<Rule> add;
};
SyncPlan PlanSync(const std::vector<Rule>& current, const std::vector<Rule>& wanted);

}  // namespace starling::source::provider::x
