#include "engine/sql/binder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "engine/base/check.h"
#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/catalog/connector_options.h"
#include "engine/expr/functions.h"
#include "fmt/format.h"

namespace weir::sql {
namespace {

using expr::BoundExprKind;
using expr::BoundExprPtr;
using types::LogicalType;
using types::TypeId;
using types::Value;

// Aggregate results are referenced from select/having expressions through
// columns numbered from kAggBase while binding; the aggregate rewrite maps
// them to the aggregate node's output columns.
constexpr int kAggBase = 1 << 20;

constexpr int64_t kMicrosPerSecond = 1000000;

/// A column visible to expressions: its plan column index is its position.
struct ScopeColumn {
  ScopeColumn(std::string q, std::string n, LogicalType t, bool null,
              SourceSpan s = {})
      : qualifier(std::move(q)),
        name(std::move(n)),
        type(t),
        nullable(null),
        span(s) {}
  std::string qualifier;  // table name or alias ("" for derived columns)
  std::string name;
  LogicalType type;
  bool nullable = true;
  SourceSpan span;  // the select item that made it, when derived
  /// The right-hand copy of a JOIN ... USING column: reachable only when
  /// qualified, and left out of SELECT *.
  bool merged_away = false;
};

/// A source read by a query, for pull-query checks and dependency lists.
struct SourceUse {
  std::string name;
  catalog::EntryKind kind;
  SourceSpan span;
};

/// A bound FROM item or query: its plan and the names it exposes.
struct BoundRel {
  PlanPtr plan;
  std::vector<ScopeColumn> columns;
  std::vector<SourceUse> sources;
  // Set when the relation comes straight from a window table function
  // (possibly filtered): the window columns and how they were made.
  std::optional<int> window_start;
  std::optional<int> window_end;
  WindowFn window_fn = WindowFn::kTumble;
  bool window_has_watermark = false;
  std::string window_time_name;
};

enum class Clause {
  kSelect,
  kWhere,
  kGroupBy,
  kHaving,
  kOn,
  kWatermark,
  kValues,
  kOrderBy,
  kWindowArg,
  kLimit,
  kLateness,
  kAggregateArg
};

const char* ClauseName(Clause c) {
  switch (c) {
    case Clause::kSelect:
      return "the select list";
    case Clause::kWhere:
      return "WHERE";
    case Clause::kGroupBy:
      return "GROUP BY";
    case Clause::kHaving:
      return "HAVING";
    case Clause::kOn:
      return "a join condition";
    case Clause::kWatermark:
      return "a WATERMARK expression";
    case Clause::kValues:
      return "VALUES";
    case Clause::kOrderBy:
      return "ORDER BY";
    case Clause::kWindowArg:
      return "a window argument";
    case Clause::kLimit:
      return "LIMIT";
    case Clause::kLateness:
      return "ALLOWED LATENESS";
    case Clause::kAggregateArg:
      return "the argument of an aggregate function";
  }
  return "this clause";
}

/// A window function found in a select item (top-N).
struct RankUse {
  RankFn fn = RankFn::kRowNumber;
  std::vector<BoundExprPtr> partition_by;
  std::vector<BoundExprPtr> order_by;
  std::vector<bool> descending;
  SourceSpan span;
};

struct ExprContext {
  const std::vector<ScopeColumn>* scope = nullptr;
  Clause clause = Clause::kSelect;
  std::vector<AggregateCall>* aggregates = nullptr;  // aggregates allowed
  std::vector<SourceSpan>* aggregate_spans = nullptr;
  std::optional<RankUse>* rank = nullptr;  // window functions allowed
};

std::vector<std::string> ColumnNames(const std::vector<ScopeColumn>& cols) {
  std::vector<std::string> names;
  for (const auto& c : cols) names.push_back(c.name);
  return names;
}

types::Schema SchemaOf(const std::vector<ScopeColumn>& cols) {
  types::Schema schema;
  for (const auto& c : cols) schema.Add({c.name, c.type, c.nullable});
  return schema;
}

std::vector<ScopeColumn> ScopeOf(const types::Schema& schema,
                                 const std::string& qualifier) {
  std::vector<ScopeColumn> cols;
  for (const auto& f : schema.fields()) {
    cols.push_back({qualifier, f.name, f.type, f.nullable});
  }
  return cols;
}

absl::Status Annotate(const absl::Status& status, const SourceSpan& span) {
  if (status.ok() || ErrorSpan(status)) return status;
  return SqlError(status.code(), span, std::string(status.message()));
}

BoundExprPtr CastTo(const BoundExprPtr& e, const LogicalType& target) {
  if (e->type == target) return e;
  if (e->kind == BoundExprKind::kLiteral && e->value.is_null()) {
    return expr::MakeLiteral(Value::Null(target), e->span);
  }
  return expr::MakeCast(e, target, false, e->span);
}

bool IsBooleanish(const LogicalType& t) {
  return t.id() == TypeId::kBoolean || t.id() == TypeId::kNull;
}

/// The constant value of an INTERVAL expression in microseconds.
absl::StatusOr<int64_t> ConstantMicros(const BoundExprPtr& e,
                                       std::string_view what) {
  if (e->type.id() != TypeId::kInterval || !e->IsConstant()) {
    return SqlError(e->span,
                    fmt::format("{} must be a constant INTERVAL, got {}", what,
                                e->type.ToString()));
  }
  absl::StatusOr<Value> v = expr::EvaluateConstant(*e);
  if (!v.ok()) return Annotate(v.status(), e->span);
  if (v->is_null())
    return SqlError(e->span, fmt::format("{} must not be NULL", what));
  if (v->interval().months != 0) {
    return SqlError(
        e->span, fmt::format("{} must be a day-time interval (SECOND, MINUTE, "
                             "HOUR or DAY), not months or years",
                             what));
  }
  return v->interval().micros;
}

std::string FormatMicros(int64_t micros) {
  if (micros != 0 && micros % (3600 * kMicrosPerSecond) == 0) {
    return fmt::format("{}h", micros / (3600 * kMicrosPerSecond));
  }
  if (micros != 0 && micros % (60 * kMicrosPerSecond) == 0) {
    return fmt::format("{}min", micros / (60 * kMicrosPerSecond));
  }
  if (micros % kMicrosPerSecond == 0) {
    return fmt::format("{}s", micros / kMicrosPerSecond);
  }
  if (micros % 1000 == 0) return fmt::format("{}ms", micros / 1000);
  return fmt::format("{}us", micros);
}

/// A span for bytes [offset, end) of `source`, with its line and column.
SourceSpan SpanAt(std::string_view source, size_t offset, size_t end) {
  SourceSpan span;
  span.offset = static_cast<uint32_t>(offset);
  span.length = static_cast<uint32_t>(end - offset);
  span.line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++span.line;
      line_start = i + 1;
    }
  }
  span.column = static_cast<uint32_t>(offset - line_start + 1);
  return span;
}

/// The span of a whole clause, from its keywords (e.g. ORDER BY, found just
/// before `first`) to the end of `last`. Falls back to first..last when the
/// keywords are not found (comments between them, say).
SourceSpan ClauseSpan(std::string_view source, const SourceSpan& first,
                      const SourceSpan& last,
                      std::initializer_list<std::string_view> keywords) {
  size_t pos = first.offset;
  std::vector<std::string_view> words(keywords);
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    while (pos > 0 && std::isspace(static_cast<unsigned char>(source[pos - 1])))
      --pos;
    if (pos < it->size() ||
        !EqualsIgnoreCase(source.substr(pos - it->size(), it->size()), *it)) {
      return SourceSpan::Cover(first, last);
    }
    pos -= it->size();
  }
  return SpanAt(source, pos, last.offset + last.length);
}

/// The statement-level binder: one instance per Bind call.
class StatementBinder {
 public:
  StatementBinder(const catalog::Catalog& catalog,
                  const SchemaResolver& resolver, std::string_view source)
      : catalog_(catalog), resolver_(resolver), source_(source) {}

  absl::StatusOr<BoundStatement> Bind(const ast::Statement& stmt);

 private:
  // Statements.
  absl::StatusOr<BoundStatement> BindQueryStatement(
      const ast::QueryStatement& s);
  absl::StatusOr<BoundStatement> BindCreateSource(
      const ast::CreateSourceStatement& s);
  absl::StatusOr<BoundStatement> BindCreateView(
      const ast::CreateViewStatement& s);
  absl::StatusOr<BoundStatement> BindCreateSink(
      const ast::CreateSinkStatement& s);
  absl::StatusOr<BoundStatement> BindInsert(const ast::InsertStatement& s);
  absl::StatusOr<BoundStatement> BindDrop(const ast::DropStatement& s);
  absl::StatusOr<BoundStatement> BindDescribe(const ast::DescribeStatement& s);

  // Queries.
  enum class QueryUse { kTop, kSubquery, kView, kSink, kInsert };
  absl::StatusOr<BoundRel> BindQuery(const ast::Query& q, QueryUse use);
  absl::StatusOr<BoundRel> BindBody(const ast::QueryBody& body,
                                    const ast::Query& q);
  absl::StatusOr<BoundRel> BindSelect(const ast::SelectCore& core,
                                      const ast::Query& q);
  absl::StatusOr<BoundRel> BindTableRef(const ast::TableRef& ref);
  absl::StatusOr<BoundRel> BindNamedTable(const ast::NamedTableRef& ref);
  absl::StatusOr<BoundRel> BindWindow(const ast::WindowTableRef& ref);
  absl::StatusOr<BoundRel> BindJoin(const ast::JoinRef& ref,
                                    const ast::Expr* extra_where,
                                    std::vector<BoundExprPtr>* leftover);
  absl::StatusOr<BoundRel> MakeJoin(BoundRel left, BoundRel right,
                                    ast::JoinType type,
                                    std::vector<BoundExprPtr> conjuncts,
                                    const SourceSpan& span);
  absl::StatusOr<PlanPtr> ApplyRankLimit(const PlanPtr& plan,
                                         const BoundExprPtr& conjunct,
                                         bool* used);

  // Expressions.
  absl::StatusOr<BoundExprPtr> BindExpr(const ast::Expr& e, ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindLiteral(const ast::LiteralExpr& e);
  absl::StatusOr<BoundExprPtr> BindColumn(const ast::ColumnRefExpr& e,
                                          ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindFunction(const ast::FunctionExpr& e,
                                            ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindCall(std::string_view name,
                                        std::vector<BoundExprPtr> args,
                                        const SourceSpan& span,
                                        const SourceSpan& name_span);
  absl::StatusOr<BoundExprPtr> BindPredicate(const ast::Expr& e,
                                             ExprContext& ctx);

  absl::Status CheckOptions(
      catalog::OptionUse use, const std::vector<ast::Option>& options,
      const SourceSpan& fallback,
      std::vector<std::pair<std::string, std::string>>* out);

  const catalog::Catalog& catalog_;
  const SchemaResolver& resolver_;
  std::string_view source_;
  int expr_depth_ = 0;
};

// ------------------------------------------------------------ expressions

absl::StatusOr<LogicalType> TypeFromName(const ast::TypeName& t) {
  const std::string& n = t.name;
  auto no_params = [&]() -> absl::Status {
    if (!t.params.empty()) {
      return SqlError(t.span, fmt::format("type {} takes no parameters", n));
    }
    return absl::OkStatus();
  };
  if (n == "BOOLEAN" || n == "BOOL") {
    WEIR_RETURN_IF_ERROR(no_params());
    return LogicalType::Boolean();
  }
  if (n == "INT" || n == "INTEGER" || n == "SMALLINT" || n == "TINYINT") {
    WEIR_RETURN_IF_ERROR(no_params());
    return LogicalType::Int();
  }
  if (n == "BIGINT") {
    WEIR_RETURN_IF_ERROR(no_params());
    return LogicalType::Bigint();
  }
  if (n == "DOUBLE" || n == "FLOAT" || n == "REAL" || n == "DOUBLE PRECISION") {
    WEIR_RETURN_IF_ERROR(no_params());
    return LogicalType::Double();
  }
  if (n == "DECIMAL" || n == "NUMERIC" || n == "DEC") {
    if (t.params.size() > 2) {
      return SqlError(
          t.span,
          "DECIMAL takes at most two parameters: DECIMAL(precision, scale)");
    }
    int64_t p = t.params.empty() ? 10 : t.params[0];
    int64_t s = t.params.size() < 2 ? 0 : t.params[1];
    if (p < 0 || p > 1000 || s < 0 || s > 1000) {
      return SqlError(
          t.span,
          fmt::format("DECIMAL precision must be between 1 and 38, got {}", p));
    }
    absl::StatusOr<LogicalType> d =
        LogicalType::Decimal(static_cast<int>(p), static_cast<int>(s));
    if (!d.ok()) return Annotate(d.status(), t.span);
    return *d;
  }
  if (n == "VARCHAR" || n == "CHAR" || n == "STRING" || n == "TEXT" ||
      n == "CHARACTER") {
    if (t.params.size() > 1 || (t.params.size() == 1 && t.params[0] <= 0)) {
      return SqlError(
          t.span,
          fmt::format("{} takes one positive length, as in {}(255)", n, n));
    }
    return LogicalType::Varchar();
  }
  if (n == "BYTES" || n == "VARBINARY" || n == "BINARY" || n == "BLOB") {
    return LogicalType::Bytes();
  }
  if (n == "DATE") {
    WEIR_RETURN_IF_ERROR(no_params());
    return LogicalType::Date();
  }
  if (n == "TIME") {
    if (t.params.size() > 1)
      return SqlError(t.span, "TIME takes at most one parameter");
    return LogicalType::Time();
  }
  if (n == "TIMESTAMP") {
    if (t.params.size() > 1) {
      return SqlError(
          t.span,
          "TIMESTAMP takes at most one parameter: TIMESTAMP(precision)");
    }
    int64_t p = t.params.empty() ? LogicalType::kDefaultTimestampPrecision
                                 : t.params[0];
    if (p < 0 || p > 1000) p = 1000;
    absl::StatusOr<LogicalType> ts =
        LogicalType::Timestamp(static_cast<int>(p));
    if (!ts.ok()) return Annotate(ts.status(), t.span);
    return *ts;
  }
  if (n == "INTERVAL") {
    WEIR_RETURN_IF_ERROR(no_params());
    return LogicalType::Interval();
  }
  static const std::vector<std::string> kNames = {
      "BOOLEAN", "INT",       "INTEGER", "BIGINT", "DOUBLE",
      "DECIMAL", "VARCHAR",   "STRING",  "BYTES",  "DATE",
      "TIME",    "TIMESTAMP", "INTERVAL"};
  return SqlError(t.span,
                  fmt::format("unknown type '{}'{}", n, DidYouMean(n, kNames)));
}

/// Parses the text of an INTERVAL literal into months and microseconds.
absl::StatusOr<types::IntervalValue> ParseInterval(const ast::LiteralExpr& e) {
  using ast::IntervalUnit;
  IntervalUnit from =
      e.unit == IntervalUnit::kNone ? IntervalUnit::kSecond : e.unit;
  IntervalUnit to = e.to_unit == IntervalUnit::kNone ? from : e.to_unit;
  // ast::IntervalUnit is kNone, then the fields in types::IntervalField's
  // order.
  auto field = [](IntervalUnit u) {
    return static_cast<types::IntervalField>(static_cast<int>(u) - 1);
  };
  absl::StatusOr<types::IntervalValue> v =
      types::ParseIntervalLiteral(e.text, e.negative, field(from), field(to));
  if (!v.ok()) return Annotate(v.status(), e.span);
  return v;
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindLiteral(
    const ast::LiteralExpr& e) {
  using ast::LiteralKind;
  auto wrap = [&](absl::StatusOr<Value> v) -> absl::StatusOr<BoundExprPtr> {
    if (!v.ok()) return Annotate(v.status(), e.span);
    return expr::MakeLiteral(*std::move(v), e.span);
  };
  switch (e.literal_kind) {
    case LiteralKind::kNull:
      return expr::MakeLiteral(Value::Null(LogicalType::Null()), e.span);
    case LiteralKind::kBoolean:
      return expr::MakeLiteral(Value::Boolean(AsciiLower(e.text) == "true"),
                               e.span);
    case LiteralKind::kInteger:
      return wrap(types::ParseIntegerLiteral(e.text));
    case LiteralKind::kDecimal:
      return wrap(types::ParseDecimalLiteral(e.text));
    case LiteralKind::kDouble: {
      char* end = nullptr;
      double d = std::strtod(e.text.c_str(), &end);
      if (!std::isfinite(d)) {
        return SqlError(
            e.span,
            fmt::format("number {} is out of the range of DOUBLE", e.text));
      }
      return expr::MakeLiteral(Value::Double(d), e.span);
    }
    case LiteralKind::kString:
      return expr::MakeLiteral(Value::Varchar(e.text), e.span);
    case LiteralKind::kTyped: {
      std::string type = e.type_name ? AsciiUpper(e.type_name->name) : "";
      if (type == "DATE") {
        absl::StatusOr<int64_t> d = types::ParseDate(e.text);
        if (!d.ok()) return Annotate(d.status(), e.span);
        return expr::MakeLiteral(Value::Date(*d), e.span);
      }
      if (type == "TIME") {
        absl::StatusOr<int64_t> t = types::ParseTime(e.text);
        if (!t.ok()) return Annotate(t.status(), e.span);
        return expr::MakeLiteral(Value::Time(*t), e.span);
      }
      if (type == "TIMESTAMP") {
        absl::StatusOr<int64_t> ts = types::ParseTimestamp(e.text);
        if (!ts.ok()) return Annotate(ts.status(), e.span);
        // The precision is the number of fractional digits written.
        int precision = 0;
        size_t dot = e.text.find('.');
        if (dot != std::string::npos) {
          size_t k = dot + 1;
          while (k < e.text.size() &&
                 std::isdigit(static_cast<unsigned char>(e.text[k])))
            ++k;
          precision = static_cast<int>(std::min<size_t>(k - dot - 1, 6));
        }
        if (e.type_name && !e.type_name->params.empty()) {
          precision = static_cast<int>(
              std::clamp<int64_t>(e.type_name->params[0], 0, 6));
        }
        return expr::MakeLiteral(Value::Timestamp(*ts, precision), e.span);
      }
      return SqlError(e.span,
                      fmt::format("typed literals are DATE '...', TIME '...' "
                                  "or TIMESTAMP '...', not {}",
                                  type));
    }
    case LiteralKind::kInterval: {
      WEIR_ASSIGN_OR_RETURN(types::IntervalValue iv, ParseInterval(e));
      return expr::MakeLiteral(Value::Interval(iv), e.span);
    }
  }
  return SqlError(e.span, "unsupported literal");
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindColumn(
    const ast::ColumnRefExpr& e, ExprContext& ctx) {
  const auto& parts = e.name.parts;
  if (ctx.scope == nullptr || ctx.scope->empty()) {
    return SqlError(e.span,
                    fmt::format("unknown column '{}': {} has no input columns",
                                e.name.ToString(), ClauseName(ctx.clause)));
  }
  if (parts.size() > 2) {
    return SqlError(e.span,
                    fmt::format("column reference '{}' has too many parts; "
                                "write table.column",
                                e.name.ToString()));
  }
  const std::string* qualifier = parts.size() == 2 ? &parts[0].name : nullptr;
  const std::string& name = parts.back().name;
  const auto& scope = *ctx.scope;
  if (qualifier) {
    bool qualifier_known = false;
    for (const auto& c : scope)
      qualifier_known |= EqualsIgnoreCase(c.qualifier, *qualifier);
    if (!qualifier_known) {
      std::vector<std::string> quals;
      for (const auto& c : scope) {
        if (!c.qualifier.empty() &&
            std::find(quals.begin(), quals.end(), c.qualifier) == quals.end()) {
          quals.push_back(c.qualifier);
        }
      }
      return SqlError(
          parts[0].span,
          fmt::format("unknown table or alias '{}' in '{}'{}", *qualifier,
                      e.name.ToString(), DidYouMean(*qualifier, quals)));
    }
  }
  int found = -1;
  for (size_t i = 0; i < scope.size(); ++i) {
    if (!EqualsIgnoreCase(scope[i].name, name)) continue;
    if (qualifier && !EqualsIgnoreCase(scope[i].qualifier, *qualifier))
      continue;
    if (!qualifier && scope[i].merged_away) continue;
    if (found >= 0) {
      return SqlError(
          e.span, fmt::format("column '{}' is ambiguous: both '{}' and '{}' "
                              "have it; qualify it, as in {}.{}",
                              name, scope[found].qualifier, scope[i].qualifier,
                              scope[found].qualifier, name));
    }
    found = static_cast<int>(i);
  }
  if (found < 0) {
    std::vector<std::string> names;
    for (const auto& c : scope) {
      if (!qualifier || EqualsIgnoreCase(c.qualifier, *qualifier))
        names.push_back(c.name);
    }
    return SqlError(parts.back().span,
                    fmt::format("unknown column '{}'{}", e.name.ToString(),
                                DidYouMean(name, names)));
  }
  const ScopeColumn& c = scope[found];
  return expr::MakeColumn(found, c.name, c.type, c.nullable, e.span);
}

/// Patterns (LIKE, regular expressions) given as constants are checked when
/// the statement is written, so a bad one is reported at its position
/// instead of failing every row at run time: the call is evaluated once on
/// an empty subject.
absl::Status CheckConstantPatterns(const std::string& function,
                                   const std::vector<BoundExprPtr>& args,
                                   const std::vector<SourceSpan>& spans) {
  static const char* kPatternFunctions[] = {"LIKE", "REGEXP", "REGEXP_LIKE",
                                            "REGEXP_EXTRACT", "REGEXP_REPLACE"};
  bool is_pattern = false;
  for (const char* f : kPatternFunctions) is_pattern |= function == f;
  if (!is_pattern || args.size() < 2) return absl::OkStatus();
  for (size_t i = 1; i < args.size(); ++i) {
    if (!args[i]->IsConstant()) return absl::OkStatus();
  }
  expr::BoundExpr probe =
      *expr::MakeCall(function, args, LogicalType::Null(), true);
  probe.args[0] = expr::MakeLiteral(Value::Varchar(""));
  absl::StatusOr<Value> v = expr::EvaluateConstant(probe);
  if (v.ok()) return absl::OkStatus();
  // LIKE's third argument is its escape character.
  bool escape = function == "LIKE" && args.size() > 2 &&
                std::string(v.status().message()).rfind("LIKE escape", 0) == 0;
  return Annotate(v.status(), spans[escape ? 2 : 1]);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindCall(
    std::string_view name, std::vector<BoundExprPtr> args,
    const SourceSpan& span, const SourceSpan& name_span) {
  std::vector<LogicalType> types;
  for (const auto& a : args) types.push_back(a->type);
  absl::StatusOr<expr::ResolvedScalar> r = expr::ResolveScalar(name, types);
  if (!r.ok()) return Annotate(r.status(), name_span);
  bool nullable = false;
  std::vector<SourceSpan> spans;
  for (size_t i = 0; i < args.size(); ++i) {
    spans.push_back(args[i]->span);
    args[i] = CastTo(args[i], r->arg_types[i]);
    nullable |= args[i]->nullable;
  }
  WEIR_RETURN_IF_ERROR(CheckConstantPatterns(r->function, args, spans));
  if (!r->null_if_any_null) nullable = true;
  if (r->function == "IS NULL" || r->function == "IS NOT NULL")
    nullable = false;
  if (r->function == "COALESCE") {
    // NULL only when every argument is.
    nullable = true;
    for (const auto& a : args) nullable &= a->nullable;
  }
  return expr::MakeCall(r->function, std::move(args), r->result, nullable,
                        span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindPredicate(const ast::Expr& e,
                                                            ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(e, ctx));
  if (!IsBooleanish(b->type)) {
    return SqlError(e.span,
                    fmt::format("{} must be a BOOLEAN condition, got {}",
                                ClauseName(ctx.clause), b->type.ToString()));
  }
  return CastTo(b, LogicalType::Boolean());
}

std::optional<RankFn> RankFnOf(std::string_view upper) {
  if (upper == "ROW_NUMBER") return RankFn::kRowNumber;
  if (upper == "RANK") return RankFn::kRank;
  if (upper == "DENSE_RANK") return RankFn::kDenseRank;
  return std::nullopt;
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindFunction(
    const ast::FunctionExpr& e, ExprContext& ctx) {
  std::string name = AsciiUpper(e.name.name);
  if (name == "TUMBLE" || name == "HOP" || name == "SESSION") {
    return SqlError(e.name.span,
                    fmt::format("{} is a table function: use it in FROM, as in "
                                "FROM {}(bids, date_time, INTERVAL '1' MINUTE)",
                                name, name));
  }
  if (expr::IsWindowFunction(name)) {
    if (ctx.rank == nullptr) {
      return SqlError(
          e.name.span,
          fmt::format("window function {}() is only allowed as a whole "
                      "select item, for top-N queries",
                      name));
    }
    if (!e.over) {
      return SqlError(
          e.span,
          fmt::format("{}() needs an OVER (PARTITION BY ... ORDER BY ...) "
                      "clause",
                      name));
    }
    if (!e.args.empty()) {
      return SqlError(e.args[0]->span,
                      fmt::format("{}() takes no arguments", name));
    }
    if (e.over->order_by.empty()) {
      return SqlError(e.over->span,
                      fmt::format("{}() OVER (...) needs ORDER BY to say "
                                  "which rows come first",
                                  name));
    }
    if (ctx.rank->has_value()) {
      return SqlError(e.span, "only one window function is allowed per SELECT");
    }
    RankUse use;
    use.fn = *RankFnOf(name);
    use.span = e.span;
    ExprContext inner{ctx.scope, Clause::kSelect, nullptr, nullptr, nullptr};
    for (const auto& p : e.over->partition_by) {
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*p, inner));
      use.partition_by.push_back(b);
    }
    for (const auto& o : e.over->order_by) {
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*o.expr, inner));
      use.order_by.push_back(b);
      use.descending.push_back(o.direction == ast::SortDirection::kDesc);
    }
    *ctx.rank = std::move(use);
    // The rank column is appended after the scope's columns.
    return expr::MakeColumn(static_cast<int>(ctx.scope->size()),
                            AsciiLower(name), LogicalType::Bigint(), false,
                            e.span);
  }
  if (e.over) {
    return SqlError(e.over->span,
                    fmt::format("OVER (...) is only supported with ROW_NUMBER, "
                                "RANK and DENSE_RANK, not {}",
                                name));
  }
  if (expr::IsAggregateFunction(name)) {
    if (ctx.clause == Clause::kAggregateArg) {
      return SqlError(e.name.span, "aggregate functions cannot be nested");
    }
    if (ctx.aggregates == nullptr) {
      return SqlError(e.name.span,
                      fmt::format("aggregate function {} is not allowed in {}",
                                  name, ClauseName(ctx.clause)));
    }
    bool star = e.args.size() == 1 && e.args[0]->kind == ast::ExprKind::kStar;
    if (star && name != "COUNT") {
      return SqlError(e.args[0]->span,
                      fmt::format("{}(*) is not allowed; only COUNT(*)", name));
    }
    ExprContext inner{ctx.scope, Clause::kAggregateArg, nullptr, nullptr,
                      nullptr};
    std::vector<BoundExprPtr> args;
    std::vector<LogicalType> types;
    if (!star) {
      for (const auto& a : e.args) {
        WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, inner));
        types.push_back(b->type);
        args.push_back(b);
      }
    }
    absl::StatusOr<expr::ResolvedAggregate> r =
        expr::ResolveAggregate(name, types, e.distinct, star);
    if (!r.ok()) return Annotate(r.status(), e.name.span);
    // Shown as written, without the implicit casts of the arguments.
    std::string shown;
    for (size_t i = 0; i < args.size(); ++i) {
      shown += (i ? ", " : "") + args[i]->ToString();
    }
    for (size_t i = 0; i < args.size(); ++i)
      args[i] = CastTo(args[i], r->arg_types[i]);
    AggregateCall call;
    call.function = r->function;
    call.distinct = e.distinct;
    call.star = star;
    call.type = r->result;
    call.state = r->state;
    call.display = fmt::format("{}({}{})", name, e.distinct ? "DISTINCT " : "",
                               star ? "*" : shown);
    call.args = std::move(args);
    // Identical calls share one aggregate.
    int index = -1;
    for (size_t i = 0; i < ctx.aggregates->size(); ++i) {
      if ((*ctx.aggregates)[i].display == call.display)
        index = static_cast<int>(i);
    }
    if (index < 0) {
      index = static_cast<int>(ctx.aggregates->size());
      ctx.aggregates->push_back(std::move(call));
      if (ctx.aggregate_spans) ctx.aggregate_spans->push_back(e.span);
    }
    const AggregateCall& c = (*ctx.aggregates)[index];
    bool nullable = !(c.function == "COUNT" || c.function == "COUNT_DISTINCT");
    return expr::MakeColumn(kAggBase + index, c.display, c.type, nullable,
                            e.span);
  }
  if (e.distinct) {
    return SqlError(
        e.span, fmt::format("DISTINCT is only allowed in aggregate functions, "
                            "not in {}",
                            name));
  }
  std::vector<BoundExprPtr> args;
  for (const auto& a : e.args) {
    if (a->kind == ast::ExprKind::kStar) {
      return SqlError(a->span,
                      fmt::format("'*' is not an argument of {}", name));
    }
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, ctx));
    args.push_back(b);
  }
  return BindCall(name, std::move(args), e.span, e.name.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindExpr(const ast::Expr& e,
                                                       ExprContext& ctx) {
  if (++expr_depth_ > 2000) {
    --expr_depth_;
    return SqlError(e.span, "expression nests too deeply");
  }
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{expr_depth_};
  using ast::ExprKind;
  switch (e.kind) {
    case ExprKind::kLiteral:
      return BindLiteral(static_cast<const ast::LiteralExpr&>(e));
    case ExprKind::kColumnRef:
      return BindColumn(static_cast<const ast::ColumnRefExpr&>(e), ctx);
    case ExprKind::kStar:
      return SqlError(e.span,
                      "'*' is only allowed as a select item or in COUNT(*)");
    case ExprKind::kUnary: {
      const auto& u = static_cast<const ast::UnaryExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr operand, BindExpr(*u.operand, ctx));
      if (u.op == ast::UnaryOp::kPlus) {
        if (!operand->type.IsNumeric() &&
            operand->type.id() != TypeId::kInterval) {
          return SqlError(e.span, fmt::format("unary + needs a number, got {}",
                                              operand->type.ToString()));
        }
        return operand;
      }
      return BindCall(u.op == ast::UnaryOp::kNot ? "NOT" : "NEGATE", {operand},
                      e.span, e.span);
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const ast::BinaryExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr l, BindExpr(*b.left, ctx));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr r, BindExpr(*b.right, ctx));
      static const char* kOps[] = {"+",
                                   "-",
                                   "*",
                                   "/",
                                   "%",
                                   "=",
                                   "<>",
                                   "<",
                                   "<=",
                                   ">",
                                   ">=",
                                   "AND",
                                   "OR",
                                   "||",
                                   "IS DISTINCT FROM",
                                   "IS NOT DISTINCT FROM"};
      return BindCall(kOps[static_cast<int>(b.op)], {l, r}, e.span, b.op_span);
    }
    case ExprKind::kFunction:
      return BindFunction(static_cast<const ast::FunctionExpr&>(e), ctx);
    case ExprKind::kCast: {
      const auto& c = static_cast<const ast::CastExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr operand, BindExpr(*c.operand, ctx));
      WEIR_ASSIGN_OR_RETURN(LogicalType target, TypeFromName(c.target));
      if (!types::CanExplicitlyCast(operand->type, target)) {
        return SqlError(
            e.span, fmt::format("cannot cast {} to {}",
                                operand->type.ToString(), target.ToString()));
      }
      if (operand->kind == BoundExprKind::kLiteral &&
          operand->value.is_null()) {
        return expr::MakeLiteral(Value::Null(target), e.span);
      }
      return expr::MakeCast(operand, target, c.try_cast, e.span);
    }
    case ExprKind::kCase: {
      const auto& c = static_cast<const ast::CaseExpr&>(e);
      BoundExprPtr operand;
      if (c.operand) {
        WEIR_ASSIGN_OR_RETURN(operand, BindExpr(*c.operand, ctx));
      }
      std::vector<BoundExprPtr> conds, results;
      for (const auto& w : c.whens) {
        if (operand) {
          WEIR_ASSIGN_OR_RETURN(BoundExprPtr v, BindExpr(*w.condition, ctx));
          WEIR_ASSIGN_OR_RETURN(BoundExprPtr eq,
                                BindCall("=", {operand, v}, w.condition->span,
                                         w.condition->span));
          conds.push_back(eq);
        } else {
          WEIR_ASSIGN_OR_RETURN(BoundExprPtr cond, BindExpr(*w.condition, ctx));
          if (!IsBooleanish(cond->type)) {
            return SqlError(
                w.condition->span,
                fmt::format("CASE WHEN needs a BOOLEAN condition, got {}",
                            cond->type.ToString()));
          }
          conds.push_back(CastTo(cond, LogicalType::Boolean()));
        }
        WEIR_ASSIGN_OR_RETURN(BoundExprPtr r, BindExpr(*w.result, ctx));
        results.push_back(r);
      }
      BoundExprPtr else_result;
      if (c.else_result) {
        WEIR_ASSIGN_OR_RETURN(else_result, BindExpr(*c.else_result, ctx));
      }
      LogicalType type = LogicalType::Null();
      std::vector<std::pair<BoundExprPtr, const ast::Expr*>> all;
      for (size_t i = 0; i < results.size(); ++i)
        all.push_back({results[i], c.whens[i].result.get()});
      if (else_result) all.push_back({else_result, c.else_result.get()});
      for (const auto& [r, ast_r] : all) {
        std::optional<LogicalType> common =
            types::CommonSuperType(type, r->type);
        if (!common) {
          return SqlError(
              ast_r->span,
              fmt::format("CASE branches have incompatible types {} and {}",
                          type.ToString(), r->type.ToString()));
        }
        type = *common;
      }
      std::vector<BoundExprPtr> args;
      for (size_t i = 0; i < conds.size(); ++i) {
        args.push_back(conds[i]);
        args.push_back(CastTo(results[i], type));
      }
      args.push_back(else_result ? CastTo(else_result, type)
                                 : expr::MakeLiteral(Value::Null(type)));
      return expr::MakeCase(std::move(args), type, e.span);
    }
    case ExprKind::kBetween: {
      const auto& b = static_cast<const ast::BetweenExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*b.operand, ctx));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr lo, BindExpr(*b.low, ctx));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr hi, BindExpr(*b.high, ctx));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr ge,
                            BindCall(">=", {x, lo}, e.span, b.low->span));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr le,
                            BindCall("<=", {x, hi}, e.span, b.high->span));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr both,
                            BindCall("AND", {ge, le}, e.span, e.span));
      if (!b.negated) return both;
      return BindCall("NOT", {both}, e.span, e.span);
    }
    case ExprKind::kIn: {
      const auto& in = static_cast<const ast::InExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*in.operand, ctx));
      BoundExprPtr acc;
      for (const auto& item : in.list) {
        WEIR_ASSIGN_OR_RETURN(BoundExprPtr v, BindExpr(*item, ctx));
        WEIR_ASSIGN_OR_RETURN(BoundExprPtr eq,
                              BindCall("=", {x, v}, e.span, item->span));
        if (!acc) {
          acc = eq;
        } else {
          WEIR_ASSIGN_OR_RETURN(acc, BindCall("OR", {acc, eq}, e.span, e.span));
        }
      }
      if (!acc) return SqlError(e.span, "IN needs at least one value");
      if (!in.negated) return acc;
      return BindCall("NOT", {acc}, e.span, e.span);
    }
    case ExprKind::kIsNull: {
      const auto& n = static_cast<const ast::IsNullExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*n.operand, ctx));
      return BindCall(n.negated ? "IS NOT NULL" : "IS NULL", {x}, e.span,
                      e.span);
    }
    case ExprKind::kLike: {
      const auto& l = static_cast<const ast::LikeExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*l.operand, ctx));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr p, BindExpr(*l.pattern, ctx));
      std::vector<BoundExprPtr> args = {x, p};
      if (l.escape) {
        WEIR_ASSIGN_OR_RETURN(BoundExprPtr esc, BindExpr(*l.escape, ctx));
        args.push_back(esc);
      }
      const char* fn = l.regexp ? "REGEXP" : "LIKE";
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr call,
                            BindCall(fn, args, e.span, e.span));
      if (!l.negated) return call;
      return BindCall("NOT", {call}, e.span, e.span);
    }
  }
  return SqlError(e.span, "unsupported expression");
}

// ----------------------------------------------------------------- options

absl::Status StatementBinder::CheckOptions(
    catalog::OptionUse use, const std::vector<ast::Option>& options,
    const SourceSpan& fallback,
    std::vector<std::pair<std::string, std::string>>* out) {
  std::set<std::string> seen;
  for (const auto& o : options) {
    std::string key = AsciiLower(o.key);
    if (!seen.insert(key).second) {
      return SqlError(o.key_span,
                      fmt::format("option '{}' is given twice", key));
    }
    out->push_back({key, o.value});
  }
  int bad = -1;
  absl::Status s = catalog::ValidateOptions(use, *out, &bad);
  if (s.ok()) return s;
  SourceSpan span = fallback;
  if (bad >= 0 && bad < static_cast<int>(options.size())) {
    const std::string& msg = std::string(s.message());
    // Problems with a value point at the value, unknown keys at the key.
    span = (msg.find("unknown option") != std::string::npos ||
            msg.find("given twice") != std::string::npos)
               ? options[bad].key_span
               : options[bad].value_span;
  }
  return SqlError(s.code(), span, std::string(s.message()));
}

// ------------------------------------------------------------- table refs

absl::StatusOr<BoundRel> StatementBinder::BindNamedTable(
    const ast::NamedTableRef& ref) {
  std::string name = ref.name.ToString();
  const catalog::Entry* entry = catalog_.Find(name);
  if (entry == nullptr) {
    std::vector<std::string> names;
    for (auto kind : {catalog::EntryKind::kStream, catalog::EntryKind::kTable,
                      catalog::EntryKind::kView}) {
      for (const auto* e : catalog_.List(kind)) names.push_back(e->name);
    }
    return SqlError(absl::StatusCode::kNotFound, ref.name.span,
                    fmt::format("unknown stream, table or view '{}'{}", name,
                                DidYouMean(name, names)));
  }
  if (entry->kind == catalog::EntryKind::kSink) {
    return SqlError(
        ref.name.span,
        fmt::format("'{}' is a SINK: it writes out and cannot be read; "
                    "read the view or stream it comes from",
                    entry->name));
  }
  if (entry->schema_deferred) {
    return SqlError(
        ref.name.span,
        fmt::format("the columns of table '{}' are read from MySQL when the "
                    "table is first opened, which this version cannot do yet; "
                    "declare its columns and PRIMARY KEY in CREATE TABLE",
                    entry->name));
  }
  auto scan = std::make_shared<ScanNode>();
  scan->source = entry->name;
  scan->source_kind = entry->kind;
  scan->connector = entry->connector;
  scan->schema = entry->schema;
  scan->unique_key = entry->key;
  scan->append_only = entry->append_only;
  if (entry->watermark) {
    scan->event_time = entry->watermark->column;
    scan->watermark_delay = entry->watermark->delay_micros;
  }
  if (entry->kind != catalog::EntryKind::kView) {
    std::vector<std::string> parts;
    for (const char* k : {"topic", "table", "format"}) {
      if (auto v = entry->Option(k))
        parts.push_back(fmt::format("{}={}", k, *v));
    }
    std::string detail;
    for (size_t i = 0; i < parts.size(); ++i)
      detail += (i ? " " : "") + parts[i];
    scan->detail = detail;
  }
  BoundRel rel;
  std::string qualifier = ref.alias ? ref.alias->name : entry->name;
  rel.columns = ScopeOf(entry->schema, qualifier);
  rel.plan = scan;
  rel.sources.push_back({entry->name, entry->kind, ref.name.span});
  return rel;
}

absl::StatusOr<BoundRel> StatementBinder::BindWindow(
    const ast::WindowTableRef& ref) {
  WEIR_ASSIGN_OR_RETURN(BoundRel input, BindTableRef(*ref.input));
  const char* fn_name = ref.window == ast::WindowKind::kTumble ? "TUMBLE"
                        : ref.window == ast::WindowKind::kHop  ? "HOP"
                                                               : "SESSION";
  // The time column.
  int time_col = -1;
  for (size_t i = 0; i < input.columns.size(); ++i) {
    if (EqualsIgnoreCase(input.columns[i].name, ref.time_column.name))
      time_col = static_cast<int>(i);
  }
  if (time_col < 0) {
    return SqlError(
        ref.time_column.span,
        fmt::format(
            "unknown column '{}' for {}{}", ref.time_column.name, fn_name,
            DidYouMean(ref.time_column.name, ColumnNames(input.columns))));
  }
  const ScopeColumn& tc = input.columns[time_col];
  if (tc.type.id() != TypeId::kTimestamp) {
    return SqlError(ref.time_column.span,
                    fmt::format("{} needs a TIMESTAMP time column; '{}' is {}",
                                fn_name, tc.name, tc.type.ToString()));
  }
  size_t want_min = ref.window == ast::WindowKind::kHop ? 2 : 1;
  size_t want_max = ref.window == ast::WindowKind::kSession ? 1 : want_min + 1;
  if (ref.args.size() < want_min || ref.args.size() > want_max) {
    const char* usage = ref.window == ast::WindowKind::kTumble
                            ? "TUMBLE(source, time_column, size [, offset])"
                        : ref.window == ast::WindowKind::kHop
                            ? "HOP(source, time_column, slide, size [, offset])"
                            : "SESSION(source, time_column, gap)";
    return SqlError(ref.name_span,
                    fmt::format("wrong number of arguments: {}", usage));
  }
  ExprContext ctx{nullptr, Clause::kWindowArg, nullptr, nullptr, nullptr};
  std::vector<int64_t> micros;
  for (size_t i = 0; i < ref.args.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*ref.args[i], ctx));
    std::string what = "the window size";
    if (ref.window == ast::WindowKind::kHop && i == 0) what = "the HOP slide";
    if (ref.window == ast::WindowKind::kSession) what = "the session gap";
    if (i + 1 == want_max && i + 1 > want_min) what = "the window offset";
    WEIR_ASSIGN_OR_RETURN(int64_t m, ConstantMicros(b, what));
    if (what != "the window offset" && m <= 0) {
      return SqlError(ref.args[i]->span,
                      fmt::format("{} must be positive", what));
    }
    micros.push_back(m);
  }
  auto node = std::make_shared<WindowNode>();
  node->fn = ref.window == ast::WindowKind::kTumble ? WindowFn::kTumble
             : ref.window == ast::WindowKind::kHop  ? WindowFn::kHop
                                                    : WindowFn::kSession;
  node->time_column = time_col;
  if (node->fn == WindowFn::kTumble) {
    node->size_micros = micros[0];
    if (micros.size() > 1) node->offset_micros = micros[1];
  } else if (node->fn == WindowFn::kHop) {
    node->slide_micros = micros[0];
    node->size_micros = micros[1];
    if (micros.size() > 2) node->offset_micros = micros[2];
    if (node->size_micros % node->slide_micros != 0) {
      return SqlError(
          ref.args[1]->span,
          fmt::format(
              "the HOP size ({}) must be a whole multiple of the slide ({})",
              FormatMicros(node->size_micros),
              FormatMicros(node->slide_micros)));
    }
  } else {
    node->size_micros = micros[0];
  }
  if (node->offset_micros != 0 && (node->offset_micros >= node->size_micros ||
                                   node->offset_micros <= -node->size_micros)) {
    return SqlError(ref.args.back()->span,
                    "the window offset must be smaller than the window size");
  }
  const PlanNode& in = *input.plan;
  node->inputs = {input.plan};
  node->schema = in.schema;
  LogicalType wtype = tc.type;
  node->schema.Add({"window_start", wtype, false});
  node->schema.Add({"window_end", wtype, false});
  node->append_only = in.append_only;
  // A tumbling window puts each row in one window, so the input's key still
  // identifies rows; a hopping window copies a row into several windows, so
  // window_start joins the key; session windows merge, so no key survives.
  if (node->fn == WindowFn::kTumble) {
    node->unique_key = in.unique_key;
  } else if (node->fn == WindowFn::kHop && !in.unique_key.empty()) {
    node->unique_key = in.unique_key;
    node->unique_key.push_back(static_cast<int>(in.schema.size()));
  }
  node->event_time = in.event_time;
  node->watermark_delay = in.watermark_delay;
  BoundRel rel;
  rel.plan = node;
  rel.sources = input.sources;
  std::string qualifier = ref.alias               ? ref.alias->name
                          : input.columns.empty() ? std::string()
                                                  : input.columns[0].qualifier;
  rel.columns = input.columns;
  if (ref.alias) {
    for (auto& c : rel.columns) c.qualifier = ref.alias->name;
  }
  rel.columns.push_back({qualifier, "window_start", wtype, false});
  rel.columns.push_back({qualifier, "window_end", wtype, false});
  rel.window_start = static_cast<int>(in.schema.size());
  rel.window_end = static_cast<int>(in.schema.size()) + 1;
  rel.window_fn = node->fn;
  rel.window_has_watermark = in.event_time && *in.event_time == time_col;
  rel.window_time_name = tc.name;
  return rel;
}

absl::StatusOr<BoundRel> StatementBinder::BindTableRef(
    const ast::TableRef& ref) {
  switch (ref.kind) {
    case ast::TableRefKind::kNamed:
      return BindNamedTable(static_cast<const ast::NamedTableRef&>(ref));
    case ast::TableRefKind::kSubquery: {
      const auto& sub = static_cast<const ast::SubqueryRef&>(ref);
      WEIR_ASSIGN_OR_RETURN(BoundRel rel,
                            BindQuery(*sub.query, QueryUse::kSubquery));
      std::string qualifier = ref.alias ? ref.alias->name : "";
      for (auto& c : rel.columns) c.qualifier = qualifier;
      return rel;
    }
    case ast::TableRefKind::kWindow:
      return BindWindow(static_cast<const ast::WindowTableRef&>(ref));
    case ast::TableRefKind::kJoin:
      return BindJoin(static_cast<const ast::JoinRef&>(ref), nullptr, nullptr);
  }
  return SqlError(ref.span, "unsupported FROM item");
}

// ------------------------------------------------------------------ joins

/// When `e` is a time column of one side, optionally plus or minus a
/// constant interval, returns (column, offset in micros).
std::optional<std::pair<int, int64_t>> TimeOperand(const BoundExprPtr& e) {
  const expr::BoundExpr* x = e.get();
  while (x->kind == BoundExprKind::kCast &&
         x->type.id() == TypeId::kTimestamp) {
    x = x->args[0].get();
  }
  if (x->kind == BoundExprKind::kColumn)
    return std::make_pair(x->column, int64_t{0});
  if (x->kind == BoundExprKind::kCall &&
      (x->function == "+" || x->function == "-") && x->args.size() == 2 &&
      x->args[1]->IsConstant() && x->args[1]->type.id() == TypeId::kInterval) {
    auto inner = TimeOperand(x->args[0]);
    if (!inner) return std::nullopt;
    absl::StatusOr<Value> v = expr::EvaluateConstant(*x->args[1]);
    if (!v.ok() || v->is_null() || v->interval().months != 0)
      return std::nullopt;
    int64_t d = v->interval().micros;
    inner->second += x->function == "+" ? d : -d;
    return inner;
  }
  return std::nullopt;
}

absl::StatusOr<BoundRel> StatementBinder::MakeJoin(
    BoundRel left, BoundRel right, ast::JoinType type,
    std::vector<BoundExprPtr> conjuncts, const SourceSpan& span) {
  const int nleft = static_cast<int>(left.columns.size());
  auto side_of = [&](const BoundExprPtr& e) {
    std::vector<int> cols;
    e->CollectColumns(&cols);
    bool l = false, r = false;
    for (int c : cols) (c < nleft ? l : r) = true;
    return std::make_pair(l, r);
  };
  auto node = std::make_shared<JoinNode>();
  node->join_type = static_cast<int>(type);
  std::vector<BoundExprPtr> residual;
  std::vector<BoundExprPtr> time_conjuncts;  // kept if no interval join results
  std::optional<int64_t> lower, upper;       // left.time - right.time bounds
  int ltime = -1, rtime = -1;
  for (const auto& c : conjuncts) {
    auto [uses_l, uses_r] = side_of(c);
    if (c->kind == BoundExprKind::kCall && c->args.size() == 2 && uses_l &&
        uses_r) {
      const auto& a = c->args[0];
      const auto& b = c->args[1];
      if (c->function == "=") {
        const expr::BoundExpr* x = a.get();
        const expr::BoundExpr* y = b.get();
        while (x->kind == BoundExprKind::kCast) x = x->args[0].get();
        while (y->kind == BoundExprKind::kCast) y = y->args[0].get();
        if (x->kind == BoundExprKind::kColumn &&
            y->kind == BoundExprKind::kColumn &&
            (x->column < nleft) != (y->column < nleft)) {
          int lc = std::min(x->column, y->column);
          int rc = std::max(x->column, y->column) - nleft;
          node->equi_keys.push_back({lc, rc});
          // A key compared across types is also checked as written.
          if (x->type != y->type) residual.push_back(c);
          continue;
        }
      }
      bool cmp = c->function == ">=" || c->function == ">" ||
                 c->function == "<=" || c->function == "<";
      auto ta = TimeOperand(a);
      auto tb = TimeOperand(b);
      if (cmp && ta && tb && (ta->first < nleft) != (tb->first < nleft)) {
        // Normalize to: left.time OP right.time + offset.
        bool a_left = ta->first < nleft;
        auto l = a_left ? *ta : *tb;
        auto r = a_left ? *tb : *ta;
        std::string op = c->function;
        if (!a_left)
          op = op == ">=" ? "<=" : op == ">" ? "<" : op == "<=" ? ">=" : ">";
        int64_t offset = r.second - l.second;
        const auto& lcol = left.plan->event_time;
        const auto& rcol = right.plan->event_time;
        bool time_attrs =
            lcol && rcol && *lcol == l.first && *rcol == r.first - nleft;
        if (time_attrs &&
            (ltime < 0 || (ltime == l.first && rtime == r.first - nleft))) {
          ltime = l.first;
          rtime = r.first - nleft;
          // Strict bounds (< and >) stay in the residual condition too.
          if (op == ">=" || op == ">") {
            lower = lower ? std::max(*lower, offset) : offset;
          } else {
            upper = upper ? std::min(*upper, offset) : offset;
          }
          time_conjuncts.push_back(c);
          if (op == ">" || op == "<") residual.push_back(c);
          continue;
        }
      }
    }
    residual.push_back(c);
  }
  bool interval =
      lower && upper && left.plan->append_only && right.plan->append_only;
  if (lower && upper && *lower > *upper) {
    return SqlError(span,
                    "the join's time bounds are empty: the lower bound is "
                    "after the upper bound");
  }
  if (node->equi_keys.empty() && !interval) {
    if (type == ast::JoinType::kCross && conjuncts.empty()) {
      return SqlError(
          span,
          "a streaming CROSS JOIN would keep every row of both inputs forever; "
          "join ON an equality (a.x = b.y) or a time bound "
          "(a.ts BETWEEN b.ts - INTERVAL '1' HOUR AND b.ts)");
    }
    return SqlError(span,
                    "a streaming join needs an equality between the two sides "
                    "(ON a.x = b.y) or a bound on their event times "
                    "(a.ts BETWEEN b.ts - INTERVAL '1' HOUR AND b.ts)");
  }
  if (!interval) {
    for (const auto& c : time_conjuncts) {
      if (std::find(residual.begin(), residual.end(), c) == residual.end())
        residual.push_back(c);
    }
  }
  node->condition = expr::MakeAnd(residual);
  if (interval) {
    node->join_kind = JoinKind::kInterval;
    node->left_time = ltime;
    node->right_time = rtime;
    node->lower_micros = *lower;
    node->upper_micros = *upper;
  }
  if (type == ast::JoinType::kCross)
    node->join_type = static_cast<int>(ast::JoinType::kInner);
  ast::JoinType effective = static_cast<ast::JoinType>(node->join_type);
  bool left_nullable =
      effective == ast::JoinType::kRight || effective == ast::JoinType::kFull;
  bool right_nullable =
      effective == ast::JoinType::kLeft || effective == ast::JoinType::kFull;
  BoundRel rel;
  for (auto c : left.columns) {
    c.nullable |= left_nullable;
    rel.columns.push_back(c);
  }
  for (auto c : right.columns) {
    c.nullable |= right_nullable;
    rel.columns.push_back(c);
  }
  node->schema = SchemaOf(rel.columns);
  node->inputs = {left.plan, right.plan};
  if (interval) {
    node->append_only = true;
    node->event_time = left.plan->event_time;
    node->watermark_delay = left.plan->watermark_delay;
  } else {
    node->append_only = left.plan->append_only && right.plan->append_only &&
                        effective == ast::JoinType::kInner;
  }
  // When the join keys cover one side's unique key, each row of the other
  // side meets at most one row, so the other side's key identifies output
  // rows (not for FULL joins, which also emit the unmatched side alone).
  // Otherwise a row is identified by the keys of both sides.
  auto covers = [&](const std::vector<int>& key, bool right_side) {
    if (key.empty()) return false;
    for (int k : key) {
      bool found = false;
      for (auto [l, r] : node->equi_keys) found |= (right_side ? r : l) == k;
      if (!found) return false;
    }
    return true;
  };
  const auto& lkey = left.plan->unique_key;
  const auto& rkey = right.plan->unique_key;
  if (effective != ast::JoinType::kFull && effective != ast::JoinType::kRight &&
      covers(rkey, true) && !lkey.empty()) {
    node->unique_key = lkey;
  } else if (effective != ast::JoinType::kFull &&
             effective != ast::JoinType::kLeft && covers(lkey, false) &&
             !rkey.empty()) {
    for (int k : rkey) node->unique_key.push_back(k + nleft);
  } else if (!lkey.empty() && !rkey.empty()) {
    node->unique_key = lkey;
    for (int k : rkey) node->unique_key.push_back(k + nleft);
  }
  rel.plan = node;
  rel.sources = left.sources;
  rel.sources.insert(rel.sources.end(), right.sources.begin(),
                     right.sources.end());
  return rel;
}

absl::StatusOr<BoundRel> StatementBinder::BindJoin(
    const ast::JoinRef& ref, const ast::Expr* extra_where,
    std::vector<BoundExprPtr>* leftover) {
  WEIR_ASSIGN_OR_RETURN(BoundRel left, BindTableRef(*ref.left));
  WEIR_ASSIGN_OR_RETURN(BoundRel right, BindTableRef(*ref.right));
  std::vector<ScopeColumn> scope = left.columns;
  scope.insert(scope.end(), right.columns.begin(), right.columns.end());
  const int nleft = static_cast<int>(left.columns.size());
  std::vector<BoundExprPtr> conjuncts;
  if (ref.condition) {
    ExprContext ctx{&scope, Clause::kOn, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr cond,
                          BindPredicate(*ref.condition, ctx));
    expr::SplitConjuncts(cond, &conjuncts);
  }
  for (const auto& u : ref.using_columns) {
    int l = -1, r = -1;
    for (int i = 0; i < static_cast<int>(scope.size()); ++i) {
      if (!EqualsIgnoreCase(scope[i].name, u.name)) continue;
      (i < nleft ? l : r) = i;
    }
    if (l < 0 || r < 0) {
      return SqlError(
          u.span,
          fmt::format("USING column '{}' must exist on both sides of the join",
                      u.name));
    }
    auto lc = expr::MakeColumn(l, scope[l].name, scope[l].type,
                               scope[l].nullable, u.span);
    auto rc = expr::MakeColumn(r, scope[r].name, scope[r].type,
                               scope[r].nullable, u.span);
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr eq,
                          BindCall("=", {lc, rc}, u.span, u.span));
    conjuncts.push_back(eq);
    // USING merges the two columns: unqualified, the name means the left
    // one (the right one for a RIGHT join), and SELECT * shows it once.
    if (ref.join_type == ast::JoinType::kRight) {
      left.columns[l].merged_away = true;
    } else {
      right.columns[r - nleft].merged_away = true;
    }
  }
  if (extra_where && ref.join_type == ast::JoinType::kCross && !ref.condition) {
    // A comma join: WHERE conjuncts that use both sides join them.
    ExprContext ctx{&scope, Clause::kWhere, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr where, BindPredicate(*extra_where, ctx));
    std::vector<BoundExprPtr> all;
    expr::SplitConjuncts(where, &all);
    for (const auto& c : all) {
      std::vector<int> cols;
      c->CollectColumns(&cols);
      bool l = false, r = false;
      for (int col : cols) (col < nleft ? l : r) = true;
      (l && r ? conjuncts : *leftover).push_back(c);
    }
  }
  return MakeJoin(std::move(left), std::move(right), ref.join_type,
                  std::move(conjuncts),
                  ref.condition ? ref.condition->span : ref.span);
}

// ----------------------------------------------------------------- select

/// Rewrites an expression bound over the aggregate's input into one over
/// its output: group expressions become group columns, aggregate markers
/// aggregate columns; any other column is an error.
absl::StatusOr<BoundExprPtr> RewriteForAggregate(
    const BoundExprPtr& e, const std::vector<BoundExprPtr>& groups,
    const std::vector<std::string>& group_text, int ngroups, Clause clause) {
  std::string text = e->ToString();
  for (size_t i = 0; i < groups.size(); ++i) {
    if (e->kind != BoundExprKind::kLiteral && group_text[i] == text &&
        groups[i]->type == e->type) {
      return expr::MakeColumn(static_cast<int>(i),
                              groups[i]->kind == BoundExprKind::kColumn
                                  ? groups[i]->column_name
                                  : text,
                              e->type, e->nullable, e->span);
    }
  }
  if (e->kind == BoundExprKind::kColumn) {
    if (e->column >= kAggBase) {
      return expr::MakeColumn(ngroups + e->column - kAggBase, e->column_name,
                              e->type, e->nullable, e->span);
    }
    return SqlError(
        e->span,
        fmt::format("column '{}' must appear in GROUP BY or be used in "
                    "an aggregate function ({})",
                    e->column_name, ClauseName(clause)));
  }
  if (e->args.empty()) return e;
  auto copy = std::make_shared<expr::BoundExpr>(*e);
  for (auto& a : copy->args) {
    WEIR_ASSIGN_OR_RETURN(
        a, RewriteForAggregate(a, groups, group_text, ngroups, clause));
  }
  return BoundExprPtr(copy);
}

std::string DefaultName(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kColumnRef) {
    return static_cast<const ast::ColumnRefExpr&>(e).name.parts.back().name;
  }
  if (e.kind == ast::ExprKind::kFunction) {
    return AsciiLower(static_cast<const ast::FunctionExpr&>(e).name.name);
  }
  if (e.kind == ast::ExprKind::kCast) {
    return DefaultName(*static_cast<const ast::CastExpr&>(e).operand);
  }
  return "?column?";
}

/// Keys, append-only flag and event time carried through a projection.
void DeriveProjectProps(const PlanNode& input, ProjectNode* p) {
  p->append_only = input.append_only;
  std::vector<int> key;
  for (int k : input.unique_key) {
    int found = -1;
    for (size_t i = 0; i < p->exprs.size(); ++i) {
      if (p->exprs[i]->kind == BoundExprKind::kColumn &&
          p->exprs[i]->column == k) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      key.clear();
      break;
    }
    key.push_back(found);
  }
  p->unique_key = key;
  if (input.event_time) {
    for (size_t i = 0; i < p->exprs.size(); ++i) {
      if (p->exprs[i]->kind == BoundExprKind::kColumn &&
          p->exprs[i]->column == *input.event_time) {
        p->event_time = static_cast<int>(i);
        p->watermark_delay = input.watermark_delay;
        break;
      }
    }
  }
}

absl::StatusOr<BoundRel> StatementBinder::BindSelect(
    const ast::SelectCore& core, const ast::Query& q) {
  BoundRel rel;
  std::vector<BoundExprPtr> where_leftover;
  bool where_done = false;
  if (core.from) {
    if (core.from->kind == ast::TableRefKind::kJoin && core.where) {
      const auto& j = static_cast<const ast::JoinRef&>(*core.from);
      if (j.join_type == ast::JoinType::kCross && !j.condition) {
        WEIR_ASSIGN_OR_RETURN(rel,
                              BindJoin(j, core.where.get(), &where_leftover));
        where_done = true;
      }
    }
    if (!where_done) {
      WEIR_ASSIGN_OR_RETURN(rel, BindTableRef(*core.from));
    }
  } else {
    auto values = std::make_shared<ValuesNode>();
    values->rows.push_back({});
    rel.plan = values;
  }
  // WHERE.
  if (core.where && !where_done) {
    ExprContext ctx{&rel.columns, Clause::kWhere, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr pred, BindPredicate(*core.where, ctx));
    expr::SplitConjuncts(pred, &where_leftover);
  }
  for (const auto& c : where_leftover) {
    // A filter on the rank of a subquery turns its ranking into top-N.
    bool used = false;
    WEIR_ASSIGN_OR_RETURN(PlanPtr limited, ApplyRankLimit(rel.plan, c, &used));
    rel.plan = used ? limited : MakeFilterNode(rel.plan, c);
  }
  // Select list, with stars expanded.
  std::vector<AggregateCall> aggregates;
  std::vector<SourceSpan> aggregate_spans;
  std::optional<RankUse> rank;
  std::vector<BoundExprPtr> items;
  std::vector<std::string> names;
  std::vector<SourceSpan> item_spans;
  for (const auto& item : core.items) {
    if (item.expr->kind == ast::ExprKind::kStar) {
      const auto& star = static_cast<const ast::StarExpr&>(*item.expr);
      bool any = false;
      for (size_t i = 0; i < rel.columns.size(); ++i) {
        const ScopeColumn& c = rel.columns[i];
        if (star.qualifier &&
            !EqualsIgnoreCase(c.qualifier, star.qualifier->name))
          continue;
        if (!star.qualifier && c.merged_away) continue;
        items.push_back(expr::MakeColumn(static_cast<int>(i), c.name, c.type,
                                         c.nullable, item.span));
        names.push_back(c.name);
        item_spans.push_back(item.span);
        any = true;
      }
      if (!any) {
        return SqlError(item.span,
                        star.qualifier
                            ? fmt::format("unknown table or alias '{}'",
                                          star.qualifier->name)
                            : std::string("SELECT * needs a FROM clause"));
      }
      continue;
    }
    ExprContext ctx{&rel.columns, Clause::kSelect, &aggregates,
                    &aggregate_spans, &rank};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*item.expr, ctx));
    items.push_back(b);
    names.push_back(item.alias ? item.alias->name : DefaultName(*item.expr));
    item_spans.push_back(item.span);
  }
  if (rank && !rank->partition_by.empty()) {
    // fine
  }
  bool aggregating =
      !core.group_by.empty() || !aggregates.empty() || core.having != nullptr;
  if (rank && aggregating) {
    return SqlError(rank->span,
                    "a window function cannot be combined with GROUP BY in the "
                    "same SELECT; aggregate in a subquery first");
  }
  PlanPtr plan = rel.plan;
  std::vector<ScopeColumn> out_cols;
  if (aggregating) {
    // GROUP BY: expressions, select aliases, or 1-based select positions.
    std::vector<BoundExprPtr> groups;
    std::vector<std::string> group_text;
    for (const auto& g : core.group_by) {
      ExprContext ctx{&rel.columns, Clause::kGroupBy, nullptr, nullptr,
                      nullptr};
      BoundExprPtr b;
      if (g->kind == ast::ExprKind::kLiteral &&
          static_cast<const ast::LiteralExpr&>(*g).literal_kind ==
              ast::LiteralKind::kInteger) {
        int64_t pos =
            std::atoll(static_cast<const ast::LiteralExpr&>(*g).text.c_str());
        if (pos < 1 || pos > static_cast<int64_t>(core.items.size())) {
          return SqlError(
              g->span,
              fmt::format("GROUP BY position {} is not in the select list "
                          "(1 to {})",
                          pos, core.items.size()));
        }
        const ast::Expr& target = *core.items[pos - 1].expr;
        WEIR_ASSIGN_OR_RETURN(b, BindExpr(target, ctx));
      } else {
        absl::StatusOr<BoundExprPtr> r = BindExpr(*g, ctx);
        if (!r.ok() && g->kind == ast::ExprKind::kColumnRef &&
            static_cast<const ast::ColumnRefExpr&>(*g).name.parts.size() == 1) {
          // Maybe a select alias.
          const std::string& n =
              static_cast<const ast::ColumnRefExpr&>(*g).name.parts[0].name;
          for (const auto& item : core.items) {
            if (item.alias && EqualsIgnoreCase(item.alias->name, n)) {
              r = BindExpr(*item.expr, ctx);
              break;
            }
          }
        }
        if (!r.ok()) return r.status();
        b = *r;
      }
      groups.push_back(b);
      group_text.push_back(b->ToString());
    }
    // Windowed aggregation: grouping by the window's start and end.
    auto agg = std::make_shared<AggregateNode>();
    for (size_t i = 0; i < groups.size(); ++i) {
      if (groups[i]->kind != BoundExprKind::kColumn) continue;
      if (rel.window_start && groups[i]->column == *rel.window_start) {
        agg->window_start_group = static_cast<int>(i);
      }
      if (rel.window_end && groups[i]->column == *rel.window_end) {
        agg->window_end_group = static_cast<int>(i);
      }
    }
    bool windowed = agg->window_start_group && agg->window_end_group;
    if (rel.window_start && !windowed) {
      SourceSpan span =
          core.group_by.empty() ? core.span : core.group_by[0]->span;
      return SqlError(
          span,
          "an aggregation over a window table function must GROUP BY "
          "window_start and window_end");
    }
    agg->window_fn = rel.window_fn;
    agg->groups = groups;
    agg->aggregates = aggregates;
    agg->retracting = !plan->append_only;
    agg->inputs = {plan};
    for (size_t i = 0; i < groups.size(); ++i) {
      std::string n = groups[i]->kind == BoundExprKind::kColumn
                          ? groups[i]->column_name
                          : group_text[i];
      agg->schema.Add({n, groups[i]->type, groups[i]->nullable});
      agg->unique_key.push_back(static_cast<int>(i));
    }
    for (const auto& a : aggregates) {
      bool nullable =
          !(a.function == "COUNT" || a.function == "COUNT_DISTINCT");
      agg->schema.Add({a.display, a.type, nullable});
    }
    agg->append_only =
        aggregates.empty() && core.having == nullptr && plan->append_only;
    if (windowed && plan->event_time) {
      agg->event_time = *agg->window_end_group;
      agg->watermark_delay = plan->watermark_delay;
    }
    // EMIT ON WINDOW CLOSE and ALLOWED LATENESS.
    if (q.emit == ast::EmitMode::kOnWindowClose) {
      if (!windowed) {
        return SqlError(
            q.emit_span,
            "EMIT ON WINDOW CLOSE needs a GROUP BY over window_start "
            "and window_end of TUMBLE, HOP or SESSION");
      }
      if (!rel.window_has_watermark) {
        return SqlError(
            q.emit_span,
            fmt::format(
                "EMIT ON WINDOW CLOSE needs a watermark on the window's "
                "time column '{}'; declare WATERMARK FOR {} AS ... on "
                "the source",
                rel.window_time_name, rel.window_time_name));
      }
      agg->emit = EmitPolicy::kOnWindowClose;
      agg->append_only = plan->append_only;
    }
    if (q.allowed_lateness) {
      if (!windowed || !rel.window_has_watermark) {
        return SqlError(
            q.allowed_lateness->span,
            "ALLOWED LATENESS needs a windowed aggregation over a column with "
            "a watermark");
      }
      ExprContext ctx{nullptr, Clause::kLateness, nullptr, nullptr, nullptr};
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*q.allowed_lateness, ctx));
      WEIR_ASSIGN_OR_RETURN(int64_t m, ConstantMicros(b, "ALLOWED LATENESS"));
      if (m < 0)
        return SqlError(q.allowed_lateness->span,
                        "ALLOWED LATENESS must not be negative");
      agg->allowed_lateness_micros = m;
      // Final rows leave only when the watermark passes window_end plus the
      // lateness, so downstream event time trails by that much more.
      if (agg->emit == EmitPolicy::kOnWindowClose && agg->watermark_delay) {
        agg->watermark_delay = *agg->watermark_delay + m;
      }
    }
    plan = agg;
    const int ngroups = static_cast<int>(groups.size());
    // HAVING.
    if (core.having) {
      ExprContext ctx{&rel.columns, Clause::kHaving, &aggregates,
                      &aggregate_spans, nullptr};
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr h, BindPredicate(*core.having, ctx));
      if (aggregates.size() != agg->aggregates.size()) {
        // HAVING introduced new aggregates: rebuild the node's columns.
        for (size_t i = agg->aggregates.size(); i < aggregates.size(); ++i) {
          const auto& a = aggregates[i];
          bool nullable =
              !(a.function == "COUNT" || a.function == "COUNT_DISTINCT");
          agg->schema.Add({a.display, a.type, nullable});
        }
        agg->aggregates = aggregates;
      }
      WEIR_ASSIGN_OR_RETURN(h, RewriteForAggregate(h, groups, group_text,
                                                   ngroups, Clause::kHaving));
      plan = MakeFilterNode(plan, h);
    }
    for (auto& item : items) {
      WEIR_ASSIGN_OR_RETURN(
          item, RewriteForAggregate(item, groups, group_text, ngroups,
                                    Clause::kSelect));
    }
  } else if (rank) {
    auto r = std::make_shared<RankNode>();
    r->fn = rank->fn;
    r->partition_by = rank->partition_by;
    r->order_by = rank->order_by;
    r->descending = rank->descending;
    r->span = rank->span;
    r->inputs = {plan};
    r->schema = plan->schema;
    const char* rname = rank->fn == RankFn::kRowNumber ? "row_number"
                        : rank->fn == RankFn::kRank    ? "rank"
                                                       : "dense_rank";
    r->schema.Add({rname, LogicalType::Bigint(), false});
    r->append_only = false;
    // Rows are identified by their partition and rank.
    bool plain_partition = true;
    for (const auto& p : rank->partition_by) {
      if (p->kind != BoundExprKind::kColumn)
        plain_partition = false;
      else
        r->unique_key.push_back(p->column);
    }
    if (plain_partition)
      r->unique_key.push_back(static_cast<int>(plan->schema.size()));
    else
      r->unique_key.clear();
    plan = r;
  }
  // The projection.
  auto project = std::make_shared<ProjectNode>();
  project->exprs = items;
  project->inputs = {plan};
  for (size_t i = 0; i < items.size(); ++i) {
    project->schema.Add({names[i], items[i]->type, items[i]->nullable});
    out_cols.push_back(
        {"", names[i], items[i]->type, items[i]->nullable, item_spans[i]});
  }
  DeriveProjectProps(*plan, project.get());
  PlanPtr result = project;
  if (core.distinct) {
    auto agg = std::make_shared<AggregateNode>();
    for (size_t i = 0; i < items.size(); ++i) {
      agg->groups.push_back(expr::MakeColumn(
          static_cast<int>(i), names[i], items[i]->type, items[i]->nullable));
      agg->unique_key.push_back(static_cast<int>(i));
    }
    agg->schema = project->schema;
    // Over append-only input a new distinct row is only ever inserted.
    agg->append_only = project->append_only;
    agg->retracting = !project->append_only;
    agg->inputs = {result};
    result = agg;
  }
  BoundRel out;
  out.plan = result;
  out.columns = out_cols;
  out.sources = rel.sources;
  return out;
}

absl::StatusOr<PlanPtr> StatementBinder::ApplyRankLimit(
    const PlanPtr& plan, const BoundExprPtr& conjunct, bool* used) {
  *used = false;
  // Match `col <= N`, `col < N` or `col = 1` with col a column of `plan`.
  if (conjunct->kind != BoundExprKind::kCall || conjunct->args.size() != 2)
    return plan;
  const std::string& fn = conjunct->function;
  if (fn != "<=" && fn != "<" && fn != "=") return plan;
  const expr::BoundExpr* col = conjunct->args[0].get();
  while (col->kind == BoundExprKind::kCast) col = col->args[0].get();
  const auto& lit = conjunct->args[1];
  if (col->kind != BoundExprKind::kColumn || !lit->IsConstant()) return plan;
  absl::StatusOr<Value> v = expr::EvaluateConstant(*lit);
  if (!v.ok() || v->is_null() || !v->type().IsInteger()) return plan;
  int64_t n = v->integer();
  if (fn == "<") n -= 1;
  if (fn == "=" && n != 1) return plan;
  // Follow the column down through projections to a rank node.
  int column = col->column;
  std::vector<std::shared_ptr<const PlanNode>> chain;
  PlanPtr node = plan;
  while (node->kind == PlanKind::kProject) {
    const auto& p = static_cast<const ProjectNode&>(*node);
    const auto& e = p.exprs[column];
    if (e->kind != BoundExprKind::kColumn) return plan;
    column = e->column;
    chain.push_back(node);
    node = node->inputs[0];
  }
  if (node->kind != PlanKind::kRank) return plan;
  const auto& rank = static_cast<const RankNode&>(*node);
  if (column != static_cast<int>(rank.schema.size()) - 1 || rank.limit != 0)
    return plan;
  if (n < 1) {
    return SqlError(
        conjunct->span,
        "a top-N filter must keep at least one row (rn <= N with N >= 1)");
  }
  auto limited = std::make_shared<RankNode>(rank);
  limited->limit = n;
  PlanPtr rebuilt = limited;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto copy =
        std::make_shared<ProjectNode>(static_cast<const ProjectNode&>(**it));
    copy->inputs = {rebuilt};
    rebuilt = copy;
  }
  *used = true;
  return rebuilt;
}

absl::StatusOr<BoundRel> StatementBinder::BindBody(const ast::QueryBody& body,
                                                   const ast::Query& q) {
  if (body.select) return BindSelect(*body.select, q);
  WEIR_ASSIGN_OR_RETURN(BoundRel left, BindBody(*body.left, q));
  WEIR_ASSIGN_OR_RETURN(BoundRel right, BindBody(*body.right, q));
  if (left.columns.size() != right.columns.size()) {
    return SqlError(
        body.right->span,
        fmt::format(
            "UNION inputs must have the same number of columns: {} and {}",
            left.columns.size(), right.columns.size()));
  }
  std::vector<LogicalType> types;
  for (size_t i = 0; i < left.columns.size(); ++i) {
    std::optional<LogicalType> t =
        types::CommonSuperType(left.columns[i].type, right.columns[i].type);
    if (!t) {
      return SqlError(
          body.right->span,
          fmt::format("UNION column {} ('{}') has incompatible types {} and {}",
                      i + 1, left.columns[i].name,
                      left.columns[i].type.ToString(),
                      right.columns[i].type.ToString()));
    }
    types.push_back(*t);
  }
  auto conform = [&](BoundRel& side) {
    bool same = true;
    for (size_t i = 0; i < types.size(); ++i)
      same &= side.columns[i].type == types[i];
    if (same) return;
    auto p = std::make_shared<ProjectNode>();
    for (size_t i = 0; i < types.size(); ++i) {
      const auto& c = side.columns[i];
      p->exprs.push_back(CastTo(
          expr::MakeColumn(static_cast<int>(i), c.name, c.type, c.nullable),
          types[i]));
      p->schema.Add({c.name, types[i], c.nullable});
    }
    p->inputs = {side.plan};
    DeriveProjectProps(*side.plan, p.get());
    side.plan = p;
  };
  conform(left);
  conform(right);
  auto u = std::make_shared<UnionNode>();
  u->all = body.set_op == ast::SetOpKind::kUnionAll;
  u->inputs = {left.plan, right.plan};
  BoundRel rel;
  for (size_t i = 0; i < types.size(); ++i) {
    bool nullable = left.columns[i].nullable || right.columns[i].nullable;
    u->schema.Add({left.columns[i].name, types[i], nullable});
    rel.columns.push_back({"", left.columns[i].name, types[i], nullable});
  }
  // UNION (distinct) over append-only inputs only ever inserts new rows.
  u->append_only = left.plan->append_only && right.plan->append_only;
  if (!u->all) {
    for (size_t i = 0; i < types.size(); ++i)
      u->unique_key.push_back(static_cast<int>(i));
  }
  rel.plan = u;
  rel.sources = left.sources;
  rel.sources.insert(rel.sources.end(), right.sources.begin(),
                     right.sources.end());
  return rel;
}

absl::StatusOr<BoundRel> StatementBinder::BindQuery(const ast::Query& q,
                                                    QueryUse use) {
  if (use != QueryUse::kTop && use != QueryUse::kView &&
      q.emit == ast::EmitMode::kChanges) {
    return SqlError(q.emit_span,
                    use == QueryUse::kSubquery
                        ? "EMIT belongs at the end of the outermost query"
                        : "EMIT CHANGES is for push queries; results here are "
                          "always kept up to date");
  }
  if (use == QueryUse::kView && q.emit == ast::EmitMode::kChanges) {
    return SqlError(q.emit_span,
                    "a materialized view is always kept up to date; "
                    "drop EMIT CHANGES (or use EMIT ON WINDOW CLOSE for final "
                    "window results)");
  }
  if (use == QueryUse::kSubquery && q.emit == ast::EmitMode::kOnWindowClose) {
    return SqlError(q.emit_span,
                    "EMIT belongs at the end of the outermost query");
  }
  if (q.emit != ast::EmitMode::kOnWindowClose && q.allowed_lateness) {
    return SqlError(
        ClauseSpan(source_, q.allowed_lateness->span, q.allowed_lateness->span,
                   {"ALLOWED", "LATENESS"}),
        "ALLOWED LATENESS goes with EMIT ON WINDOW CLOSE");
  }
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindBody(*q.body, q));
  if (q.emit == ast::EmitMode::kOnWindowClose) {
    // BindSelect checked the aggregate; a UNION or a plain window query has
    // no window to close.
    bool found = false;
    ForEachNode(rel.plan, [&](const PlanNode& n) {
      if (n.kind == PlanKind::kAggregate &&
          static_cast<const AggregateNode&>(n).emit ==
              EmitPolicy::kOnWindowClose) {
        found = true;
      }
    });
    if (!found) {
      return SqlError(q.emit_span,
                      "EMIT ON WINDOW CLOSE needs a GROUP BY over window_start "
                      "and window_end of TUMBLE, HOP or SESSION");
    }
  }
  bool pull = use == QueryUse::kTop && q.emit == ast::EmitMode::kDefault;
  if (!q.order_by.empty()) {
    if (!pull) {
      return SqlError(
          ClauseSpan(source_, q.order_by.front().span, q.order_by.back().span,
                     {"ORDER", "BY"}),
          "ORDER BY is only allowed in pull queries (on views); a continuous "
          "result has no final order. For the top rows per group use "
          "ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) with rn <= N");
    }
    auto sort = std::make_shared<SortNode>();
    for (const auto& o : q.order_by) {
      BoundExprPtr key;
      if (o.expr->kind == ast::ExprKind::kLiteral &&
          static_cast<const ast::LiteralExpr&>(*o.expr).literal_kind ==
              ast::LiteralKind::kInteger) {
        int64_t pos = std::atoll(
            static_cast<const ast::LiteralExpr&>(*o.expr).text.c_str());
        if (pos < 1 || pos > static_cast<int64_t>(rel.columns.size())) {
          return SqlError(
              o.expr->span,
              fmt::format("ORDER BY position {} is not in the select "
                          "list (1 to {})",
                          pos, rel.columns.size()));
        }
        const auto& c = rel.columns[pos - 1];
        key = expr::MakeColumn(static_cast<int>(pos - 1), c.name, c.type,
                               c.nullable, o.span);
      } else {
        ExprContext ctx{&rel.columns, Clause::kOrderBy, nullptr, nullptr,
                        nullptr};
        WEIR_ASSIGN_OR_RETURN(key, BindExpr(*o.expr, ctx));
      }
      sort->keys.push_back(key);
      sort->descending.push_back(o.direction == ast::SortDirection::kDesc);
      bool desc = o.direction == ast::SortDirection::kDesc;
      sort->nulls_first.push_back(o.nulls == ast::NullsOrder::kDefault
                                      ? desc
                                      : o.nulls == ast::NullsOrder::kFirst);
    }
    sort->schema = rel.plan->schema;
    sort->unique_key = rel.plan->unique_key;
    sort->append_only = rel.plan->append_only;
    sort->inputs = {rel.plan};
    rel.plan = sort;
  }
  if (q.limit) {
    if (use == QueryUse::kView || use == QueryUse::kSink ||
        use == QueryUse::kInsert || use == QueryUse::kSubquery) {
      return SqlError(
          ClauseSpan(source_, q.limit->span, q.limit->span, {"LIMIT"}),
          "LIMIT is only allowed on the outermost SELECT of a push or pull "
          "query; "
          "for top-N use ROW_NUMBER() OVER (...) with rn <= N");
    }
    ExprContext ctx{nullptr, Clause::kLimit, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*q.limit, ctx));
    absl::StatusOr<Value> v =
        b->IsConstant() && b->type.IsInteger()
            ? expr::EvaluateConstant(*b)
            : absl::StatusOr<Value>(absl::InvalidArgumentError("x"));
    if (!v.ok() || v->is_null() || v->integer() < 0) {
      return SqlError(q.limit->span, "LIMIT needs a non-negative integer");
    }
    auto limit = std::make_shared<LimitNode>();
    limit->limit = v->integer();
    limit->schema = rel.plan->schema;
    limit->unique_key = rel.plan->unique_key;
    limit->append_only = rel.plan->append_only;
    limit->event_time = rel.plan->event_time;
    limit->watermark_delay = rel.plan->watermark_delay;
    limit->inputs = {rel.plan};
    rel.plan = limit;
  }
  // A ranking that no outer filter limited is not a top-N.
  absl::Status unlimited = absl::OkStatus();
  if (use != QueryUse::kSubquery) {
    ForEachNode(rel.plan, [&](const PlanNode& n) {
      if (n.kind == PlanKind::kRank &&
          static_cast<const RankNode&>(n).limit == 0 && unlimited.ok()) {
        const auto& rank = static_cast<const RankNode&>(n);
        const char* fn = rank.fn == RankFn::kRowNumber ? "ROW_NUMBER"
                         : rank.fn == RankFn::kRank    ? "RANK"
                                                       : "DENSE_RANK";
        unlimited = SqlError(
            rank.span,
            fmt::format("{}() is only supported for top-N: select it in a "
                        "subquery and filter it in the outer query, as in "
                        "WHERE rn <= 10",
                        fn));
      }
    });
  }
  WEIR_RETURN_IF_ERROR(unlimited);
  return rel;
}

PlanPtr MakeOutput(const PlanPtr& input, OutputKind kind, std::string target) {
  auto out = std::make_shared<OutputNode>();
  out->output = kind;
  out->target = std::move(target);
  out->schema = input->schema;
  out->unique_key = input->unique_key;
  out->append_only = input->append_only;
  out->event_time = input->event_time;
  out->watermark_delay = input->watermark_delay;
  out->inputs = {input};
  return out;
}

std::vector<std::string> ReadNames(const std::vector<SourceUse>& sources) {
  std::vector<std::string> names;
  for (const auto& s : sources) {
    if (std::find(names.begin(), names.end(), s.name) == names.end())
      names.push_back(s.name);
  }
  return names;
}

// ------------------------------------------------------------- statements

absl::StatusOr<BoundStatement> StatementBinder::BindQueryStatement(
    const ast::QueryStatement& s) {
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindQuery(*s.query, QueryUse::kTop));
  bool push = s.query->emit != ast::EmitMode::kDefault;
  if (!push) {
    for (const auto& src : rel.sources) {
      if (src.kind == catalog::EntryKind::kView) continue;
      return SqlError(
          src.span,
          fmt::format(
              "'{}' is a {}: a query on it never ends, so it must be a push "
              "query ending in EMIT CHANGES (or read a MATERIALIZED VIEW "
              "for a pull query)",
              src.name, AsciiLower(catalog::EntryKindName(src.kind))));
    }
  }
  BoundStatement out;
  out.kind = BoundKind::kQuery;
  auto plan = std::static_pointer_cast<const OutputNode>(
      MakeOutput(rel.plan, OutputKind::kClient, ""));
  const_cast<OutputNode&>(*plan).push = push;
  out.plan = plan;
  out.reads = ReadNames(rel.sources);
  out.constant_query = rel.sources.empty();
  return out;
}

/// The standard Nexmark schemas, for nexmark streams declared without
/// columns.
std::vector<types::Field> NexmarkSchema(const std::string& table) {
  LogicalType ts = LogicalType::TimestampOrDie(3);
  LogicalType big = LogicalType::Bigint();
  LogicalType str = LogicalType::Varchar();
  if (table == "person") {
    return {{"id", big, false},           {"name", str, true},
            {"email_address", str, true}, {"credit_card", str, true},
            {"city", str, true},          {"state", str, true},
            {"date_time", ts, false},     {"extra", str, true}};
  }
  if (table == "auction") {
    return {{"id", big, false},         {"item_name", str, true},
            {"description", str, true}, {"initial_bid", big, true},
            {"reserve", big, true},     {"date_time", ts, false},
            {"expires", ts, true},      {"seller", big, true},
            {"category", big, true},    {"extra", str, true}};
  }
  return {{"auction", big, false}, {"bidder", big, false},
          {"price", big, false},   {"channel", str, true},
          {"url", str, true},      {"date_time", ts, false},
          {"extra", str, true}};
}

absl::StatusOr<BoundStatement> StatementBinder::BindCreateSource(
    const ast::CreateSourceStatement& s) {
  bool is_table = s.source_kind == ast::SourceKind::kTable;
  catalog::Entry entry;
  entry.name = s.name.ToString();
  entry.kind =
      is_table ? catalog::EntryKind::kTable : catalog::EntryKind::kStream;
  entry.ddl = std::string(source_.substr(s.span.offset, s.span.length));
  if (s.name.parts.size() > 1) {
    return SqlError(s.name.span,
                    "names cannot be qualified (there are no schemas yet)");
  }
  WEIR_RETURN_IF_ERROR(CheckOptions(
      is_table ? catalog::OptionUse::kTableSource : catalog::OptionUse::kSource,
      s.options, s.options_span.known() ? s.options_span : s.span,
      &entry.options));
  for (const auto& [k, v] : entry.options) {
    if (k == "connector") entry.connector = AsciiLower(v);
  }
  // Columns.
  for (const auto& c : s.columns) {
    if (entry.schema.IndexOf(c.name.name)) {
      return SqlError(c.name.span, fmt::format("column '{}' is declared twice",
                                               c.name.name));
    }
    WEIR_ASSIGN_OR_RETURN(LogicalType t, TypeFromName(c.type));
    entry.schema.Add({c.name.name, t, !c.not_null && !c.primary_key});
  }
  if (s.columns.empty()) {
    if (entry.connector == "nexmark") {
      std::string table = AsciiLower(entry.Option("table").value_or("bid"));
      entry.schema = types::Schema(NexmarkSchema(table));
    } else if (entry.connector == "mysql-cdc" && resolver_) {
      absl::StatusOr<ExternalSchema> ext = resolver_(entry);
      if (!ext.ok()) {
        return SqlError(
            ext.status().code(), s.name.span,
            fmt::format("cannot read the columns of table '{}' from MySQL: {}",
                        entry.name, std::string(ext.status().message())));
      }
      entry.schema = ext->schema;
      entry.key = ext->key;
    } else if (entry.connector == "mysql-cdc") {
      entry.schema_deferred = true;
    } else {
      return SqlError(
          s.name.span,
          fmt::format(
              "CREATE {} {} needs a column list for connector '{}', as in "
              "CREATE {} {} (id BIGINT, ...) WITH (...)",
              is_table ? "TABLE" : "STREAM", entry.name, entry.connector,
              is_table ? "TABLE" : "STREAM", entry.name));
    }
  }
  // Metadata columns (Kafka only), with the types their values have.
  for (size_t i = 0; i < s.columns.size(); ++i) {
    const ast::ColumnDef& c = s.columns[i];
    if (!c.metadata_key) continue;
    if (entry.connector != "kafka") {
      return SqlError(
          c.metadata_span,
          fmt::format(
              "METADATA columns exist only on Kafka streams and tables, not "
              "on connector '{}'",
              entry.connector));
    }
    const std::string& key = *c.metadata_key;
    const LogicalType& t = entry.schema.field(i).type;
    // 'header.<name>': one header's value (NULL when absent).
    const bool one_header = key.rfind("header.", 0) == 0;
    if (one_header && key.size() == 7) {
      return SqlError(
          c.metadata_span,
          "metadata 'header.' needs a header name, as in 'header.trace-id'");
    }
    const bool string_or_bytes =
        t.id() == TypeId::kVarchar || t.id() == TypeId::kBytes;
    bool ok = (key == "key" && string_or_bytes) ||
              (one_header && string_or_bytes) ||
              (key == "headers" && t.id() == TypeId::kVarchar) ||
              (key == "topic" && t.id() == TypeId::kVarchar) ||
              (key == "partition" &&
               (t.id() == TypeId::kInt || t.id() == TypeId::kBigint)) ||
              (key == "offset" && t.id() == TypeId::kBigint) ||
              (key == "timestamp" && t.id() == TypeId::kTimestamp);
    if (key != "key" && key != "topic" && key != "partition" &&
        key != "offset" && key != "timestamp" && key != "headers" &&
        !one_header) {
      return SqlError(
          c.metadata_span,
          fmt::format(
              "unknown Kafka metadata '{}' (Kafka records have key, topic, "
              "partition, offset, timestamp, headers and header.<name>){}",
              key,
              DidYouMean(key, {"key", "topic", "partition", "offset",
                               "timestamp", "headers"})));
    }
    if (!ok) {
      const char* want = key == "key" || one_header ? "VARCHAR or BYTES"
                         : key == "topic" || key == "headers" ? "VARCHAR"
                         : key == "partition"                 ? "INT or BIGINT"
                         : key == "offset"                    ? "BIGINT"
                                                              : "TIMESTAMP";
      return SqlError(
          c.type.span,
          fmt::format("metadata '{}' is {}, so column '{}' cannot be {}", key,
                      want, c.name.name, t.ToString()));
    }
    entry.metadata.push_back({static_cast<int>(i), key});
  }
  // Primary key.
  std::vector<const ast::Identifier*> pk;
  for (const auto& c : s.columns) {
    if (c.primary_key) pk.push_back(&c.name);
  }
  if (!pk.empty() && !s.primary_key.empty()) {
    return SqlError(s.primary_key_span,
                    "the PRIMARY KEY is declared twice (inline and as a "
                    "table constraint)");
  }
  for (const auto& id : s.primary_key) pk.push_back(&id);
  std::vector<types::Field> fields = entry.schema.fields();
  for (const auto* id : pk) {
    std::optional<size_t> idx = entry.schema.IndexOf(id->name);
    if (!idx) {
      return SqlError(
          id->span,
          fmt::format("PRIMARY KEY column '{}' is not a column of {}{}",
                      id->name, entry.name, DidYouMean(id->name, [&] {
                        std::vector<std::string> n;
                        for (const auto& f : fields) n.push_back(f.name);
                        return n;
                      }())));
    }
    if (std::find(entry.key.begin(), entry.key.end(), static_cast<int>(*idx)) !=
        entry.key.end()) {
      return SqlError(
          id->span,
          fmt::format("column '{}' is listed twice in the PRIMARY KEY",
                      id->name));
    }
    entry.key.push_back(static_cast<int>(*idx));
    fields[*idx].nullable = false;
  }
  entry.schema = types::Schema(fields);
  if (is_table) {
    entry.append_only = false;
    if (entry.key.empty() && !entry.schema_deferred) {
      const SourceSpan& span = s.name.span;
      if (entry.connector == "mysql-cdc") {
        return SqlError(
            span,
            "a mysql-cdc TABLE needs the PRIMARY KEY of the MySQL table, "
            "as in PRIMARY KEY (id); changes are matched by it");
      }
      return SqlError(
          span, fmt::format("a TABLE is a changelog keyed by its PRIMARY KEY; "
                            "declare one, or use CREATE STREAM for append-only "
                            "data ({})",
                            entry.name));
    }
  } else {
    entry.append_only = true;
    if (!entry.key.empty()) {
      return SqlError(
          s.primary_key.empty() ? pk[0]->span : s.primary_key_span,
          "a STREAM has no PRIMARY KEY (its rows are never updated); use "
          "CREATE TABLE for a keyed changelog");
    }
  }
  // Watermark.
  if (s.watermark) {
    const auto& w = *s.watermark;
    std::optional<size_t> idx = entry.schema.IndexOf(w.column.name);
    if (!idx) {
      return SqlError(w.column.span,
                      fmt::format("WATERMARK FOR names unknown column '{}'{}",
                                  w.column.name, DidYouMean(w.column.name, [&] {
                                    std::vector<std::string> n;
                                    for (const auto& f : entry.schema.fields())
                                      n.push_back(f.name);
                                    return n;
                                  }())));
    }
    const types::Field& f = entry.schema.field(*idx);
    if (f.type.id() != TypeId::kTimestamp) {
      return SqlError(
          w.column.span,
          fmt::format("WATERMARK FOR needs a TIMESTAMP column; '{}' is {}",
                      f.name, f.type.ToString()));
    }
    std::vector<ScopeColumn> scope = ScopeOf(entry.schema, entry.name);
    ExprContext ctx{&scope, Clause::kWatermark, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*w.expr, ctx));
    if (b->type.id() != TypeId::kTimestamp) {
      return SqlError(
          w.expr->span,
          fmt::format("the WATERMARK expression must be a TIMESTAMP, "
                      "got {}",
                      b->type.ToString()));
    }
    if (b->IsConstant()) {
      return SqlError(w.expr->span,
                      "the WATERMARK expression must depend on the row's time "
                      "column, as in date_time - INTERVAL '5' SECOND");
    }
    catalog::WatermarkInfo info;
    info.column = static_cast<int>(*idx);
    info.expr_text =
        std::string(source_.substr(w.expr->span.offset, w.expr->span.length));
    if (auto t = TimeOperand(b); t && t->first == info.column) {
      if (t->second > 0) {
        return SqlError(w.expr->span,
                        "the watermark must not run ahead of the time column "
                        "(use col - INTERVAL ..., not col + INTERVAL ...)");
      }
      info.delay_micros = -t->second;
    }
    entry.watermark = info;
  }
  BoundStatement out;
  out.kind = BoundKind::kCreateSource;
  out.name_span = s.name.span;
  out.if_not_exists = s.if_not_exists;
  out.or_replace = s.or_replace;
  out.entry = std::move(entry);
  return out;
}

/// Views and sinks store their columns by name: every column needs one, and
/// names must differ. Errors point at the select item when it is known.
absl::Status CheckViewColumnNames(const types::Schema& schema,
                                  const std::vector<ScopeColumn>& columns,
                                  const SourceSpan& fallback) {
  for (size_t i = 0; i < schema.size(); ++i) {
    const std::string& n = schema.field(i).name;
    SourceSpan span = i < columns.size() && columns[i].span.known()
                          ? columns[i].span
                          : fallback;
    if (n == "?column?") {
      return SqlError(
          span, fmt::format("column {} of the result has no name; give it one "
                            "with AS",
                            i + 1));
    }
    if (schema.CountNamed(n) > 1) {
      for (size_t j = i + 1; j < schema.size() && j < columns.size(); ++j) {
        if (EqualsIgnoreCase(schema.field(j).name, n) &&
            columns[j].span.known()) {
          span = columns[j].span;
          break;
        }
      }
      return SqlError(
          span, fmt::format("the result has two columns named '{}'; rename one "
                            "with AS",
                            n));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BoundStatement> StatementBinder::BindCreateView(
    const ast::CreateViewStatement& s) {
  if (s.name.parts.size() > 1) {
    return SqlError(s.name.span,
                    "names cannot be qualified (there are no schemas yet)");
  }
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindQuery(*s.query, QueryUse::kView));
  PlanPtr plan = rel.plan;
  if (!s.column_names.empty()) {
    if (s.column_names.size() != plan->schema.size()) {
      return SqlError(
          s.name.span,
          fmt::format("the view names {} columns but its query has {}",
                      s.column_names.size(), plan->schema.size()));
    }
    auto p = std::make_shared<ProjectNode>();
    for (size_t i = 0; i < s.column_names.size(); ++i) {
      const auto& f = plan->schema.field(i);
      p->exprs.push_back(
          expr::MakeColumn(static_cast<int>(i), f.name, f.type, f.nullable));
      p->schema.Add({s.column_names[i].name, f.type, f.nullable});
    }
    p->inputs = {plan};
    DeriveProjectProps(*plan, p.get());
    plan = p;
  }
  WEIR_RETURN_IF_ERROR(CheckViewColumnNames(
      plan->schema,
      s.column_names.empty() ? rel.columns : std::vector<ScopeColumn>{},
      s.query->span));
  std::string name = s.name.ToString();
  for (const auto& src : rel.sources) {
    if (EqualsIgnoreCase(src.name, name)) {
      return SqlError(src.span, "a view cannot read itself");
    }
  }
  catalog::Entry entry;
  entry.name = name;
  entry.kind = catalog::EntryKind::kView;
  entry.schema = plan->schema;
  entry.key = plan->unique_key;
  entry.append_only = plan->append_only;
  entry.query_text = s.query_text;
  entry.depends_on = ReadNames(rel.sources);
  entry.ddl = std::string(source_.substr(s.span.offset, s.span.length));
  if (!s.options.empty()) {
    return SqlError(
        s.options.front().key_span,
        "a materialized view takes no WITH options yet; to write it out, "
        "use CREATE SINK ... FROM the view");
  }
  if (plan->event_time) {
    catalog::WatermarkInfo w;
    w.column = *plan->event_time;
    w.delay_micros = plan->watermark_delay;
    w.expr_text = "(inherited)";
    entry.watermark = w;
  }
  BoundStatement out;
  out.kind = BoundKind::kCreateView;
  out.name_span = s.name.span;
  out.plan = MakeOutput(plan, OutputKind::kMaterialize, name);
  out.entry = std::move(entry);
  out.if_not_exists = s.if_not_exists;
  out.or_replace = s.or_replace;
  out.reads = out.entry.depends_on;
  return out;
}

absl::StatusOr<BoundStatement> StatementBinder::BindCreateSink(
    const ast::CreateSinkStatement& s) {
  catalog::Entry entry;
  entry.name = s.name.ToString();
  entry.kind = catalog::EntryKind::kSink;
  entry.ddl = std::string(source_.substr(s.span.offset, s.span.length));
  WEIR_RETURN_IF_ERROR(CheckOptions(
      catalog::OptionUse::kSink, s.options,
      s.options_span.known() ? s.options_span : s.span, &entry.options));
  for (const auto& [k, v] : entry.options) {
    if (k == "connector") entry.connector = AsciiLower(v);
  }
  BoundRel rel;
  if (s.from) {
    ast::NamedTableRef ref;
    ref.name = *s.from;
    ref.span = s.from->span;
    WEIR_ASSIGN_OR_RETURN(rel, BindNamedTable(ref));
    entry.query_text = fmt::format("SELECT * FROM {}", s.from->ToString());
  } else {
    WEIR_ASSIGN_OR_RETURN(rel, BindQuery(*s.query, QueryUse::kSink));
    entry.query_text = s.query_text;
  }
  const PlanPtr& plan = rel.plan;
  if (entry.connector == "mysql" && !plan->append_only &&
      plan->unique_key.empty()) {
    return SqlError(
        s.from ? s.from->span : s.query->span,
        "a MySQL sink applies updates and deletes by key, but this input is a "
        "changelog with no unique key; aggregate it with GROUP BY or sink a "
        "view "
        "that has a key");
  }
  if (!s.from) {
    WEIR_RETURN_IF_ERROR(
        CheckViewColumnNames(plan->schema, rel.columns, s.query->span));
  }
  entry.schema = plan->schema;
  entry.key = plan->unique_key;
  entry.append_only = plan->append_only;
  entry.depends_on = ReadNames(rel.sources);
  auto out_plan = std::static_pointer_cast<const OutputNode>(
      MakeOutput(plan, OutputKind::kSink, entry.name));
  auto& mut = const_cast<OutputNode&>(*out_plan);
  mut.connector = entry.connector;
  for (const char* k : {"topic", "table", "format"}) {
    if (auto v = entry.Option(k)) {
      mut.detail +=
          (mut.detail.empty() ? "" : " ") + fmt::format("{}={}", k, *v);
    }
  }
  BoundStatement out;
  out.kind = BoundKind::kCreateSink;
  out.name_span = s.name.span;
  out.plan = out_plan;
  out.reads = entry.depends_on;
  out.entry = std::move(entry);
  out.if_not_exists = s.if_not_exists;
  return out;
}

absl::StatusOr<BoundStatement> StatementBinder::BindInsert(
    const ast::InsertStatement& s) {
  std::string name = s.target.ToString();
  const catalog::Entry* target = catalog_.Find(name);
  if (target == nullptr) {
    std::vector<std::string> names;
    for (const auto* e : catalog_.List(catalog::EntryKind::kStream))
      names.push_back(e->name);
    return SqlError(
        absl::StatusCode::kNotFound, s.target.span,
        fmt::format("unknown stream '{}'{}", name, DidYouMean(name, names)));
  }
  if (target->kind != catalog::EntryKind::kStream) {
    return SqlError(
        s.target.span,
        fmt::format("INSERT writes to streams; '{}' is a {}{}", target->name,
                    catalog::EntryKindName(target->kind),
                    target->connector == "mysql-cdc"
                        ? " read from MySQL (write to the MySQL table instead)"
                        : ""));
  }
  if (target->connector != "kafka") {
    return SqlError(
        s.target.span,
        fmt::format("INSERT writes to Kafka streams; '{}' comes from the '{}' "
                    "connector",
                    target->name, target->connector));
  }
  // Target columns.
  const types::Schema& schema = target->schema;
  std::vector<int> cols;
  if (s.columns.empty()) {
    for (size_t i = 0; i < schema.size(); ++i)
      cols.push_back(static_cast<int>(i));
  } else {
    for (const auto& c : s.columns) {
      std::optional<size_t> idx = schema.IndexOf(c.name);
      if (!idx) {
        std::vector<std::string> names;
        for (const auto& f : schema.fields()) names.push_back(f.name);
        return SqlError(c.span,
                        fmt::format("'{}' has no column '{}'{}", target->name,
                                    c.name, DidYouMean(c.name, names)));
      }
      if (std::find(cols.begin(), cols.end(), static_cast<int>(*idx)) !=
          cols.end()) {
        return SqlError(c.span,
                        fmt::format("column '{}' is listed twice", c.name));
      }
      cols.push_back(static_cast<int>(*idx));
    }
    for (size_t i = 0; i < schema.size(); ++i) {
      if (!schema.field(i).nullable &&
          std::find(cols.begin(), cols.end(), static_cast<int>(i)) ==
              cols.end()) {
        return SqlError(s.target.span,
                        fmt::format("column '{}' is NOT NULL and gets no value",
                                    schema.field(i).name));
      }
    }
  }
  auto fit = [&](BoundExprPtr e, int col,
                 const SourceSpan& span) -> absl::StatusOr<BoundExprPtr> {
    const types::Field& f = schema.field(col);
    if (!types::CanImplicitlyCast(e->type, f.type)) {
      // Literal text for a temporal column is a common, harmless shorthand.
      bool text_to_time =
          e->type.IsString() && f.type.IsTemporal() && e->IsConstant();
      if (!text_to_time) {
        return SqlError(
            span, fmt::format("column '{}' is {}, but the value is {}", f.name,
                              f.type.ToString(), e->type.ToString()));
      }
    }
    if (!f.nullable && e->kind == BoundExprKind::kLiteral &&
        e->value.is_null()) {
      return SqlError(span, fmt::format("column '{}' is NOT NULL", f.name));
    }
    return CastTo(e, f.type);
  };
  PlanPtr plan;
  std::vector<SourceUse> sources;
  if (s.query) {
    WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindQuery(*s.query, QueryUse::kInsert));
    if (rel.columns.size() != cols.size()) {
      return SqlError(
          s.query->span,
          fmt::format("the query gives {} columns but {} expects {}",
                      rel.columns.size(), target->name, cols.size()));
    }
    auto p = std::make_shared<ProjectNode>();
    for (size_t i = 0; i < schema.size(); ++i) {
      auto it = std::find(cols.begin(), cols.end(), static_cast<int>(i));
      BoundExprPtr e;
      if (it == cols.end()) {
        e = expr::MakeLiteral(Value::Null(schema.field(i).type));
      } else {
        size_t from = it - cols.begin();
        const auto& c = rel.columns[from];
        e = expr::MakeColumn(static_cast<int>(from), c.name, c.type,
                             c.nullable);
        WEIR_ASSIGN_OR_RETURN(e, fit(e, static_cast<int>(i), s.query->span));
      }
      p->exprs.push_back(e);
      p->schema.Add(schema.field(i));
    }
    p->inputs = {rel.plan};
    DeriveProjectProps(*rel.plan, p.get());
    if (!p->append_only) {
      return SqlError(
          s.query->span,
          fmt::format("'{}' is append-only, but this query produces "
                      "updates; sink it with CREATE SINK or "
                      "materialize it as a view",
                      target->name));
    }
    plan = p;
    sources = rel.sources;
  } else {
    auto values = std::make_shared<ValuesNode>();
    values->schema = schema;
    for (const auto& row : s.values) {
      if (row.size() != cols.size()) {
        SourceSpan span = row.empty() ? s.span
                                      : SourceSpan::Cover(row.front()->span,
                                                          row.back()->span);
        return SqlError(
            span, fmt::format("VALUES row has {} values but {} expects {}",
                              row.size(), target->name, cols.size()));
      }
      std::vector<BoundExprPtr> out(schema.size());
      for (size_t i = 0; i < schema.size(); ++i)
        out[i] = expr::MakeLiteral(Value::Null(schema.field(i).type));
      for (size_t i = 0; i < row.size(); ++i) {
        ExprContext ctx{nullptr, Clause::kValues, nullptr, nullptr, nullptr};
        WEIR_ASSIGN_OR_RETURN(BoundExprPtr e, BindExpr(*row[i], ctx));
        WEIR_ASSIGN_OR_RETURN(out[cols[i]], fit(e, cols[i], row[i]->span));
      }
      values->rows.push_back(std::move(out));
    }
    plan = values;
  }
  BoundStatement out;
  out.kind = BoundKind::kInsert;
  out.plan = MakeOutput(plan, OutputKind::kInsert, target->name);
  out.reads = ReadNames(sources);
  out.constant_query = sources.empty();
  return out;
}

catalog::EntryKind ToEntryKind(ast::ObjectKind k) {
  switch (k) {
    case ast::ObjectKind::kStream:
      return catalog::EntryKind::kStream;
    case ast::ObjectKind::kTable:
      return catalog::EntryKind::kTable;
    case ast::ObjectKind::kView:
      return catalog::EntryKind::kView;
    case ast::ObjectKind::kSink:
      return catalog::EntryKind::kSink;
  }
  return catalog::EntryKind::kStream;
}

absl::StatusOr<BoundStatement> StatementBinder::BindDrop(
    const ast::DropStatement& s) {
  BoundStatement out;
  out.kind = BoundKind::kDrop;
  out.name_span = s.name.span;
  out.object_kind = ToEntryKind(s.object);
  out.name = s.name.ToString();
  out.if_exists = s.if_exists;
  const catalog::Entry* e = catalog_.Find(out.name);
  std::string kind_name = AsciiLower(catalog::EntryKindName(out.object_kind));
  if (e == nullptr) {
    if (s.if_exists) return out;
    std::vector<std::string> names;
    for (const auto* x : catalog_.List(out.object_kind))
      names.push_back(x->name);
    return SqlError(absl::StatusCode::kNotFound, s.name.span,
                    fmt::format("{} '{}' does not exist{}", kind_name, out.name,
                                DidYouMean(out.name, names)));
  }
  if (e->kind != out.object_kind) {
    return SqlError(s.name.span,
                    fmt::format("'{}' is a {}, not a {}; use DROP {}", e->name,
                                catalog::EntryKindName(e->kind),
                                catalog::EntryKindName(out.object_kind),
                                catalog::EntryKindName(e->kind)));
  }
  return out;
}

absl::StatusOr<BoundStatement> StatementBinder::BindDescribe(
    const ast::DescribeStatement& s) {
  BoundStatement out;
  out.kind = BoundKind::kDescribe;
  out.name = s.name.ToString();
  out.extended = s.extended;
  if (catalog_.Find(out.name) == nullptr) {
    std::vector<std::string> names;
    for (auto kind : {catalog::EntryKind::kStream, catalog::EntryKind::kTable,
                      catalog::EntryKind::kView, catalog::EntryKind::kSink}) {
      for (const auto* x : catalog_.List(kind)) names.push_back(x->name);
    }
    return SqlError(absl::StatusCode::kNotFound, s.name.span,
                    fmt::format("unknown stream, table, view or sink '{}'{}",
                                out.name, DidYouMean(out.name, names)));
  }
  return out;
}

absl::StatusOr<BoundStatement> StatementBinder::Bind(
    const ast::Statement& stmt) {
  using ast::StatementKind;
  switch (stmt.kind) {
    case StatementKind::kQuery:
      return BindQueryStatement(static_cast<const ast::QueryStatement&>(stmt));
    case StatementKind::kCreateSource:
      return BindCreateSource(
          static_cast<const ast::CreateSourceStatement&>(stmt));
    case StatementKind::kCreateView:
      return BindCreateView(static_cast<const ast::CreateViewStatement&>(stmt));
    case StatementKind::kCreateSink:
      return BindCreateSink(static_cast<const ast::CreateSinkStatement&>(stmt));
    case StatementKind::kInsert:
      return BindInsert(static_cast<const ast::InsertStatement&>(stmt));
    case StatementKind::kDrop:
      return BindDrop(static_cast<const ast::DropStatement&>(stmt));
    case StatementKind::kDescribe:
      return BindDescribe(static_cast<const ast::DescribeStatement&>(stmt));
    case StatementKind::kShow: {
      BoundStatement out;
      out.kind = BoundKind::kShow;
      out.show = static_cast<const ast::ShowStatement&>(stmt).what;
      return out;
    }
    case StatementKind::kExplain: {
      const auto& e = static_cast<const ast::ExplainStatement&>(stmt);
      switch (e.statement->kind) {
        case StatementKind::kQuery:
        case StatementKind::kCreateSource:
        case StatementKind::kCreateView:
        case StatementKind::kCreateSink:
        case StatementKind::kInsert:
          break;
        default:
          return SqlError(e.statement->span,
                          "EXPLAIN takes a query, INSERT, CREATE STREAM/TABLE, "
                          "CREATE MATERIALIZED VIEW or CREATE SINK");
      }
      WEIR_ASSIGN_OR_RETURN(BoundStatement inner, Bind(*e.statement));
      BoundStatement out;
      out.kind = BoundKind::kExplain;
      out.inner = std::make_unique<BoundStatement>(std::move(inner));
      return out;
    }
    case StatementKind::kSet: {
      const auto& s = static_cast<const ast::SetStatement&>(stmt);
      BoundStatement out;
      out.kind = BoundKind::kSet;
      out.name = AsciiLower(s.key);
      out.value = s.value;
      out.name_span = s.key_span;
      out.value_span = s.value_span;
      return out;
    }
    case StatementKind::kReset: {
      const auto& s = static_cast<const ast::ResetStatement&>(stmt);
      BoundStatement out;
      out.kind = BoundKind::kReset;
      out.name = AsciiLower(s.key);
      out.name_span = s.key_span;
      out.all = s.key.empty();
      return out;
    }
    case StatementKind::kTerminate: {
      const auto& s = static_cast<const ast::TerminateStatement&>(stmt);
      BoundStatement out;
      out.kind = BoundKind::kTerminate;
      out.name = AsciiLower(s.query_id);
      out.name_span = s.id_span;
      out.all = s.all;
      return out;
    }
  }
  return SqlError(stmt.span, "unsupported statement");
}

}  // namespace

absl::StatusOr<types::LogicalType> ResolveTypeName(const ast::TypeName& type) {
  return TypeFromName(type);
}

absl::StatusOr<BoundStatement> Binder::Bind(const ast::Statement& stmt,
                                            std::string_view source) {
  StatementBinder binder(catalog_, resolver_, source);
  return binder.Bind(stmt);
}

}  // namespace weir::sql
