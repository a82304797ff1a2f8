// The spec grammar: forms, typed parameters, unknown keys, redaction.
#include "common/spec.h"

#include <gtest/gtest.h>

namespace starling::spec {
namespace {

TEST(Spec, SchemeAndPath) {
  auto s = Parse("jsonl:out/posts.jsonl?raw=1&rotate=64M");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->scheme, "jsonl");
  EXPECT_FALSE(s->url);
  EXPECT_EQ(s->path, "out/posts.jsonl");
  ASSERT_EQ(s->params.size(), 2u);
  EXPECT_EQ(s->params[0].key, "raw");
  EXPECT_EQ(s->params[1].value, "64M");
  EXPECT_EQ(*s->Find("rotate"), "64M");
  EXPECT_EQ(s->Find("nope"), nullptr);
}

TEST(Spec, BarePathsAndWindowsDrives) {
  for (std::string_view text : {"out.jsonl", "dir/a:b.jsonl", "C:\\x.jsonl", "C:/x.jsonl",
                                "C:x.jsonl", "c:/x.jsonl", "C:", "-", "./x:y"}) {
    auto s = Parse(text);
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_EQ(s->scheme, "") << text;
    EXPECT_EQ(s->path, text);
  }
  auto s = Parse("JSONL:x");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, "jsonl");  // schemes are case-insensitive
}

TEST(Spec, OneLetterSchemes) {
  auto s = Parse("x:stream?backfill_minutes=2");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, "x");
  EXPECT_EQ(s->path, "stream");
  EXPECT_EQ(*s->Find("backfill_minutes"), "2");
}

TEST(Spec, EmptyPathWithQuery) {
  auto s = Parse("generate:?rate=10&seed=7");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, "generate");
  EXPECT_EQ(s->path, "");
  EXPECT_EQ(s->params.size(), 2u);
  auto g = Parse("generate");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->scheme, "");
  EXPECT_EQ(g->path, "generate");
}

TEST(Spec, UrlForms) {
  auto pg = Parse("postgres://me:s%40cret@db.example:5432/posts?sslmode=disable");
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  EXPECT_TRUE(pg->url);
  EXPECT_EQ(pg->scheme, "postgres");
  EXPECT_EQ(pg->user, "me");
  ASSERT_TRUE(pg->password.has_value());
  EXPECT_EQ(*pg->password, "s@cret");
  ASSERT_EQ(pg->hosts.size(), 1u);
  EXPECT_EQ(pg->hosts[0], "db.example:5432");
  EXPECT_EQ(pg->path, "posts");
  EXPECT_EQ(pg->redacted, "postgres://me:***@db.example:5432/posts?sslmode=disable");

  auto k = Parse("kafka://b1:9092,b2:9092/raw-posts?group=trending&start=earliest");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->hosts, (std::vector<std::string>{"b1:9092", "b2:9092"}));
  EXPECT_EQ(k->path, "raw-posts");
  EXPECT_FALSE(k->password.has_value());

  auto tcp = Parse("tcp://127.0.0.1:9999");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->hosts, (std::vector<std::string>{"127.0.0.1:9999"}));
  EXPECT_EQ(tcp->path, "");
}

TEST(Spec, ValuesAreDecoded) {
  auto s = Parse("x:search?query=%23rust+lang&since=2026-01-01");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->Find("query"), "#rust lang");
  EXPECT_FALSE(Parse("x:y?q=%4").ok());
  EXPECT_FALSE(Parse("x:y?q=%zz").ok());
}

TEST(Spec, Refusals) {
  EXPECT_FALSE(Parse("").ok());
  auto twice = Parse("jsonl:x?raw=1&raw=0");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("given twice"), std::string::npos);
  auto novalue = Parse("jsonl:x?raw");
  ASSERT_FALSE(novalue.ok());
  EXPECT_NE(novalue.status().message().find("not key=value"), std::string::npos);
}

TEST(Spec, SecretsAreRedactedEverywhere) {
  EXPECT_TRUE(IsSecretName("token"));
  EXPECT_TRUE(IsSecretName("bearer_token"));
  EXPECT_TRUE(IsSecretName("password"));
  EXPECT_TRUE(IsSecretName("api_key"));
  EXPECT_FALSE(IsSecretName("key"));
  EXPECT_FALSE(IsSecretName("rate"));

  EXPECT_EQ(Redact("x:stream?token=abc&rate=5"), "x:stream?token=***&rate=5");
  EXPECT_EQ(Redact("mysql://root:hunter2@127.0.0.1:3306/db"), "mysql://root:***@127.0.0.1:3306/db");
  EXPECT_EQ(Redact("mysql://root@h/db"), "mysql://root@h/db");
  EXPECT_EQ(Redact("jsonl:a@b:c.jsonl"), "jsonl:a@b:c.jsonl");

  // A password with an unescaped '/', '?' or '@' never shows, parsed or not.
  for (std::string_view text : {"tcp://me:s3cr?et@127.0.0.1:1", "tcp://me:s3/cret@127.0.0.1:1",
                                "postgres://me:p@ss@h/db?sslmode=x", "tcp://me:s3cr?et=1@h:1"}) {
    EXPECT_EQ(Redact(text).find("cr"), std::string::npos) << Redact(text);
    auto parsed = Parse(text);
    const std::string shown = parsed.ok() ? parsed->redacted : parsed.status().message();
    EXPECT_EQ(shown.find("s3cr"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("et@"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("p@ss"), std::string::npos) << shown;
  }
  auto abs = Parse("file:///tmp/x.jsonl");
  ASSERT_TRUE(abs.ok());
  EXPECT_TRUE(abs->hosts.empty());
  EXPECT_EQ(abs->path, "/tmp/x.jsonl");

  // A spec that fails to parse says so without the secret.
  auto bad = Parse("mongodb://u:hunter2@h/db?password=hunter2&password=x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos) << bad.status().message();

  const ParamDecl decls[] = {{"password", ParamType::kUint, "a number, oddly"}};
  auto spec = Parse("s:x?password=hunter2");
  ASSERT_TRUE(spec.ok());
  auto p = Params::Check(*spec, decls, "sink s");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().find("hunter2"), std::string::npos) << p.status().message();
}

TEST(Params, TypedValues) {
  const ParamDecl decls[] = {
      {"raw", ParamType::kBool, "provider JSON"},
      {"rotate", ParamType::kSize, "rotate size"},
      {"every", ParamType::kDuration, "interval"},
      {"n", ParamType::kUint, "count"},
      {"d", ParamType::kInt, "delta"},
      {"x", ParamType::kNumber, "speed"},
      {"tags", ParamType::kList, "tags"},
      {"name", ParamType::kString, "a name"},
  };
  auto spec =
      Parse("s:p?raw=yes&rotate=64MiB&every=1m30s&n=42&d=-3&x=2.5&tags=a,,b%2Cc,%20d&name=a+b");
  ASSERT_TRUE(spec.ok());
  auto p = Params::Check(*spec, decls, "sink s");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->Bool("raw", false));
  EXPECT_EQ(p->Size("rotate", 0), 64u << 20);
  EXPECT_EQ(p->Duration("every", {}), std::chrono::seconds(90));
  EXPECT_EQ(p->Uint("n", 0), 42u);
  EXPECT_EQ(p->Int("d", 0), -3);
  EXPECT_DOUBLE_EQ(p->Number("x", 0), 2.5);
  EXPECT_EQ(p->List("tags"), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(p->String("name"), "a b");
  EXPECT_FALSE(p->Has("missing"));
  EXPECT_EQ(p->Uint("missing", 9), 9u);
}

TEST(Params, UnknownKeyListsTheValidOnes) {
  const ParamDecl decls[] = {{"raw", ParamType::kBool, ""}, {"rotate", ParamType::kSize, ""}};
  auto spec = Parse("jsonl:x?rwa=1");
  ASSERT_TRUE(spec.ok());
  auto p = Params::Check(*spec, decls, "sink jsonl");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("unknown parameter 'rwa'"), std::string::npos);
  EXPECT_NE(p.status().message().find("(valid: raw, rotate)"), std::string::npos)
      << p.status().message();
  auto none = Params::Check(*spec, {}, "sink csv");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("(valid: none)"), std::string::npos);
}

TEST(Params, BadValuesNameTheKeyAndTheType) {
  const ParamDecl decls[] = {{"raw", ParamType::kBool, ""}, {"rotate", ParamType::kSize, ""}};
  auto spec = Parse("jsonl:x?raw=maybe");
  ASSERT_TRUE(spec.ok());
  auto p = Params::Check(*spec, decls, "sink jsonl");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("raw must be a boolean"), std::string::npos)
      << p.status().message();
}

TEST(ParseSize, Units) {
  EXPECT_EQ(*ParseSize("1048576"), 1048576u);
  EXPECT_EQ(*ParseSize("1M"), 1u << 20);
  EXPECT_EQ(*ParseSize("1m"), 1u << 20);
  EXPECT_EQ(*ParseSize("512K"), 512u << 10);
  EXPECT_EQ(*ParseSize("2GB"), 2ull << 30);
  EXPECT_EQ(*ParseSize("2GiB"), 2ull << 30);
  EXPECT_EQ(*ParseSize("1T"), 1ull << 40);
  EXPECT_EQ(*ParseSize("10B"), 10u);
  EXPECT_EQ(*ParseSize("0"), 0u);
  for (std::string_view bad : {"", "M", "1X", "1MiBs", "-1", "1.5M", "99999999999T", "10Bi"}) {
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  }
}

TEST(ParseBool, Words) {
  for (std::string_view t : {"1", "true", "TRUE", "yes", "on"}) EXPECT_TRUE(*ParseBool(t)) << t;
  for (std::string_view f : {"0", "false", "No", "off"}) EXPECT_FALSE(*ParseBool(f)) << f;
  EXPECT_FALSE(ParseBool("2").ok());
  EXPECT_FALSE(ParseBool("").ok());
}

}  // namespace
}  // namespace starling::spec
