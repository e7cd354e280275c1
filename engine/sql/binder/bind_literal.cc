// Literals and type names: typed literals (DATE '...', TIMESTAMP '...'),
// INTERVAL literals, numbers, and the written names of types.

#include <algorithm>
#include <cctype>
#include <cmath>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using types::TypeId;
using types::Value;

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

namespace {

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

}  // namespace

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

}  // namespace weir::sql::internal
