// File: query/mongo_compiler.cc
#include "query/mongo_compiler.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "query/internal/eval.h"
#include "query/sql_compiler.h"
#include "sink/tables.h"

namespace starling::query {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// --- Extended JSON --------------------------------------------------------------

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string IntJson(std::int64_t v) { return "{\"$numberLong\": \"" + std::to_string(v) + "\"}"; }

std::string RealJson(double v) {
  if (std::isnan(v)) return "{\"$numberDouble\": \"NaN\"}";
  if (std::isinf(v))
    return v > 0 ? "{\"$numberDouble\": \"Infinity\"}" : "{\"$numberDouble\": \"-Infinity\"}";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // A number without '.' or an exponent would read as an integer.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string ValueJson(const Value& v) {
  switch (v.type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return v.i ? "true" : "false";
    case Type::kInt:
      return IntJson(v.i);
    case Type::kReal:
      return RealJson(v.d);
    case Type::kText:
      return JsonString(v.text());
  }
  return "null";
}

// --- Conditions: the documents where an expression is true (or false) ------------

struct Cond {
  enum Kind : std::uint8_t { kNever, kAlways, kDoc } kind = kAlways;
  std::string doc;  // kDoc: a query document
};

Cond Never() { return {Cond::kNever, {}}; }
Cond Always() { return {Cond::kAlways, {}}; }
Cond Doc(std::string d) { return {Cond::kDoc, std::move(d)}; }

Cond Combine(const std::vector<Cond>& parts, bool all) {
  std::vector<std::string> docs;
  for (const Cond& c : parts) {
    if (c.kind == (all ? Cond::kNever : Cond::kAlways)) return c;
    if (c.kind == Cond::kDoc) docs.push_back(c.doc);
  }
  if (docs.empty()) return all ? Always() : Never();
  if (docs.size() == 1) return Doc(docs[0]);
  std::string s = all ? "{\"$and\": [" : "{\"$or\": [";
  for (std::size_t i = 0; i < docs.size(); ++i) s += (i ? ", " : "") + docs[i];
  return Doc(s + "]}");
}
Cond And(Cond a, Cond b) { return Combine({std::move(a), std::move(b)}, true); }
Cond Or(Cond a, Cond b) { return Combine({std::move(a), std::move(b)}, false); }

// The comparison that holds when `op` is false of two non-NULL values.
Op Negate(Op op) {
  switch (op) {
    case Op::kEq:
      return Op::kNe;
    case Op::kNe:
      return Op::kEq;
    case Op::kLt:
      return Op::kGe;
    case Op::kLe:
      return Op::kGt;
    case Op::kGt:
      return Op::kLe;
    case Op::kGe:
      return Op::kLt;
    default:
      return op;
  }
}

// a op b as b op' a.
Op Flip(Op op) {
  switch (op) {
    case Op::kLt:
      return Op::kGt;
    case Op::kLe:
      return Op::kGe;
    case Op::kGt:
      return Op::kLt;
    case Op::kGe:
      return Op::kLe;
    default:
      return op;
  }
}

bool IsComparison(Op op) { return op <= Op::kGe; }

bool IsConstant(const PExpr& e) {
  if (e.kind == PKind::kColumn) return false;
  for (const PExpr& a : e.args) {
    if (!IsConstant(a)) return false;
  }
  return true;
}

// The smallest integer c whose conversion to a float (as the native executor
// converts an integer compared with a float) is >= d (strict: > d); none
// (2^63) when there is none. The conversion is monotonic: a binary search.
std::optional<std::int64_t> FirstIntAtLeast(double d, bool strict) {
  auto holds = [&](std::int64_t c) {
    const double f = static_cast<double>(c);
    return strict ? f > d : f >= d;
  };
  if (!holds(kMax)) return std::nullopt;
  std::int64_t lo = kMin, hi = kMax;  // holds(hi); the answer is in [lo, hi]
  while (lo < hi) {
    const auto half = (static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)) / 2;
    const std::int64_t mid = lo + static_cast<std::int64_t>(half);
    if (holds(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// What an expression is, for a refusal.
std::string Describe(const PExpr& e) {
  switch (e.kind) {
    case PKind::kLiteral:
      return "a constant";
    case PKind::kColumn:
      return "a column";
    case PKind::kToReal:
      return "an integer as a float";
    case PKind::kNeg:
      return "arithmetic";
    case PKind::kNot:
    case PKind::kAnd:
    case PKind::kOr:
      return "a condition";
    case PKind::kIsNull:
    case PKind::kIsNotNull:
      return "a NULL test";
    case PKind::kBinary:
      return IsComparison(e.op) ? "a comparison" : "arithmetic";
    case PKind::kCoalesce:
      return "??";
    case PKind::kCall:
      return std::string(FunctionInfoOf(e.fn).name);
  }
  return "an expression";
}

// A field of the documents the pipeline makes at some stage.
struct Field {
  std::string path;  // "text", "hashtags.tag", "_id.k0", "a0"
  Type type = Type::kNull;
  bool non_null = false;  // no document has it NULL
  std::string refused;    // non-empty: why it cannot be read
  Value empty;            // an aggregate's value over no rows
};

class MongoCompiler {
 public:
  MongoCompiler(const MongoFieldFn& field, const MongoServer& server)
      : field_fn_(field), server_(server) {}

  Result<MongoQuery> Run(const Plan& plan) {
    for (std::size_t k = 0; k < plan.nodes.size(); ++k) {
      const Node& n = plan.nodes[k];
      switch (n.kind) {
        case NodeKind::kScan:
          STARLING_RETURN_IF_ERROR(Scan(n));
          break;
        case NodeKind::kFilter:
          STARLING_RETURN_IF_ERROR(Filter(n));
          break;
        case NodeKind::kProject: {
          std::vector<PExpr> out;
          for (const PExpr& e : n.exprs) out.push_back(Substitute(e));
          cols_ = std::move(out);
          break;
        }
        case NodeKind::kAggregate:
          STARLING_RETURN_IF_ERROR(Aggregate(n));
          break;
        case NodeKind::kSort:
          STARLING_RETURN_IF_ERROR(Sort(plan, k));
          break;
        case NodeKind::kTake:
          Take(n);
          break;
        case NodeKind::kJoin:
          return Refuse("a join", "$lookup");
      }
    }
    MongoQuery q;
    const std::vector<std::string> names = plan.ColumnNames();
    std::string project;
    bool id_read = false;
    std::set<std::string> listed;
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(cols_[i], "the column '" + names[i] + "'"));
      const Field& field = fields_[static_cast<std::size_t>(f)];
      q.fields.push_back(field.path);
      q.empty_row.push_back(field.empty);
      id_read |= field.path == "_id" || field.path.starts_with("_id.");
      if (listed.insert(field.path).second) project += ", " + JsonString(field.path) + ": 1";
    }
    // Only the answer's fields come back (not `raw`, not the entity arrays).
    if (!cols_.empty())
      stages_.push_back("{\"$project\": {" + project.substr(2) + (id_read ? "" : ", \"_id\": 0") +
                        "}}");
    q.empty_input_row = one_row_ && row_kept_;
    if (!q.empty_input_row) q.empty_row.clear();
    q.statement = "{\"aggregate\": " + JsonString(collection_) + ", \"pipeline\": [";
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      q.statement += (i ? ",\n  " : "\n  ") + stages_[i];
    }
    q.statement += stages_.empty() ? "]}" : "\n]}";
    return q;
  }

 private:
  Status Refuse(const std::string& what, const std::string& lacks) const {
    return InvalidArgument("query: " + what + " cannot be run on MongoDB here (" + server_.name +
                           " lacks " + lacks + ")");
  }

  // --- Tables ---------------------------------------------------------------------

  int AddField(Field f) {
    fields_.push_back(std::move(f));
    return static_cast<int>(fields_.size()) - 1;
  }

  static PExpr Ref(int field, Type type) {
    PExpr e;
    e.kind = PKind::kColumn;
    e.column = field;
    e.type = type;
    return e;
  }

  Status Scan(const Node& n) {
    if (n.table.result) {
      // A result collection: a document per row, every column a field; a real
      // that is not finite is stored as null.
      collection_ = n.table.name;
      for (const Column& c : n.columns) {
        cols_.push_back(Ref(AddField({c.name, c.type, c.type != Type::kReal, {}, {}}), c.type));
      }
      return Status::Ok();
    }
    const sink::TableInfo& t = sink::TableInfoOf(n.table.logical);
    collection_ = "posts";
    const bool posts = n.table.logical == sink::LogicalTable::kPosts;
    if (!posts) stages_.push_back("{\"$unwind\": " + JsonString("$" + std::string(t.name)) + "}");
    for (std::size_t i = 0; i < n.columns.size(); ++i) {
      const Column& c = n.columns[i];
      Field f{c.name, c.type, !t.columns[i].nullable, {}, {}};
      if (posts) {
        const std::string stored = field_fn_ ? field_fn_(t.name, c.name) : std::string();
        if (!stored.empty()) f.path = stored;
        if (c.name == "raw") {
          f.refused =
              "posts.raw is read back as a BSON document, not the provider's byte-exact JSON";
        }
      } else {
        f.path = std::string(t.name) + "." + c.name;
      }
      cols_.push_back(Ref(AddField(std::move(f)), c.type));
    }
    return Status::Ok();
  }

  // An expression over the input's columns as one over fields.
  PExpr Substitute(const PExpr& e) const {
    if (e.kind == PKind::kColumn) return cols_[static_cast<std::size_t>(e.column)];
    PExpr out = e;
    for (PExpr& a : out.args) a = Substitute(a);
    return out;
  }

  // The field an expression is; refused when it is computed.
  Result<int> FieldOf(const PExpr& e, const std::string& what) const {
    if (e.kind != PKind::kColumn) {
      return Refuse(what + " (" + Describe(e) + ")",
                    "computed fields: $project and $addFields with an expression, $literal");
    }
    const Field& f = fields_[static_cast<std::size_t>(e.column)];
    if (!f.refused.empty())
      return InvalidArgument("query: " + what + " cannot be run on MongoDB: " + f.refused);
    return e.column;
  }

  // --- Filter -----------------------------------------------------------------------

  Status Filter(const Node& n) {
    if (one_row_) {
      return Refuse("a filter after aggregate",
                    "a way to tell an empty input from a row filtered out ($facet, $unionWith)");
    }
    const PExpr pred = Substitute(n.predicate);
    STARLING_ASSIGN_OR_RETURN(const Cond c, Truth(pred, true));
    if (c.kind == Cond::kNever) stages_.push_back(kMatchNothing);
    if (c.kind == Cond::kDoc) stages_.push_back("{\"$match\": " + c.doc + "}");
    std::set<int> non_null;
    NonNullWhen(pred, true, &non_null);
    for (const int f : non_null) fields_[static_cast<std::size_t>(f)].non_null = true;
    return Status::Ok();
  }

  // A field, or an integer field as a float (what a comparison with a float reads).
  static const PExpr* Operand(const PExpr& e) {
    if (e.kind == PKind::kColumn) return &e;
    if (e.kind == PKind::kToReal && e.args[0].kind == PKind::kColumn) return &e.args[0];
    return nullptr;
  }

  // The fields a row must have non-NULL for `e` to be `want`.
  void NonNullWhen(const PExpr& e, bool want, std::set<int>* out) const {
    switch (e.kind) {
      case PKind::kNot:
        NonNullWhen(e.args[0], !want, out);
        return;
      case PKind::kAnd:
      case PKind::kOr: {
        if ((e.kind == PKind::kAnd) == want) {
          NonNullWhen(e.args[0], want, out);
          NonNullWhen(e.args[1], want, out);
          return;
        }
        std::set<int> a, b;
        NonNullWhen(e.args[0], want, &a);
        NonNullWhen(e.args[1], want, &b);
        for (const int f : a) {
          if (b.contains(f)) out->insert(f);
        }
        return;
      }
      case PKind::kIsNull:
      case PKind::kIsNotNull:
        if ((e.kind == PKind::kIsNotNull) == want) {
          if (const PExpr* x = Operand(e.args[0])) out->insert(x->column);
        }
        return;
      case PKind::kBinary:
        if (!IsComparison(e.op)) return;
        for (const PExpr& a : e.args) {
          if (const PExpr* x = Operand(a)) out->insert(x->column);
        }
        return;
      case PKind::kCall:  // a row function of NULL is NULL: neither true nor false
        for (const PExpr& a : e.args) {
          if (const PExpr* x = Operand(a)) out->insert(x->column);
        }
        return;
      default:
        return;
    }
  }

  // The documents where `e` is `want` (true or false; never NULL).
  Result<Cond> Truth(const PExpr& e, bool want) {
    if (IsConstant(e)) {
      const Value v = internal::Eval(e, nullptr, &arena_);
      if (v.type == Type::kBool) return (v.i != 0) == want ? Always() : Never();
      return Never();  // NULL is neither
    }
    switch (e.kind) {
      case PKind::kNot:
        return Truth(e.args[0], !want);
      case PKind::kAnd:
      case PKind::kOr: {
        STARLING_ASSIGN_OR_RETURN(Cond a, Truth(e.args[0], want));
        STARLING_ASSIGN_OR_RETURN(Cond b, Truth(e.args[1], want));
        // Kleene: a && b is false when either is; a || b true when either is.
        return (e.kind == PKind::kAnd) == want ? And(std::move(a), std::move(b))
                                               : Or(std::move(a), std::move(b));
      }
      case PKind::kIsNull:
      case PKind::kIsNotNull: {
        const PExpr* x = Operand(e.args[0]);
        if (x == nullptr) return RefuseInFilter(e.args[0]);
        STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(*x, "a filter on " + Name(*x)));
        const bool is_null = (e.kind == PKind::kIsNull) == want;
        return Doc("{" + JsonString(fields_[static_cast<std::size_t>(f)].path) +
                   (is_null ? ": null}" : ": {\"$ne\": null}}"));
      }
      case PKind::kBinary:
        if (IsComparison(e.op)) return Compare(e, want);
        break;
      case PKind::kCall:
        if (e.fn == Fn::kTextStartsWith || e.fn == Fn::kTextEndsWith || e.fn == Fn::kTextContains) {
          return Match(e, want);
        }
        break;
      default:
        break;
    }
    return RefuseInFilter(e);
  }

  // text.starts_with/ends_with/contains of a constant in a field: a $regex
  // of the constant's bytes, every ASCII metacharacter escaped (the match is
  // case-sensitive, of bytes; \z is the very end, where $ could also match
  // before a final newline).
  Result<Cond> Match(const PExpr& e, bool want) {
    const PExpr* x = Operand(e.args[1]);
    if (!IsConstant(e.args[0]) || x == nullptr) {
      return Refuse(
          std::string(FunctionInfoOf(e.fn).name) + " of anything but a constant in a column",
          "$expr and the string expressions ($indexOfBytes, $substrBytes)");
    }
    const Value v = internal::Eval(e.args[0], nullptr, &arena_);
    if (v.null()) return Never();
    STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(*x, "a filter on " + Name(*x)));
    std::string re = e.fn == Fn::kTextStartsWith ? "^" : "";
    for (const char c : v.text()) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) re += '\\';
      re += c;
    }
    if (e.fn == Fn::kTextEndsWith) re += "\\z";
    const std::string path = JsonString(fields_[static_cast<std::size_t>(f)].path);
    const std::string regex = "{\"$regex\": " + JsonString(re) + "}";
    if (want) return Doc("{" + path + ": " + regex + "}");
    return And(Doc("{" + path + ": {\"$ne\": null}}"),
               Doc("{" + path + ": {\"$not\": " + regex + "}}"));
  }

  Status RefuseInFilter(const PExpr& e) const {
    return Refuse("a filter on " + Describe(e),
                  "$expr and the expressions of computed values ($add, $toLower, $strLenCP, "
                  "$cond, $ifNull...)");
  }

  std::string Name(const PExpr& field) const {
    return "'" + fields_[static_cast<std::size_t>(field.column)].path + "'";
  }

  // x op v (one side a field, the other a constant), or (x ?? c) op v.
  Result<Cond> Compare(const PExpr& e, bool want) {
    const PExpr* a = &e.args[0];
    const PExpr* b = &e.args[1];
    Op op = e.op;
    if (IsConstant(*a)) {
      std::swap(a, b);
      op = Flip(op);
    }
    if (!IsConstant(*b)) {
      return Refuse("a comparison of two columns or computed values", "$expr in $match");
    }
    const Value v = internal::Eval(*b, nullptr, &arena_);
    if (v.null()) return Never();
    if (a->kind == PKind::kCoalesce && IsConstant(a->args[1]) && Operand(a->args[0]) != nullptr) {
      // (x ?? c) op v: x op v where x is not NULL; c op v where it is.
      const PExpr* x = Operand(a->args[0]);
      PExpr folded = e;
      folded.args = {a->args[1], *b};
      folded.op = op;
      const Value c = internal::Eval(folded, nullptr, &arena_);
      STARLING_ASSIGN_OR_RETURN(Cond when_set, CompareField(a->args[0], op, v, want));
      if (!c.null() && (c.i != 0) == want) {
        STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(*x, "a filter on " + Name(*x)));
        return Or(std::move(when_set),
                  Doc("{" + JsonString(fields_[static_cast<std::size_t>(f)].path) + ": null}"));
      }
      return when_set;
    }
    return CompareField(*a, op, v, want);
  }

  Result<Cond> CompareField(const PExpr& a, Op op, const Value& v, bool want) {
    const PExpr* x = Operand(a);
    if (x == nullptr) return RefuseInFilter(a);
    STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(*x, "a filter on " + Name(*x)));
    const std::string path = JsonString(fields_[static_cast<std::size_t>(f)].path);
    // False of two non-NULL values is the negated comparison true.
    if (!want) op = Negate(op);
    if (a.kind == PKind::kToReal) return IntAsReal(path, op, v.d);
    const std::string lit = ValueJson(v);
    if (v.type == Type::kReal && std::isnan(v.d)) {
      return Refuse("a comparison with NaN", "the IEEE meaning of NaN in comparisons");
    }
    static constexpr const char* kOps[] = {"$eq", "$ne", "$lt", "$lte", "$gt", "$gte"};
    // MongoDB's $ne matches a missing or null field; NULL != v is NULL.
    if (op == Op::kNe) return Doc("{" + path + ": {\"$nin\": [" + lit + ", null]}}");
    return Doc("{" + path + ": {\"" + kOps[static_cast<int>(op)] + "\": " + lit + "}}");
  }

  // An integer field compared as a float (converted first, as natively; the
  // server compares an Int64 with a double exactly): the same rows as a
  // comparison of the integer with the thresholds where its conversion
  // crosses d.
  Result<Cond> IntAsReal(const std::string& path, Op op, double d) {
    if (std::isnan(d))
      return Refuse("a comparison with NaN", "the IEEE meaning of NaN in comparisons");
    using Bound = std::optional<std::int64_t>;   // none: 2^63
    const Bound lo = FirstIntAtLeast(d, false);  // (double)c >= d  <=>  c >= lo
    const Bound hi = FirstIntAtLeast(d, true);   // (double)c >  d  <=>  c >= hi
    const std::string non_null = "{" + path + ": {\"$ne\": null}}";
    auto below = [&](Bound t) -> Cond {
      if (!t) return Doc(non_null);
      if (*t == kMin) return Never();
      return Doc("{" + path + ": {\"$lt\": " + IntJson(*t) + "}}");
    };
    auto at_least = [&](Bound t) -> Cond {
      if (!t) return Never();
      if (*t == kMin) return Doc(non_null);
      return Doc("{" + path + ": {\"$gte\": " + IntJson(*t) + "}}");
    };
    switch (op) {
      case Op::kLt:
        return below(lo);
      case Op::kLe:
        return below(hi);
      case Op::kGt:
        return at_least(hi);
      case Op::kGe:
        return at_least(lo);
      case Op::kEq:
        return lo == hi ? Never() : And(at_least(lo), below(hi));
      case Op::kNe:
        return Or(below(lo), at_least(hi));
      default:
        break;
    }
    return Internal("query: a comparison the MongoDB compiler does not know");
  }

  // --- Group, sort, take ---------------------------------------------------------------

  Status Aggregate(const Node& n) {
    if (one_row_) {
      return Refuse("a group or aggregate after aggregate",
                    "a way to tell an empty input from no row ($facet, $unionWith)");
    }
    std::string id;
    std::vector<PExpr> out;
    for (std::size_t k = 0; k < n.group_keys.size(); ++k) {
      const PExpr key = Substitute(n.group_keys[k]);
      STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(key, "a group key"));
      // A copy: AddField below may move fields_.
      const Field in = fields_[static_cast<std::size_t>(f)];
      const std::string name = "k" + std::to_string(k);
      id += (k ? ", " : "") + JsonString(name) + ": " + JsonString("$" + in.path);
      out.push_back(Ref(AddField({"_id." + name, in.type, in.non_null, {}, {}}), in.type));
    }
    if (n.group_keys.empty()) NullsOutOfOneAggregate(n);
    // Each distinct accumulator once; the aggregates that are the same share it.
    std::map<std::string, int> accumulators;
    std::string fields;
    for (std::size_t j = 0; j < n.aggregates.size(); ++j) {
      const query::Aggregate& a = n.aggregates[j];
      if (!n.needed[n.group_keys.size() + j]) {
        // Nothing reads it: never computed (as natively).
        PExpr unread;
        unread.type = a.type;
        out.push_back(std::move(unread));
        continue;
      }
      STARLING_ASSIGN_OR_RETURN(const std::string acc, Accumulator(a));
      auto [it, fresh] = accumulators.emplace(acc, -1);
      if (fresh) {
        if (accumulators.size() > 1 && !server_.several_accumulators) {
          return Refuse("more than one kind of aggregate in one group (here " +
                            std::to_string(n.aggregates.size()) + ")",
                        "a $group that computes more than its first accumulator (the others "
                        "come back 0)");
        }
        const std::string name = "a" + std::to_string(accumulators.size() - 1);
        fields += ", " + JsonString(name) + ": " + acc;
        Field f{name, a.type, true, {}, {}};
        f.empty = a.fn == Fn::kCount ? Value::Int(0) : Value::Null();
        it->second = AddField(std::move(f));
      }
      out.push_back(Ref(it->second, a.type));
    }
    stages_.push_back("{\"$group\": {\"_id\": " +
                      (id.empty() ? std::string("null") : "{" + id + "}") + fields + "}}");
    cols_ = std::move(out);
    if (n.group_keys.empty()) one_row_ = true;
    return Status::Ok();
  }

  // `aggregate {count x, sum x}` without group, every aggregate of one
  // column: the rows where it is NULL count for none of them, so they go
  // first (no row left: the empty input's row, count 0 and sum NULL, as
  // defined).
  void NullsOutOfOneAggregate(const Node& n) {
    int field = -1;
    for (const query::Aggregate& a : n.aggregates) {
      const PExpr arg = a.star ? PExpr{} : Substitute(a.arg);
      if (a.star || (a.fn != Fn::kCount && a.fn != Fn::kSum) || arg.kind != PKind::kColumn ||
          (field >= 0 && arg.column != field)) {
        return;
      }
      field = arg.column;
    }
    if (field < 0) return;
    Field& f = fields_[static_cast<std::size_t>(field)];
    if (f.non_null || !f.refused.empty()) return;
    stages_.push_back("{\"$match\": {" + JsonString(f.path) + ": {\"$ne\": null}}}");
    f.non_null = true;
  }

  Result<std::string> Accumulator(const query::Aggregate& a) {
    const std::string name(FunctionInfoOf(a.fn).name);
    if (a.fn == Fn::kCount && a.star) return std::string("{\"$sum\": 1}");
    if (a.fn != Fn::kCount && a.fn != Fn::kSum) {
      const char* lacks = a.fn == Fn::kCountDistinct ? "$addToSet in $group"
                          : a.fn == Fn::kMin         ? "$min in $group"
                          : a.fn == Fn::kMax         ? "$max in $group"
                                                     : "$avg in $group";
      return Refuse(name, lacks);
    }
    const PExpr arg = Substitute(a.arg);
    STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(arg, name + " of an expression"));
    const Field& x = fields_[static_cast<std::size_t>(f)];
    if (!x.non_null) {
      // $sum ignores nulls and gives 0 for none; count x and sum x need to know.
      return Refuse(name + " " + x.path + " (it may be NULL: filter " + x.path + " != null first)",
                    "the expressions ($cond, $ifNull) to tell NULLs apart in $group");
    }
    if (a.fn == Fn::kCount) return std::string("{\"$sum\": 1}");
    return "{\"$sum\": " + JsonString("$" + x.path) + "}";
  }

  Status Sort(const Plan& plan, std::size_t k) {
    // One row, or an order nothing sees (a group or another sort comes
    // before any take): nothing to do.
    if (one_row_) return Status::Ok();
    for (std::size_t j = k + 1; j < plan.nodes.size(); ++j) {
      const NodeKind next = plan.nodes[j].kind;
      if (next == NodeKind::kTake) break;
      if (next == NodeKind::kSort || next == NodeKind::kAggregate) return Status::Ok();
    }
    const Node& n = plan.nodes[k];
    std::vector<std::pair<int, bool>> terms;
    for (const OrderKey& key : n.sort_keys) {
      STARLING_ASSIGN_OR_RETURN(const int f, FieldOf(Substitute(key.expr), "a sort key"));
      terms.emplace_back(f, key.descending);
    }
    // The total order's ties: the columns up to the unique key, ascending.
    for (std::size_t i = 0; i < n.tie_columns; ++i) {
      STARLING_ASSIGN_OR_RETURN(const int f,
                                FieldOf(cols_[i], "a sort (its ties are broken by every column)"));
      terms.emplace_back(f, false);
    }
    std::set<std::string> seen;
    std::string doc;
    for (const auto& [f, desc] : terms) {
      const Field& field = fields_[static_cast<std::size_t>(f)];
      if (!seen.insert(field.path).second) continue;
      if (!field.non_null) {
        return Refuse("a sort by " + field.path +
                          " (it may be NULL, which sorts last ascending and first descending; "
                          "MongoDB sorts it first ascending and last descending)",
                      "the expressions ($ifNull, $cond) to move NULLs: filter " + field.path +
                          " != null first");
      }
      doc += (doc.empty() ? "" : ", ") + JsonString(field.path) + (desc ? ": -1" : ": 1");
    }
    stages_.push_back("{\"$sort\": {" + doc + "}}");
    return Status::Ok();
  }

  void Take(const Node& n) {
    // After aggregate without group: the one row goes on or not, whatever the input.
    if (one_row_ && (n.offset > 0 || n.limit == 0)) row_kept_ = false;
    if (n.offset > 0) stages_.push_back("{\"$skip\": " + std::to_string(n.offset) + "}");
    if (n.limit == 0) {
      stages_.push_back(kMatchNothing);  // $limit must be positive
    } else {
      stages_.push_back("{\"$limit\": " + std::to_string(n.limit) + "}");
    }
  }

  // A $match no document passes ($in of nothing; every stage keeps _id).
  static constexpr const char* kMatchNothing = "{\"$match\": {\"_id\": {\"$in\": []}}}";

  const MongoFieldFn& field_fn_;
  const MongoServer& server_;
  Arena arena_;
  std::string collection_;
  std::vector<Field> fields_;
  std::vector<PExpr>
      cols_;  // the relation's columns: a field each (kColumn), or an expression over fields
  std::vector<std::string> stages_;
  bool one_row_ = false;  // after aggregate without group
  bool row_kept_ = true;  // no take after it drops that row
};

// A cell as the plan's type; strict where a float stands for an integer.
Result<Value> FromMongo(const sink::Value& cell, Type type, Arena* arena) {
  if (type == Type::kInt && std::holds_alternative<double>(cell)) {
    return ResourceExhausted(
        "MongoDB gave a float where the query has an integer: an integer sum past 64 bits");
  }
  return FromStore(cell, type, arena);
}

}  // namespace

Result<MongoQuery> CompileMongo(const Plan& plan, const MongoFieldFn& field,
                                const MongoServer& server) {
  return MongoCompiler(field, server).Run(plan);
}

Result<MongoQuery> CompileMongoForStore(const Plan& plan, const sink::QueryableStore& store) {
  const MongoFieldFn field = [&store](std::string_view t, std::string_view c) {
    return store.ColumnSql(t, c, "");
  };
  return CompileMongo(plan, field);
}

Result<Answer> RunOnMongo(const Plan& plan, sink::QueryableStore& store) {
  STARLING_ASSIGN_OR_RETURN(const MongoQuery q, CompileMongoForStore(plan, store));
  Answer answer;
  answer.names = plan.ColumnNames();
  for (const Column& c : plan.columns()) answer.types.push_back(c.type);
  std::vector<int> at(q.fields.size(), -1);  // each answer column's place in the store's row
  std::size_t rows = 0;
  STARLING_RETURN_IF_ERROR(store.Query(
      q.statement,
      [&](std::vector<std::string> columns) -> Status {
        for (std::size_t c = 0; c < q.fields.size(); ++c) {
          for (std::size_t s = 0; s < columns.size(); ++s) {
            if (columns[s] == q.fields[c]) at[c] = static_cast<int>(s);
          }
        }
        return Status::Ok();
      },
      [&](std::span<const sink::Value> row) -> Status {
        ++rows;
        for (std::size_t c = 0; c < at.size(); ++c) {
          if (at[c] < 0 || static_cast<std::size_t>(at[c]) >= row.size()) {
            answer.cells.push_back(Value::Null());  // a field no document has
            continue;
          }
          STARLING_ASSIGN_OR_RETURN(Value v, FromMongo(row[static_cast<std::size_t>(at[c])],
                                                       answer.types[c], &answer.arena));
          answer.cells.push_back(v);
        }
        return Status::Ok();
      }));
  if (rows == 0 && q.empty_input_row) {
    for (const Value& v : q.empty_row) answer.cells.push_back(v);
  }
  return answer;
}

}  // namespace starling::query
