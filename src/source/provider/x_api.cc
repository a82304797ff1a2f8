// File: source/provider/x_api.cc
#include "source/provider/x_api.h"

#include <simdjson.h>

#include <set>
#include <utility>

#include "model/post_json.h"
#include "source/provider/streaming.h"

namespace starling::source::provider::x {
namespace {

std::string_view Str(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

std::uint64_t Uint(simdjson::dom::element e, std::string_view key) {
  std::uint64_t v = 0;
  if (e[key].get_uint64().get(v) != simdjson::SUCCESS) return 0;
  return v;
}

}  // namespace

std::string DefaultFieldsQuery() {
  return "expansions=author_id,referenced_tweets.id,referenced_tweets.id.author_id,"
         "entities.mentions.username,in_reply_to_user_id,geo.place_id,attachments.media_keys"
         "&tweet.fields=id,text,created_at,author_id,conversation_id,in_reply_to_user_id,"
         "referenced_tweets,entities,lang,public_metrics,geo,possibly_sensitive,source,"
         "edit_history_tweet_ids,note_tweet"
         "&user.fields=id,name,username,verified,public_metrics,created_at,location"
         "&place.fields=id,full_name,country,country_code,geo,place_type"
         "&media.fields=media_key,type,url,preview_image_url";
}

HttpHeader Bearer(std::string_view token) {
  return {"Authorization", "Bearer " + std::string(token)};
}

LineInfo InspectLine(std::string_view line) {
  LineInfo info;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
    info.json = false;
    return info;
  }
  simdjson::dom::element data;
  if (doc["data"].get(data) == simdjson::SUCCESS) info.id = std::string(Str(data, "id"));
  simdjson::dom::array errors;
  if (info.id.empty() && doc["errors"].get_array().get(errors) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : errors) {
      const std::string_view title = Str(e, "title");
      const std::string_view type = Str(e, "disconnect_type");
      if (title == "operational-disconnect" || type == "OperationalDisconnect") {
        info.operational_disconnect = true;
      }
      if (title == "ConnectionException" || Str(e, "connection_issue") == "TooManyConnections") {
        info.too_many_connections = true;
      }
    }
  }
  if (Str(doc, "connection_issue") == "TooManyConnections") info.too_many_connections = true;
  return info;
}

Result<PageMeta> InspectPage(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return MalformedInput("a search page that is not JSON");
  }
  PageMeta m;
  simdjson::dom::element meta;
  if (doc["meta"].get(meta) == simdjson::SUCCESS) {
    m.newest_id = std::string(Str(meta, "newest_id"));
    m.next_token = std::string(Str(meta, "next_token"));
    m.result_count = Uint(meta, "result_count");
  }
  return m;
}

Result<RulesAnswer> RulesClient::Call(std::string method, std::string query, std::string body) {
  HttpRequest req;
  req.method = std::move(method);
  req.url = api_base_ + "/2/tweets/search/stream/rules" + (query.empty() ? "" : "?" + query);
  req.headers.push_back(Bearer(token_));
  if (!body.empty()) {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = std::move(body);
  }
  STARLING_ASSIGN_OR_RETURN(HttpResponse resp, HttpFetch(req));
  const ProviderIdentity who{"x rules", std::string(kCredential), {}, {}};
  if (resp.status == 401 || resp.status == 403) {
    return CredentialRefused(who, resp.status, resp.body);
  }
  if (resp.status == 429) {
    std::string when;
    if (const std::string* reset = resp.headers.Find(kResetHeader))
      when = " (resets at " + *reset + ", Unix time)";
    return Unavailable("x rules: rate limited (HTTP 429)" + when + "; try again later");
  }
  if (resp.status < 200 || resp.status >= 300) {
    return Unavailable("x rules: HTTP " + std::to_string(resp.status) + ": " +
                       BodyExcerpt(resp.body));
  }
  RulesAnswer a;
  a.body = resp.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(resp.body).get(doc) != simdjson::SUCCESS) {
    return MalformedInput("x rules: the answer is not JSON: " + BodyExcerpt(resp.body));
  }
  simdjson::dom::array data;
  if (doc["data"].get_array().get(data) == simdjson::SUCCESS) {
    for (simdjson::dom::element r : data) {
      a.rules.push_back(
          {std::string(Str(r, "id")), std::string(Str(r, "value")), std::string(Str(r, "tag"))});
    }
  }
  simdjson::dom::element summary;
  if (doc["meta"]["summary"].get(summary) == simdjson::SUCCESS) {
    a.created = Uint(summary, "created");
    a.not_created = Uint(summary, "not_created");
    a.deleted = Uint(summary, "deleted");
    a.not_deleted = Uint(summary, "not_deleted");
  }
  simdjson::dom::array errors;
  if (doc["errors"].get_array().get(errors) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : errors) {
      std::string text(Str(e, "title"));
      const std::string_view value = Str(e, "value");
      const std::string_view detail = Str(e, "detail");
      if (!value.empty()) text += " '" + std::string(value) + "'";
      if (!detail.empty()) text += ": " + std::string(detail);
      a.errors.push_back(std::move(text));
    }
  }
  return a;
}

Result<RulesAnswer> RulesClient::List() { return Call("GET", "", ""); }

Result<RulesAnswer> RulesClient::Add(const std::vector<Rule>& rules, bool dry_run) {
  std::string body = "{\"add\":[";
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) body += ',';
    body += "{\"value\":";
    model::AppendJsonString(rules[i].value, &body);
    if (!rules[i].tag.empty()) {
      body += ",\"tag\":";
      model::AppendJsonString(rules[i].tag, &body);
    }
    body += '}';
  }
  body += "]}";
  return Call("POST", dry_run ? "dry_run=true" : "", std::move(body));
}

Result<RulesAnswer> RulesClient::Delete(const std::vector<std::string>& ids, bool dry_run) {
  std::string body = "{\"delete\":{\"ids\":[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) body += ',';
    model::AppendJsonString(ids[i], &body);
  }
  body += "]}}";
  return Call("POST", dry_run ? "dry_run=true" : "", std::move(body));
}

SyncPlan PlanSync(const std::vector<Rule>& current, const std::vector<Rule>& wanted) {
  SyncPlan plan;
  std::set<std::pair<std::string, std::string>> want;
  for (const Rule& r : wanted) want.emplace(r.value, r.tag);
  std::set<std::pair<std::string, std::string>> have;
  for (const Rule& r : current) {
    const auto key = std::make_pair(r.value, r.tag);
    if (!want.contains(key) || have.contains(key)) {
      plan.delete_ids.push_back(r.id);
    } else {
      have.insert(key);
    }
  }
  std::set<std::pair<std::string, std::string>> added;
  for (const Rule& r : wanted) {
    const auto key = std::make_pair(r.value, r.tag);
    if (!have.contains(key) && added.insert(key).second) plan.add.push_back(r);
  }
  return plan;
}

}  // namespace starling::source::provider::x
