// File: parse/internal/github.cc
// GitHub Events API events (GET /events, /repos/O/R/events, ...): one event
// object, {id, type, actor, repo, payload, public, created_at, org}, becomes
// one post whose kind comes from the event type and whose text from the
// payload (commit messages, issue and pull request titles and bodies,
// comments, releases). Fields are read in any order: the payload's parts are
// kept until the type is known.
#include "parse/internal/parser_impl.h"

namespace starling::parse {
namespace {

// "title\n\nbody", or the title alone when there is no body.
void TitleAndBody(std::string_view title, std::string_view body, std::string* out) {
  out->assign(title);
  if (!body.empty()) {
    if (!out->empty()) out->append("\n\n");
    out->append(body);
  }
}

struct Payload {
  std::string commits;  // messages joined by "\n"
  std::string issue_title, issue_body, pr_title, pr_body, comment_body, review_body;
  std::string release_name, release_tag, release_body;
};

// {title, body} of an issue or pull request; {body} of a comment or review;
// {name, tag_name, body} of a release. Other fields are skipped.
void ReadTitled(od::value v, std::string* title, std::string* body, std::string* tag = nullptr) {
  if (IsNull(v)) return;
  for (auto field : v.get_object()) {
    const std::string_view k = Key(field);
    if (title != nullptr && (Is(k, "title") || (tag != nullptr && Is(k, "name")))) {
      StrOrEmpty(field.value(), title);
    } else if (Is(k, "body")) {
      StrOrEmpty(field.value(), body);
    } else if (tag != nullptr && Is(k, "tag_name")) {
      StrOrEmpty(field.value(), tag);
    }
  }
}

void ReadPayload(od::value v, Payload* pl) {
  if (IsNull(v)) return;
  for (auto field : v.get_object()) {
    const std::string_view k = Key(field);
    od::value fv = field.value();
    switch (Hash(k)) {
      case Hash("commits"):
        if (!Is(k, "commits") || IsNull(fv)) break;
        for (od::value c : fv.get_array()) {
          for (auto cf : c.get_object()) {
            if (!Is(Key(cf), "message")) continue;
            if (!pl->commits.empty()) pl->commits.push_back('\n');
            pl->commits.append(Str(cf.value()));
          }
        }
        break;
      case Hash("issue"):
        if (Is(k, "issue")) ReadTitled(fv, &pl->issue_title, &pl->issue_body);
        break;
      case Hash("pull_request"):
        if (Is(k, "pull_request")) ReadTitled(fv, &pl->pr_title, &pl->pr_body);
        break;
      case Hash("comment"):
        if (Is(k, "comment")) ReadTitled(fv, nullptr, &pl->comment_body);
        break;
      case Hash("review"):
        if (Is(k, "review")) ReadTitled(fv, nullptr, &pl->review_body);
        break;
      case Hash("release"):
        if (Is(k, "release")) {
          ReadTitled(fv, &pl->release_name, &pl->release_body, &pl->release_tag);
        }
        break;
      default:
        break;
    }
  }
}

}  // namespace

void PostParser::Impl::ParseGitHubEvent(od::object obj, Post* p) {
  std::string& type = scratch_a;
  type.clear();
  Payload pl;
  bool has_type = false;
  for (auto field : obj) {
    const std::string_view k = Key(field);
    od::value v = field.value();
    switch (Hash(k)) {
      case Hash("id"):
        if (Is(k, "id")) IdInto(v, &p->id);
        break;
      case Hash("type"):
        if (!Is(k, "type")) break;
        type = Str(v);
        has_type = true;
        break;
      case Hash("created_at"):
        if (!Is(k, "created_at")) break;
        p->created_at = TimeOf(v, "created_at");
        break;
      case Hash("actor"):
        if (!Is(k, "actor")) break;
        AuthorInto(v, "id", "login", "display_login", &p->author);
        break;
      case Hash("repo"):
        if (!Is(k, "repo") || IsNull(v)) break;
        for (auto rf : v.get_object()) {
          if (Is(Key(rf), "name")) StrOrEmpty(rf.value(), &p->channel);
        }
        break;
      case Hash("payload"):
        if (Is(k, "payload")) ReadPayload(v, &pl);
        break;
      default:
        break;
    }
  }
  if (p->id.empty()) throw Malformed("github event: no id");
  if (!has_type) throw Malformed("github event: no type");
  // Events before display_login existed (2013) name the actor by login only.
  if (p->author.name.empty()) p->author.name = p->author.handle;
  p->provider = model::Provider::kGitHub;
  using model::PostKind;
  if (type == "PushEvent") {
    p->kind = PostKind::kPush;
    p->text = std::move(pl.commits);
  } else if (type == "IssuesEvent") {
    p->kind = PostKind::kIssue;
    TitleAndBody(pl.issue_title, pl.issue_body, &p->text);
  } else if (type == "PullRequestEvent") {
    p->kind = PostKind::kPullRequest;
    TitleAndBody(pl.pr_title, pl.pr_body, &p->text);
  } else if (type == "IssueCommentEvent" || type == "PullRequestReviewCommentEvent" ||
             type == "CommitCommentEvent") {
    p->kind = PostKind::kComment;
    p->text = std::move(pl.comment_body);
  } else if (type == "PullRequestReviewEvent") {
    p->kind = PostKind::kComment;
    p->text = std::move(pl.review_body);
  } else if (type == "ReleaseEvent") {
    p->kind = PostKind::kRelease;
    TitleAndBody(pl.release_name.empty() ? pl.release_tag : pl.release_name, pl.release_body,
                 &p->text);
  } else if (type == "WatchEvent") {
    p->kind = PostKind::kStar;
  } else if (type == "ForkEvent") {
    p->kind = PostKind::kFork;
  } else {
    p->kind = PostKind::kActivity;  // Create, Delete, Gollum, Member, Public, ...
  }
  if (extract) {
    AppendExtracted(p, nullptr, false);
    p->entities_extracted = true;
  }
}

}  // namespace starling::parse
