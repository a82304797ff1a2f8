// File: tests/query/parser_test.cc
// The lexer, parser and resolver: what parses, and errors that point at the
// token (query:LINE:COL: message, the line, a caret).
#include "query/parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "query/dialects/dialects.h"
#include "query/functions.h"
#include "query/lexer.h"
#include "query/resolver.h"
#include "query/sql_compiler.h"

namespace starling::query {
namespace {

TEST(Lexer, TokensCarryLineAndColumn) {
  const QueryText q("from posts\n  | filter lang == \"en\" # a comment\n| take 5");
  auto toks = Lex(q);
  ASSERT_TRUE(toks.ok()) << toks.status().ToString();
  // from posts NL | filter lang == "en" NL | take 5 END
  ASSERT_EQ(toks->size(), 13u);
  EXPECT_EQ((*toks)[0].text, "from");
  EXPECT_EQ((*toks)[2].kind, Tok::kNewline);
  const Token& eq = (*toks)[6];
  EXPECT_EQ(eq.kind, Tok::kEq);
  EXPECT_EQ(eq.line, 2);
  EXPECT_EQ(eq.col, 17);
  const Token& five = (*toks)[11];
  EXPECT_EQ(five.kind, Tok::kInt);
  EXPECT_EQ(five.line, 3);
  EXPECT_EQ(five.col, 8);
}

TEST(Lexer, ColumnsCountCodePointsAndStringsDecodeEscapes) {
  const QueryText q("from posts | filter text == 'é\\n\\u{1F600}\\'' && x");
  auto toks = Lex(q);
  ASSERT_TRUE(toks.ok());
  const Token& s = (*toks)[6];
  EXPECT_EQ(s.kind, Tok::kString);
  EXPECT_EQ(s.text, "é\n\xF0\x9F\x98\x80'");
  EXPECT_EQ((*toks)[7].kind, Tok::kAnd);
  EXPECT_EQ((*toks)[8].col, 49);  // 'é' is one column
}

TEST(Lexer, NewlinesInsideBracketsAreNotSeparators) {
  auto toks = Lex(QueryText("derive {\n a = 1,\n b = 2\n}"));
  ASSERT_TRUE(toks.ok());
  for (const Token& t : *toks) EXPECT_NE(t.kind, Tok::kNewline);
}

TEST(Parser, TheSubsetParses) {
  const char* queries[] = {
      "from posts",
      "from p = posts | select {p.id, n = text.length p.text}",
      "from posts\n# comment\nfilter like_count > 10 && lang == 'en'\nsort {-like_count, id}\ntake "
      "5",
      "from hashtags | group {tag_lower} (aggregate {n = count this, d = count_distinct post_id}) "
      "| sort {-n} | take 1..10",
      "from posts | aggregate {n = count this, s = sum like_count, a = average like_count, "
      "lo = min created_at, hi = max created_at, c = count ref_id}",
      "from posts | join side:left h = hashtags (this.id == that.post_id) | select {id, h.tag}",
      "from post_references | join posts (==ref_id) | take 3",
      "from posts | derive {d = 7 // 2, m = 7 % 3, f = 7 / 2, c = like_count ?? 0, "
      "neg = -like_count, b = !(lang != null)}",
      "from posts | filter text.contains \"rust\" (text.lower text) || text.starts_with 'RT' text",
      "from posts | derive {h = time.floor \"1h\" created_at, d = time.floor 86400000000 "
      "created_at}",
      "from posts | filter created_at >= @2021-04-01T00:00:00Z",
      "from posts | filter like_count == -9223372036854775808",
      "from trending | filter analysis == 'top' | sort {-count}",
      "from posts | derive {x = 1.5e3, y = 1_000, z = true, n = null}",
  };
  for (const char* q : queries) {
    auto plan = Compile(q);
    EXPECT_TRUE(plan.ok()) << q << "\n" << plan.status().ToString();
  }
}

struct BadQuery {
  const char* query;
  const char* where;    // "query:L:C:"
  const char* message;  // a part of the message
};

TEST(Parser, ErrorsPointAtTheToken) {
  const BadQuery bad[] = {
      {"", "query:1:1:", "empty query"},
      {"filter x", "query:1:1:", "starts with `from"},
      {"from posts | filter lang = 'en'", "query:1:26:", "compare with '=='"},
      {"from posts\n| filter nolang == 'en'", "query:2:10:", "no column 'nolang'"},
      {"from nosuch", "query:1:6:", "no table 'nosuch'"},
      {"from posts | frobnicate", "query:1:14:", "unknown transform 'frobnicate'"},
      {"from posts | filter 'a", "query:1:21:", "no closing '"},
      {"from posts | filter lang == 'a\\q'", "query:1:31:", "unknown escape \\q"},
      {"from posts | filter like_count > 'x'", "query:1:21:", "mixes an integer and text"},
      {"from posts | filter like_count", "query:1:21:", "true/false condition"},
      {"from posts | derive {x = text + 1}", "query:1:26:", "'+' takes numbers"},
      {"from posts | derive {x = 1.5 // 2}", "query:1:26:", "takes integers"},
      {"from posts | group {lang} (sort {id})", "query:1:28:", "inside `group` is not supported"},
      {"from posts | group {lang} (aggregate {n = count this}) | take x",
       "query:1:63:", "take needs a positive integer"},
      {"from posts | aggregate {n = like_count}", "query:1:29:", "takes aggregate functions"},
      {"from posts | derive {n = count this}", "query:1:26:", "is an aggregate"},
      {"from posts | join hashtags (this.id > that.post_id)",
       "query:1:29:", "equalities of columns"},
      {"from posts | join side:right hashtags (==id)", "query:1:24:", "side:right"},
      {"from posts | join post_references (==ref_id) | select {ref_id}",
       "query:1:56:", "ambiguous"},
      {"from posts | derive {x = text.lower}", "query:1:26:", "needs its argument"},
      {"from posts | derive {x = time.floor 'fortnight' created_at}",
       "query:1:37:", "not a duration"},
      {"from posts | filter 1 < 2 < 3", "query:1:27:", "do not chain"},
      {"from posts | filter like_count == 9223372036854775808",
       "query:1:35:", "does not fit 64 bits"},
      {"from posts | filter x $ 1", "query:1:23:", "'$' starts nothing"},
      {"from posts | filter created_at > @yesterday", "query:1:34:", "not a timestamp"},
      {"from posts | select {id, id}", "query:1:26:", "names 'id' twice"},
      {"from posts | select {}", "query:1:14:", "leaves no column"},
      {"from posts | aggregate {}", "query:1:14:", "leaves no column"},
      {"from posts | group {} (aggregate {})", "query:1:14:", "leaves no column"},
  };
  for (const BadQuery& b : bad) {
    auto plan = Compile(b.query);
    ASSERT_FALSE(plan.ok()) << b.query;
    EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument) << b.query;
    const std::string& m = plan.status().message();
    EXPECT_TRUE(m.starts_with(b.where)) << b.query << "\n" << m;
    EXPECT_NE(m.find(b.message), std::string::npos) << b.query << "\n" << m;
  }
}

TEST(Parser, TheErrorQuotesTheLineWithACaret) {
  auto plan = Compile("from posts\n| filter nolang == 'en'\n| take 3");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(),
            "query:2:10: no column 'nolang' here (columns: id, provider, created_at, "
            "created_at_iso, author_id, author_handle, author_name, text, lang, kind, ref_id, "
            "repost_count, reply_count, like_count, quote_count, impression_count, lon, lat, "
            "place_id, place_name, country_code, entities_extracted, source_format, raw, "
            "channel)\n  | filter nolang == 'en'\n           ^");
}

TEST(Resolver, TypesAndNamesOfTheAnswer) {
  auto plan = Compile(
      "from p = posts | join side:left h = hashtags (p.id == h.post_id) | "
      "group {p.lang, h.tag} (aggregate {n = count this, a = average p.like_count, "
      "s = sum p.lon}) | derive {big = n > 1}");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const std::vector<std::string> names = plan->ColumnNames();
  EXPECT_EQ(names, (std::vector<std::string>{"lang", "tag", "n", "a", "s", "big"}));
  std::vector<Type> types;
  for (const Column& c : plan->columns()) types.push_back(c.type);
  EXPECT_EQ(types, (std::vector<Type>{Type::kText, Type::kText, Type::kInt, Type::kReal,
                                      Type::kReal, Type::kBool}));
}

TEST(Resolver, AScanReadsOnlyWhatTheQueryNeeds) {
  auto plan = Compile("from posts | filter lang == 'en' | select {id}");
  ASSERT_TRUE(plan.ok());
  const Node& scan = plan->nodes[0];
  std::vector<std::string> read;
  for (std::size_t i = 0; i < scan.columns.size(); ++i) {
    if (scan.needed[i]) read.push_back(scan.columns[i].name);
  }
  EXPECT_EQ(read, (std::vector<std::string>{"id", "lang"}));
  // A sort breaks ties with every column up to a unique key: posts.id is
  // the first column of posts, so id and the sort key are all it reads...
  auto sorted = Compile("from posts | sort {lang} | select {author_handle}");
  ASSERT_TRUE(sorted.ok());
  read.clear();
  for (std::size_t i = 0; i < sorted->nodes[0].columns.size(); ++i) {
    if (sorted->nodes[0].needed[i]) read.push_back(sorted->nodes[0].columns[i].name);
  }
  EXPECT_EQ(read, (std::vector<std::string>{"id", "author_handle", "lang"}));
  EXPECT_EQ(sorted->nodes[1].tie_columns, 1u);
  // ...but hashtags have no key: every column breaks ties.
  auto tags = Compile("from hashtags | sort {tag} | select {post_id}");
  ASSERT_TRUE(tags.ok());
  for (const bool n : tags->nodes[0].needed) EXPECT_TRUE(n);
  // After a select that moves the key, the columns before it count too.
  auto moved = Compile("from posts | select {lang, id, text} | sort {text}");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->nodes[2].tie_columns, 2u);
}

TEST(Functions, DocsListEveryFunction) {
  // docs/query.md holds FunctionsMarkdown() as it is.
  std::ifstream in(std::string(STARLING_TEST_SOURCE_DIR) + "/../docs/query.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(FunctionsMarkdown()), std::string::npos) << FunctionsMarkdown();
}

}  // namespace
}  // namespace starling::query

namespace starling::query {
namespace {

// Found by query_fuzz: nesting is bounded before the recursion could exhaust
// the stack, and an expression whose SQL would explode is refused, not built.
TEST(Parser, DeepNestingIsRefusedWhereItStarts) {
  const std::string parens =
      "from posts | select {a = " + std::string(5000, '(') + "1" + std::string(5000, ')') + "}";
  auto p = Compile(parens);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("query:1:"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("nests more than 200 levels"), std::string::npos);
  auto minus = Compile("from posts | select {a = " + std::string(100000, '-') + "1}");
  ASSERT_FALSE(minus.ok());
  EXPECT_NE(minus.status().message().find("nests more than"), std::string::npos);
  // 150 levels are fine.
  EXPECT_TRUE(Compile("from posts | select {a = " + std::string(150, '(') + "like_count" +
                      std::string(150, ')') + "}")
                  .ok());
  // Checked integer arithmetic names its operands more than once: 60 nested
  // additions would be gigabytes of SQL. Refused with a reason instead.
  std::string sum = "like_count";
  for (int i = 0; i < 60; ++i) sum = "(" + sum + " + like_count)";
  auto plan = Compile("from posts | select {a = " + sum + "}");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  for (const auto& dialect : {dialects::MakeSqlite(), dialects::MakePostgres(),
                              dialects::MakeMysql(), dialects::MakeClickhouse()}) {
    auto sql = CompileSql(*plan, *dialect);
    ASSERT_FALSE(sql.ok()) << dialect->Name();
    EXPECT_NE(sql.status().message().find("would pass 1 MiB"), std::string::npos)
        << sql.status().message();
  }
}

}  // namespace
}  // namespace starling::query
