// Fuzz target: `starling query`'s language (src/query/: lexer, parser,
// resolver) on arbitrary text. It must never crash; a query that fails must
// say where (query:LINE:COL:); a query that compiles must run on a few posts
// in memory and compile for every SQL dialect (or be refused) without
// trouble.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/dialects/dialects.h"
#include "query/executor.h"
#include "query/input.h"
#include "query/resolver.h"
#include "query/sql_compiler.h"

namespace {

std::vector<starling::model::Post> Posts() {
  using namespace starling::model;
  std::vector<Post> posts(3);
  posts[0].id = "1";
  posts[0].created_at = 1'617'292'351'000'000;
  posts[0].text = "#Straße and @anna 👩🏽‍💻";
  posts[0].lang = "de";
  posts[0].hashtags = {{"Straße", {0, 7}}};
  posts[0].mentions = {{"anna", "", {12, 17}}};
  posts[0].metrics.likes = 3;
  posts[1].id = "2";
  posts[1].created_at = -1;
  posts[1].text = "مرحبا";
  posts[1].kind = PostKind::kReply;
  posts[1].references = {{ReferenceType::kRepliedTo, "1"}};
  posts[1].geo.lon = 1e300;
  posts[2].id = "10";
  posts[2].metrics.likes = INT64_MAX;
  return posts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace starling::query;
  static const auto posts = Posts();
  static const std::unique_ptr<SqlDialect> dialects[] = {
      dialects::MakeSqlite(), dialects::MakePostgres(), dialects::MakeMysql(),
      dialects::MakeClickhouse()};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = Compile(text);
  if (!plan.ok()) {
    if (!plan.status().message().starts_with("query:")) std::abort();  // an error says where
    return 0;
  }
  MemoryPostInput input(posts);
  (void)Execute(*plan, input);
  for (const auto& d : dialects) (void)CompileSql(*plan, *d);
  return 0;
}
