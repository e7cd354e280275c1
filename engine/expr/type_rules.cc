#include "engine/expr/type_rules.h"

#include <algorithm>
#include <utility>

namespace weir::expr::internal {

using types::LogicalType;
using types::TypeId;

std::string TypeList(const Types& types) {
  std::string out = "(";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) out += ", ";
    out += types[i].ToString();
  }
  return out + ")";
}

Overload Fixed(Types params, LogicalType result, std::string expected) {
  if (expected.empty()) expected = TypeList(params);
  return {expected,
          [params, result](const Types& args) -> std::optional<Match> {
            if (args.size() != params.size()) return std::nullopt;
            for (size_t i = 0; i < args.size(); ++i) {
              if (!types::CanImplicitlyCast(args[i], params[i])) {
                return std::nullopt;
              }
            }
            return Match{result, params};
          }};
}

Overload Variadic(LogicalType param, size_t min, LogicalType result,
                  std::string expected) {
  return {expected, [=](const Types& args) -> std::optional<Match> {
            if (args.size() < min) return std::nullopt;
            for (const auto& a : args) {
              if (!types::CanImplicitlyCast(a, param)) return std::nullopt;
            }
            return Match{result, Types(args.size(), param)};
          }};
}

Overload AnyOne() {
  return {"(any)", [](const Types& args) -> std::optional<Match> {
            if (args.size() != 1) return std::nullopt;
            return Match{LogicalType::Boolean(), args};
          }};
}

Overload Comparable(size_t min, size_t max, std::optional<LogicalType> result,
                    std::string expected) {
  return {expected, [=](const Types& args) -> std::optional<Match> {
            if (args.size() < min || args.size() > max) return std::nullopt;
            LogicalType common = LogicalType::Null();
            for (const auto& a : args) {
              auto c = types::CommonSuperType(common, a);
              if (!c) return std::nullopt;
              common = *c;
            }
            return Match{result ? *result : common, Types(args.size(), common)};
          }};
}

Overload Compared(std::optional<LogicalType> result, std::string expected) {
  return {expected, [=](const Types& args) -> std::optional<Match> {
            if (args.size() != 2) return std::nullopt;
            const LogicalType &a = args[0], &b = args[1];
            auto exact = [](const LogicalType& t) {
              return t.IsInteger() || t.id() == TypeId::kDecimal;
            };
            if (exact(a) && exact(b)) {
              LogicalType da = types::AsDecimal(a), db = types::AsDecimal(b);
              int digits = std::max(da.precision() - da.scale(),
                                    db.precision() - db.scale()) +
                           std::max(da.scale(), db.scale());
              if (digits > LogicalType::kMaxDecimalPrecision) {
                return Match{result ? *result : a, args};
              }
            }
            auto c = types::CommonSuperType(a, b);
            if (!c) return std::nullopt;
            return Match{result ? *result : *c, {*c, *c}};
          }};
}

bool NumOrNull(const LogicalType& t) { return t.IsNumeric() || t.IsNull(); }

bool TsLike(const LogicalType& t) {
  return t.id() == TypeId::kTimestamp || t.id() == TypeId::kDate || t.IsNull();
}

bool IsOrNull(const LogicalType& t, TypeId id) {
  return t.id() == id || t.IsNull();
}

int TsPrecision(const LogicalType& t) {
  return t.id() == TypeId::kTimestamp ? t.precision() : 0;
}

LogicalType FitDecimal(int int_digits, int scale) {
  int_digits = std::max(int_digits, 0);
  scale = std::min(scale, LogicalType::kMaxDecimalPrecision);
  if (int_digits + scale <= LogicalType::kMaxDecimalPrecision) {
    return LogicalType::DecimalOrDie(std::max(1, int_digits + scale), scale);
  }
  int s = std::max(std::min(scale, 6),
                   LogicalType::kMaxDecimalPrecision - int_digits);
  return LogicalType::DecimalOrDie(LogicalType::kMaxDecimalPrecision, s);
}

LogicalType DecimalArithmetic(char op, const LogicalType& a,
                              const LogicalType& b) {
  LogicalType da = types::AsDecimal(a), db = types::AsDecimal(b);
  int p1 = da.precision(), s1 = da.scale(), p2 = db.precision(),
      s2 = db.scale();
  switch (op) {
    case '+':
    case '-':
      return FitDecimal(std::max(p1 - s1, p2 - s2) + 1, std::max(s1, s2));
    case '*':
      return FitDecimal((p1 - s1) + (p2 - s2), s1 + s2);
    case '/':
      return FitDecimal(p1 - s1 + s2, std::max(6, s1 + p2 + 1));
    default:  // %
      return FitDecimal(std::min(p1 - s1, p2 - s2), std::max(s1, s2));
  }
}

namespace {

// Numeric operands of a binary arithmetic operator.
std::optional<Match> NumericBinary(char op, const Types& args) {
  if (args.size() != 2 || !NumOrNull(args[0]) || !NumOrNull(args[1])) {
    return std::nullopt;
  }
  LogicalType a = args[0], b = args[1];
  if (a.IsNull()) a = b.IsNull() ? LogicalType::Int() : b;
  if (b.IsNull()) b = a;
  if (a.id() == TypeId::kDouble || b.id() == TypeId::kDouble) {
    return Match{LogicalType::Double(),
                 {LogicalType::Double(), LogicalType::Double()}};
  }
  if (a.id() == TypeId::kDecimal || b.id() == TypeId::kDecimal) {
    LogicalType da = types::AsDecimal(a), db = types::AsDecimal(b);
    return Match{DecimalArithmetic(op, da, db), {da, db}};
  }
  LogicalType r = a.id() == TypeId::kBigint || b.id() == TypeId::kBigint
                      ? LogicalType::Bigint()
                      : LogicalType::Int();
  return Match{r, {r, r}};
}

}  // namespace

Overload NumericOp(char op) {
  return {"(numeric, numeric)",
          [op](const Types& args) { return NumericBinary(op, args); }};
}

Overload NumericUnary(std::function<LogicalType(const LogicalType&)> result,
                      Types trailing, std::string expected) {
  if (expected.empty()) {
    expected = "(numeric";
    for (const auto& t : trailing) expected += ", " + t.ToString();
    expected += ")";
  }
  return {expected, [=](const Types& args) -> std::optional<Match> {
            if (args.size() != 1 + trailing.size() || !NumOrNull(args[0])) {
              return std::nullopt;
            }
            for (size_t i = 0; i < trailing.size(); ++i) {
              if (!types::CanImplicitlyCast(args[i + 1], trailing[i])) {
                return std::nullopt;
              }
            }
            LogicalType a = args[0].IsNull() ? LogicalType::Int() : args[0];
            Types arg_types = {a};
            arg_types.insert(arg_types.end(), trailing.begin(), trailing.end());
            return Match{result(a), arg_types};
          }};
}

Overload Pair(
    std::string expected,
    std::function<std::optional<Match>(const LogicalType&, const LogicalType&)>
        f) {
  return {std::move(expected), [f](const Types& args) -> std::optional<Match> {
            if (args.size() != 2) return std::nullopt;
            return f(args[0], args[1]);
          }};
}

Overload TemporalArg(size_t count, size_t pos, bool allow_time,
                     std::function<LogicalType(const LogicalType&)> result,
                     std::string expected) {
  return {expected, [=](const Types& args) -> std::optional<Match> {
            if (args.size() != count) return std::nullopt;
            Types arg_types(count, LogicalType::Varchar());
            for (size_t i = 0; i < count; ++i) {
              if (i == pos) continue;
              if (!types::CanImplicitlyCast(args[i], LogicalType::Varchar())) {
                return std::nullopt;
              }
            }
            const LogicalType& t = args[pos];
            if (t.id() == TypeId::kTimestamp || t.id() == TypeId::kDate ||
                (allow_time && t.id() == TypeId::kTime)) {
              arg_types[pos] = t;
            } else if (t.IsNull()) {
              arg_types[pos] = LogicalType::TimestampOrDie(
                  LogicalType::kDefaultTimestampPrecision);
            } else {
              return std::nullopt;
            }
            return Match{result(arg_types[pos]), arg_types};
          }};
}

}  // namespace weir::expr::internal
