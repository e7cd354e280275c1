#include "engine/expr/functions.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "engine/base/check.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"
#include "engine/expr/type_rules.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"

namespace weir::expr {

using types::LogicalType;
using types::TypeId;
using types::Value;
using types::internal::int128;

namespace {

using internal::AnyOne;
using internal::Comparable;
using internal::Fixed;
using internal::Match;
using internal::NumericOp;
using internal::NumericUnary;
using internal::NumOrNull;
using internal::Overload;
using internal::Pair;
using internal::TemporalArg;
using internal::TsLike;
using internal::TsPrecision;
using internal::TypeList;
using internal::Types;

using Args = std::vector<Value>;
using EvalFn =
    std::function<absl::StatusOr<Value>(const Args&, const LogicalType&)>;

// A function without a batch kernel yet: its type rule and row evaluator.
struct ScalarDef {
  std::string name;
  std::vector<std::string> synonyms;
  bool is_operator = false;
  std::string signature;
  std::string description;
  std::vector<Overload> overloads;
  bool null_if_any_null = true;
  bool deterministic = true;
  EvalFn eval;
};

LogicalType Ts(int p) { return LogicalType::TimestampOrDie(p); }
const LogicalType kVarchar = LogicalType::Varchar();
const LogicalType kBigint = LogicalType::Bigint();
const LogicalType kInt = LogicalType::Int();
const LogicalType kDouble = LogicalType::Double();
const LogicalType kBoolean = LogicalType::Boolean();
const LogicalType kInterval = LogicalType::Interval();
const LogicalType kDate = LogicalType::Date();

bool Is(const LogicalType& t, TypeId id) { return internal::IsOrNull(t, id); }

std::vector<Overload> PlusOverloads() {
  return {
      NumericOp('+'),
      Pair("(TIMESTAMP, INTERVAL)",
           [](const LogicalType& a,
              const LogicalType& b) -> std::optional<Match> {
             if (!TsLike(a) || !Is(b, TypeId::kInterval)) return {};
             LogicalType t = Ts(TsPrecision(a));
             return Match{t, {t, kInterval}};
           }),
      Pair("(INTERVAL, TIMESTAMP)",
           [](const LogicalType& a,
              const LogicalType& b) -> std::optional<Match> {
             if (!Is(a, TypeId::kInterval) || !TsLike(b)) return {};
             LogicalType t = Ts(TsPrecision(b));
             return Match{t, {kInterval, t}};
           }),
      Fixed({kDate, kBigint}, kDate, "(DATE, BIGINT)"),
      Fixed({kInterval, kInterval}, kInterval),
  };
}

std::vector<Overload> MinusOverloads() {
  return {
      NumericOp('-'),
      Fixed({kDate, kDate}, kInt),
      Pair("(TIMESTAMP, INTERVAL)",
           [](const LogicalType& a,
              const LogicalType& b) -> std::optional<Match> {
             if (!TsLike(a) || !Is(b, TypeId::kInterval)) return {};
             LogicalType t = Ts(TsPrecision(a));
             return Match{t, {t, kInterval}};
           }),
      Pair("(TIMESTAMP, TIMESTAMP)",
           [](const LogicalType& a,
              const LogicalType& b) -> std::optional<Match> {
             if (!TsLike(a) || !TsLike(b)) return {};
             LogicalType t = Ts(std::max(TsPrecision(a), TsPrecision(b)));
             return Match{kInterval, {t, t}};
           }),
      Fixed({kDate, kBigint}, kDate, "(DATE, BIGINT)"),
      Fixed({kInterval, kInterval}, kInterval),
  };
}

std::vector<Overload> TimesOverloads() {
  return {NumericOp('*'), Fixed({kInterval, kBigint}, kInterval),
          Fixed({kBigint, kInterval}, kInterval)};
}

LogicalType SameType(const LogicalType& t) { return t; }
LogicalType IntegralPart(const LogicalType& t) {
  if (t.id() != TypeId::kDecimal) return t;
  return LogicalType::DecimalOrDie(
      std::min(38, std::max(1, t.precision() - t.scale() + 1)), 0);
}

// ---------------------------------------------------------------------------
// Evaluation helpers.

absl::Status Error(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}
absl::Status RangeError(std::string message) {
  return absl::OutOfRangeError(std::move(message));
}
absl::Status DivisionByZero() { return Error("division by zero"); }
absl::Status DecimalOverflow(const LogicalType& t) {
  return RangeError(
      fmt::format("DECIMAL overflow: value does not fit {}", t.ToString()));
}

double AsDouble(const Value& v) {
  switch (v.type().id()) {
    case TypeId::kDouble:
      return v.dbl();
    case TypeId::kDecimal:
      return types::internal::DecimalToDouble(v.decimal(), v.type().scale());
    default:
      return static_cast<double>(v.integer());
  }
}

int128 Unscaled(const Value& v, int* scale) {
  if (v.type().id() == TypeId::kDecimal) {
    *scale = v.type().scale();
    return v.decimal();
  }
  *scale = 0;
  return v.integer();
}

absl::StatusOr<Value> MakeDecimal(std::optional<int128> unscaled, int scale,
                                  const LogicalType& result) {
  if (!unscaled) return DecimalOverflow(result);
  auto v = types::internal::Rescale(*unscaled, scale, result.scale());
  if (!v || !types::internal::FitsPrecision(*v, result.precision())) {
    return DecimalOverflow(result);
  }
  return Value::Decimal(*v, result);
}

absl::StatusOr<Value> MakeInteger(int128 v, const LogicalType& result,
                                  const std::string& what) {
  if (result.id() == TypeId::kInt) {
    if (v < INT32_MIN || v > INT32_MAX) {
      return RangeError("integer overflow in " + what);
    }
    return Value::Int(static_cast<int32_t>(v));
  }
  if (v < INT64_MIN || v > INT64_MAX) {
    return RangeError("integer overflow in " + what);
  }
  return Value::Bigint(static_cast<int64_t>(v));
}

absl::StatusOr<Value> MakeDouble(double d, const std::string& fn) {
  if (std::isinf(d)) {
    return RangeError(fmt::format("value out of range: overflow in {}", fn));
  }
  return Value::Double(d);
}

absl::StatusOr<Value> ValueInType(const Value& v, const LogicalType& t) {
  if (t.IsNull() || v.type() == t) return v;
  return types::CastValue(v, t);
}

// Arithmetic on two non-NULL numeric values, by result type.
absl::StatusOr<Value> NumericArith(char op, const Value& a, const Value& b,
                                   const LogicalType& result) {
  std::string what =
      fmt::format("{} {} {}", a.type().ToString(), op, b.type().ToString());
  switch (result.id()) {
    case TypeId::kDouble: {
      double x = AsDouble(a), y = AsDouble(b);
      switch (op) {
        case '+':
          return MakeDouble(x + y, what);
        case '-':
          return MakeDouble(x - y, what);
        case '*':
          return MakeDouble(x * y, what);
        case '/':
          if (y == 0) return DivisionByZero();
          return MakeDouble(x / y, what);
        default:
          if (y == 0) return DivisionByZero();
          return Value::Double(std::fmod(x, y));
      }
    }
    case TypeId::kInt:
    case TypeId::kBigint: {
      int128 x = a.integer(), y = b.integer();  // int64 operands: no overflow
      switch (op) {
        case '+':
          return MakeInteger(x + y, result, what);
        case '-':
          return MakeInteger(x - y, result, what);
        case '*':
          return MakeInteger(x * y, result, what);
        case '/':
          if (y == 0) return DivisionByZero();
          return MakeInteger(x / y, result, what);  // truncates toward zero
        default:
          if (y == 0) return DivisionByZero();
          return MakeInteger(x % y, result, what);
      }
    }
    case TypeId::kDecimal: {
      int sa, sb;
      int128 x = Unscaled(a, &sa), y = Unscaled(b, &sb);
      int s = std::max(sa, sb);
      switch (op) {
        case '+':
        case '-': {
          auto xs = types::internal::Rescale(x, sa, s);
          auto ys = types::internal::Rescale(y, sb, s);
          int128 r;
          if (!xs || !ys ||
              (op == '+' ? __builtin_add_overflow(*xs, *ys, &r)
                         : __builtin_sub_overflow(*xs, *ys, &r))) {
            return DecimalOverflow(result);
          }
          return MakeDecimal(r, s, result);
        }
        case '*':
          return MakeDecimal(
              types::internal::MultiplyDecimal(x, sa, y, sb, result.scale()),
              result.scale(), result);
        case '/':
          if (y == 0) return DivisionByZero();
          return MakeDecimal(
              types::internal::DivideDecimal(x, sa, y, sb, result.scale()),
              result.scale(), result);
        default: {
          if (y == 0) return DivisionByZero();
          auto xs = types::internal::Rescale(x, sa, s);
          auto ys = types::internal::Rescale(y, sb, s);
          if (!xs || !ys) return DecimalOverflow(result);
          return MakeDecimal(*xs % *ys, s, result);
        }
      }
    }
    default:
      break;
  }
  return Error(
      fmt::format("operator {} cannot compute {}", op, result.ToString()));
}

int64_t MicrosOf(const Value& v) {
  return internal::TemporalMicros(v.type().id(), v.integer());
}

absl::StatusOr<Value> ShiftTimestamp(const Value& ts, types::IntervalValue iv,
                                     int sign, const LogicalType& result) {
  auto r = types::internal::AddMonths(MicrosOf(ts),
                                      static_cast<int64_t>(iv.months) * sign);
  int64_t out;
  if (!r || __builtin_add_overflow(*r, iv.micros * sign, &out)) {
    return RangeError("TIMESTAMP out of range");
  }
  int p = result.precision();
  int64_t unit = static_cast<int64_t>(types::internal::Pow10(6 - p));
  out -= types::internal::FloorMod(out, unit);
  return Value::Timestamp(out, p);
}

absl::StatusOr<Value> IntervalTimes(types::IntervalValue iv, int64_t n) {
  types::IntervalValue r;
  int64_t months;
  if (__builtin_mul_overflow(static_cast<int64_t>(iv.months), n, &months) ||
      months < INT32_MIN || months > INT32_MAX ||
      __builtin_mul_overflow(iv.micros, n, &r.micros)) {
    return RangeError("integer overflow in INTERVAL * BIGINT");
  }
  r.months = static_cast<int32_t>(months);
  return Value::Interval(r);
}

EvalFn ArithEval(char op) {
  return [op](const Args& args,
              const LogicalType& result) -> absl::StatusOr<Value> {
    const Value &a = args[0], &b = args[1];
    TypeId ta = a.type().id(), tb = b.type().id();
    if (a.type().IsNumeric() && b.type().IsNumeric()) {
      return NumericArith(op, a, b, result);
    }
    int sign = op == '-' ? -1 : 1;
    if (result.id() == TypeId::kTimestamp) {
      if (ta == TypeId::kInterval)
        return ShiftTimestamp(b, a.interval(), 1, result);
      return ShiftTimestamp(a, b.interval(), sign, result);
    }
    if (result.id() == TypeId::kDate) {
      int64_t days;
      if (__builtin_add_overflow(a.integer(), sign * b.integer(), &days)) {
        return RangeError("DATE out of range");
      }
      return Value::Date(days);
    }
    if (ta == TypeId::kDate && tb == TypeId::kDate) {
      return MakeInteger(static_cast<int128>(a.integer()) - b.integer(), result,
                         "DATE - DATE");
    }
    if (result.id() == TypeId::kInterval) {
      if (ta == TypeId::kInterval && tb == TypeId::kInterval) {
        types::IntervalValue x = a.interval(), y = b.interval(), r;
        int64_t months = static_cast<int64_t>(x.months) + sign * y.months;
        if (months < INT32_MIN || months > INT32_MAX ||
            __builtin_add_overflow(x.micros, sign * y.micros, &r.micros)) {
          return RangeError("integer overflow in INTERVAL " +
                            std::string(1, op) + " INTERVAL");
        }
        r.months = static_cast<int32_t>(months);
        return Value::Interval(r);
      }
      if (ta == TypeId::kInterval)
        return IntervalTimes(a.interval(), b.integer());
      if (tb == TypeId::kInterval)
        return IntervalTimes(b.interval(), a.integer());
      // TIMESTAMP - TIMESTAMP
      types::IntervalValue r;
      if (__builtin_sub_overflow(MicrosOf(a), MicrosOf(b), &r.micros)) {
        return RangeError("INTERVAL out of range");
      }
      return Value::Interval(r);
    }
    return Error(fmt::format("operator {} cannot combine {} and {}", op,
                             a.type().ToString(), b.type().ToString()));
  };
}

EvalFn CompareEval(std::function<bool(int)> pred) {
  return [pred](const Args& args, const LogicalType&) -> absl::StatusOr<Value> {
    WEIR_ASSIGN_OR_RETURN(int c, types::CompareValues(args[0], args[1]));
    return Value::Boolean(pred(c));
  };
}

absl::StatusOr<Value> Negate(const Value& v) {
  switch (v.type().id()) {
    case TypeId::kInt:
      return MakeInteger(-static_cast<int128>(v.integer()), v.type(), "- INT");
    case TypeId::kBigint:
      return MakeInteger(-static_cast<int128>(v.integer()), v.type(),
                         "- BIGINT");
    case TypeId::kDouble:
      return Value::Double(-v.dbl());
    case TypeId::kDecimal:
      return Value::Decimal(-v.decimal(), v.type());
    case TypeId::kInterval: {
      types::IntervalValue iv = v.interval();
      if (iv.months == INT32_MIN || iv.micros == INT64_MIN) {
        return RangeError("integer overflow in - INTERVAL");
      }
      return Value::Interval({-iv.months, -iv.micros});
    }
    default:
      return Error("cannot negate " + v.type().ToString());
  }
}

const std::string& Str(const Value& v) { return v.str(); }

// The value of `result` (INT, BIGINT or DECIMAL) held as `v`.
Value ExactValue(int128 v, const LogicalType& result) {
  if (result.id() == TypeId::kInt) return Value::Int(static_cast<int32_t>(v));
  if (result.id() == TypeId::kBigint) {
    return Value::Bigint(static_cast<int64_t>(v));
  }
  return Value::Decimal(v, result);
}

// Rounds (or truncates) the numeric `v` to `digits` fractional digits.
absl::StatusOr<Value> RoundTo(const Value& v, int64_t digits, bool truncate,
                              const LogicalType& result) {
  switch (v.type().id()) {
    case TypeId::kDouble:
      return Value::Double(internal::RoundDouble(v.dbl(), digits, truncate));
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDecimal: {
      int s;
      int128 u = Unscaled(v, &s);
      WEIR_ASSIGN_OR_RETURN(
          int128 r, internal::RoundExact(u, s, digits, truncate, result));
      return ExactValue(r, result);
    }
    default:
      return Error("cannot round " + v.type().ToString());
  }
}

absl::StatusOr<Value> CeilFloor(const Value& v, bool ceil,
                                const LogicalType& result) {
  switch (v.type().id()) {
    case TypeId::kDouble:
      return Value::Double(internal::CeilFloorDouble(v.dbl(), ceil));
    case TypeId::kDecimal: {
      WEIR_ASSIGN_OR_RETURN(
          int128 q, internal::CeilFloorDecimal(v.decimal(), v.type().scale(),
                                               ceil, result));
      return Value::Decimal(q, result);
    }
    default:
      return v;
  }
}

Value FromTribool(types::Tribool t) {
  if (t == types::Tribool::kUnknown) return Value::Null(kBoolean);
  return Value::Boolean(t == types::Tribool::kTrue);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------
// The registry.

ScalarDef Def(std::string name, std::string signature, std::string description,
              std::vector<Overload> overloads, EvalFn eval) {
  ScalarDef d;
  d.name = std::move(name);
  d.signature = std::move(signature);
  d.description = std::move(description);
  d.overloads = std::move(overloads);
  d.eval = std::move(eval);
  return d;
}

ScalarDef Op(std::string name, std::string signature, std::string description,
             std::vector<Overload> overloads, EvalFn eval) {
  ScalarDef d =
      Def(std::move(name), std::move(signature), std::move(description),
          std::move(overloads), std::move(eval));
  d.is_operator = true;
  return d;
}

ScalarDef WithSynonyms(ScalarDef d, std::vector<std::string> synonyms) {
  d.synonyms = std::move(synonyms);
  return d;
}

ScalarDef NoNullPropagation(ScalarDef d) {
  d.null_if_any_null = false;
  return d;
}

EvalFn DoubleFn(internal::DoubleFn fn) {
  return [fn](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
    WEIR_ASSIGN_OR_RETURN(double r,
                          internal::ApplyDoubleFn(fn, AsDouble(a[0])));
    return Value::Double(r);
  };
}

EvalFn RegexEval(
    std::function<absl::StatusOr<Value>(const Args&, const re2::RE2&)> f) {
  return [f](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
    WEIR_ASSIGN_OR_RETURN(auto re, internal::CompileRegex(Str(a[1])));
    return f(a, *re);
  };
}

std::vector<ScalarDef> BuildScalars() {
  std::vector<ScalarDef> d;
  const auto V = kVarchar;
  const auto B = kBoolean;
  const auto D = kDouble;
  const auto I64 = kBigint;

  // ---- Operators.
  d.push_back(Op("+", "a + b",
                 "Addition; TIMESTAMP + INTERVAL; DATE + days; INTERVAL + "
                 "INTERVAL.",
                 PlusOverloads(), ArithEval('+')));
  d.push_back(Op("-", "a - b",
                 "Subtraction; TIMESTAMP - INTERVAL; TIMESTAMP - TIMESTAMP -> "
                 "INTERVAL; DATE - DATE -> days.",
                 MinusOverloads(), ArithEval('-')));
  d.push_back(Op("*", "a * b", "Multiplication; INTERVAL * integer.",
                 TimesOverloads(), ArithEval('*')));
  d.push_back(Op("/", "a / b",
                 "Division; integer division truncates toward zero; division "
                 "by zero is an error.",
                 {NumericOp('/')}, ArithEval('/')));
  d.push_back(Op("%", "a % b", "Remainder, with the sign of the dividend.",
                 {NumericOp('%')}, ArithEval('%')));
  const std::string kCmpExpected = "(T, T) for two types with a common type";
  struct Cmp {
    const char* name;
    std::function<bool(int)> pred;
  };
  for (const Cmp& c : std::vector<Cmp>{{"=", [](int x) { return x == 0; }},
                                       {"<>", [](int x) { return x != 0; }},
                                       {"<", [](int x) { return x < 0; }},
                                       {"<=", [](int x) { return x <= 0; }},
                                       {">", [](int x) { return x > 0; }},
                                       {">=", [](int x) { return x >= 0; }}}) {
    ScalarDef def =
        Op(c.name, fmt::format("a {} b", c.name),
           "Comparison; NULL when either side is NULL.",
           {Comparable(2, 2, B, kCmpExpected)}, CompareEval(c.pred));
    if (def.name == "<>") def.synonyms = {"!="};
    d.push_back(std::move(def));
  }
  d.push_back(NoNullPropagation(
      Op("AND", "a AND b", "Logical AND (FALSE wins over NULL).",
         {Fixed({B, B}, B)}, [](const Args& a, const LogicalType&) {
           return absl::StatusOr<Value>(
               FromTribool(types::And(a[0].AsTribool(), a[1].AsTribool())));
         })));
  d.push_back(NoNullPropagation(
      Op("OR", "a OR b", "Logical OR (TRUE wins over NULL).",
         {Fixed({B, B}, B)}, [](const Args& a, const LogicalType&) {
           return absl::StatusOr<Value>(
               FromTribool(types::Or(a[0].AsTribool(), a[1].AsTribool())));
         })));
  d.push_back(Op("NOT", "NOT a", "Logical negation; NOT NULL is NULL.",
                 {Fixed({B}, B)}, [](const Args& a, const LogicalType&) {
                   return absl::StatusOr<Value>(
                       FromTribool(types::Not(a[0].AsTribool())));
                 }));
  d.push_back(
      Op("NEGATE", "- a", "Arithmetic negation.",
         {NumericUnary(SameType), Fixed({kInterval}, kInterval)},
         [](const Args& a, const LogicalType&) { return Negate(a[0]); }));
  d.push_back(
      Op("LIKE", "s LIKE pattern [ESCAPE c]",
         "Pattern match: % any characters, _ one character.",
         {Fixed({V, V}, B), Fixed({V, V, V}, B)},
         [](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
           WEIR_ASSIGN_OR_RETURN(
               bool m, internal::Like(Str(a[0]), Str(a[1]),
                                      a.size() == 3 ? Str(a[2]) : ""));
           return Value::Boolean(m);
         }));
  d.push_back(Op("REGEXP", "s REGEXP pattern",
                 "True when the RE2 pattern matches anywhere in s.",
                 {Fixed({V, V}, B)},
                 RegexEval([](const Args& a, const re2::RE2& re) {
                   return absl::StatusOr<Value>(
                       Value::Boolean(re2::RE2::PartialMatch(Str(a[0]), re)));
                 })));
  d.push_back(NoNullPropagation(
      Op("IS NULL", "a IS NULL", "True when a is NULL; never NULL.", {AnyOne()},
         [](const Args& a, const LogicalType&) {
           return absl::StatusOr<Value>(Value::Boolean(a[0].is_null()));
         })));
  d.push_back(NoNullPropagation(
      Op("IS NOT NULL", "a IS NOT NULL", "True when a is not NULL; never NULL.",
         {AnyOne()}, [](const Args& a, const LogicalType&) {
           return absl::StatusOr<Value>(Value::Boolean(!a[0].is_null()));
         })));

  // ---- Numeric functions.
  d.push_back(
      Def("ABS", "ABS(x numeric) -> same type", "Absolute value.",
          {NumericUnary(SameType)},
          [](const Args& a, const LogicalType& r) -> absl::StatusOr<Value> {
            const Value& v = a[0];
            if (v.type().IsInteger()) {
              WEIR_ASSIGN_OR_RETURN(
                  int64_t x, internal::AbsInteger(v.integer(), v.type(), r));
              return ExactValue(x, r);
            }
            if (v.type().id() == TypeId::kDouble) {
              return Value::Double(std::fabs(v.dbl()));
            }
            return Value::Decimal(internal::AbsDecimal(v.decimal()), v.type());
          }));
  d.push_back(
      WithSynonyms(Def("CEIL", "CEIL(x numeric) -> same kind, no fraction",
                       "Smallest integral value not less than x.",
                       {NumericUnary(IntegralPart)},
                       [](const Args& a, const LogicalType& r) {
                         return CeilFloor(a[0], true, r);
                       }),
                   {"CEILING"}));
  d.push_back(Def("FLOOR", "FLOOR(x numeric) -> same kind, no fraction",
                  "Largest integral value not greater than x.",
                  {NumericUnary(IntegralPart)},
                  [](const Args& a, const LogicalType& r) {
                    return CeilFloor(a[0], false, r);
                  }));
  auto round_type = [](const LogicalType& t) {
    if (t.id() != TypeId::kDecimal) return t;
    return LogicalType::DecimalOrDie(std::min(38, t.precision() + 1),
                                     t.scale());
  };
  d.push_back(
      Def("ROUND", "ROUND(x numeric[, d INT])",
          "Rounds half away from zero to d fractional digits "
          "(default 0; negative d rounds to tens, hundreds...).",
          {NumericUnary(IntegralPart), NumericUnary(round_type, {kInt})},
          [](const Args& a, const LogicalType& r) {
            return RoundTo(a[0], a.size() > 1 ? a[1].integer() : 0, false, r);
          }));
  d.push_back(WithSynonyms(
      Def("TRUNCATE", "TRUNCATE(x numeric[, d INT])",
          "Truncates toward zero to d fractional digits (default 0).",
          {NumericUnary(IntegralPart), NumericUnary(SameType, {kInt})},
          [](const Args& a, const LogicalType& r) {
            return RoundTo(a[0], a.size() > 1 ? a[1].integer() : 0, true, r);
          }),
      {"TRUNC"}));
  d.push_back(Def("MOD", "MOD(a numeric, b numeric)", "Same as a % b.",
                  {NumericOp('%')}, ArithEval('%')));
  d.push_back(WithSynonyms(
      Def("POWER", "POWER(x DOUBLE, y DOUBLE) -> DOUBLE", "x raised to y.",
          {Fixed({D, D}, D)},
          [](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
            WEIR_ASSIGN_OR_RETURN(
                double r, internal::Power(AsDouble(a[0]), AsDouble(a[1])));
            return Value::Double(r);
          }),
      {"POW"}));
  d.push_back(Def("SQRT", "SQRT(x DOUBLE) -> DOUBLE", "Square root.",
                  {Fixed({D}, D)}, DoubleFn(internal::DoubleFn::kSqrt)));
  d.push_back(Def("LN", "LN(x DOUBLE) -> DOUBLE", "Natural logarithm.",
                  {Fixed({D}, D)}, DoubleFn(internal::DoubleFn::kLn)));
  d.push_back(Def("LOG10", "LOG10(x DOUBLE) -> DOUBLE", "Base-10 logarithm.",
                  {Fixed({D}, D)}, DoubleFn(internal::DoubleFn::kLog10)));
  d.push_back(Def("EXP", "EXP(x DOUBLE) -> DOUBLE", "e raised to x.",
                  {Fixed({D}, D)}, DoubleFn(internal::DoubleFn::kExp)));
  d.push_back(Def("SIGN", "SIGN(x numeric) -> INT", "-1, 0 or 1.",
                  {NumericUnary([](const LogicalType&) { return kInt; })},
                  [](const Args& a, const LogicalType&) {
                    const Value& v = a[0];
                    int s;
                    if (v.type().id() == TypeId::kDouble) {
                      s = internal::SignOf(v.dbl());
                    } else {
                      int scale;
                      s = internal::SignOf(Unscaled(v, &scale));
                    }
                    return absl::StatusOr<Value>(Value::Int(s));
                  }));

  // ---- Regular expressions.
  d.push_back(Def(
      "REGEXP_EXTRACT",
      "REGEXP_EXTRACT(s VARCHAR, pattern VARCHAR[, group BIGINT])",
      "The first match of the RE2 pattern (or its capture group); NULL when "
      "there is no match.",
      {Fixed({V, V}, V), Fixed({V, V, I64}, V)},
      RegexEval([](const Args& a, const re2::RE2& re) -> absl::StatusOr<Value> {
        int64_t group = a.size() > 2 ? a[2].integer() : 0;
        WEIR_ASSIGN_OR_RETURN(std::optional<std::string_view> match,
                              internal::RegexExtract(Str(a[0]), re, group));
        if (!match) return Value::Null(kVarchar);
        return Value::Varchar(std::string(*match));
      })));
  d.push_back(Def(
      "REGEXP_REPLACE",
      "REGEXP_REPLACE(s VARCHAR, pattern VARCHAR, replacement VARCHAR)",
      "Replaces every match of the RE2 pattern; \\1..\\9 in replacement "
      "insert capture groups.",
      {Fixed({V, V, V}, V)},
      RegexEval([](const Args& a, const re2::RE2& re) -> absl::StatusOr<Value> {
        WEIR_RETURN_IF_ERROR(internal::CheckRegexRewrite(re, Str(a[2])));
        std::string out = Str(a[0]);
        internal::RegexReplaceAll(re, Str(a[2]), &out);
        return Value::Varchar(std::move(out));
      })));
  d.push_back(Def("REGEXP_LIKE", "REGEXP_LIKE(s VARCHAR, pattern VARCHAR)",
                  "Same as s REGEXP pattern.", {Fixed({V, V}, B)},
                  RegexEval([](const Args& a, const re2::RE2& re) {
                    return absl::StatusOr<Value>(
                        Value::Boolean(re2::RE2::PartialMatch(Str(a[0]), re)));
                  })));

  // ---- Conditional functions.
  d.push_back(NoNullPropagation(Def(
      "COALESCE", "COALESCE(a, b, ...)", "The first argument not NULL.",
      {Comparable(1, SIZE_MAX, std::nullopt, "(T, ...) with a common type")},
      [](const Args& a, const LogicalType& r) -> absl::StatusOr<Value> {
        for (const Value& v : a) {
          if (!v.is_null()) return ValueInType(v, r);
        }
        return Value::Null(r);
      })));
  d.push_back(NoNullPropagation(
      Def("NULLIF", "NULLIF(a, b)", "NULL when a = b, else a.",
          {Comparable(2, 2, std::nullopt, "(T, T) with a common type")},
          [](const Args& a, const LogicalType& r) -> absl::StatusOr<Value> {
            if (a[0].is_null()) return Value::Null(r);
            if (a[1].is_null()) return ValueInType(a[0], r);
            WEIR_ASSIGN_OR_RETURN(int c, types::CompareValues(a[0], a[1]));
            if (c == 0) return Value::Null(r);
            return ValueInType(a[0], r);
          })));
  d.push_back(NoNullPropagation(
      Def("IF", "IF(cond BOOLEAN, a, b)", "a when cond is TRUE, else b.",
          {{"(BOOLEAN, T, T) with a common type",
            [](const Types& args) -> std::optional<Match> {
              if (args.size() != 3 ||
                  !types::CanImplicitlyCast(args[0], kBoolean)) {
                return std::nullopt;
              }
              auto c = types::CommonSuperType(args[1], args[2]);
              if (!c) return std::nullopt;
              return Match{*c, {kBoolean, *c, *c}};
            }}},
          [](const Args& a, const LogicalType& r) {
            return ValueInType(
                a[0].AsTribool() == types::Tribool::kTrue ? a[1] : a[2], r);
          })));
  for (bool greatest : {true, false}) {
    const char* name = greatest ? "GREATEST" : "LEAST";
    d.push_back(Def(
        name, fmt::format("{}(a, b, ...)", name),
        fmt::format("The {} argument; NULL if any argument is NULL.",
                    greatest ? "largest" : "smallest"),
        {Comparable(1, SIZE_MAX, std::nullopt, "(T, ...) with a common type")},
        [greatest](const Args& a,
                   const LogicalType& r) -> absl::StatusOr<Value> {
          Value best = a[0];
          for (size_t i = 1; i < a.size(); ++i) {
            WEIR_ASSIGN_OR_RETURN(int c, types::CompareValues(a[i], best));
            if (greatest ? c > 0 : c < 0) best = a[i];
          }
          return ValueInType(best, r);
        }));
  }

  // ---- Date and time functions.
  d.push_back(
      Def("EXTRACT", "EXTRACT(field FROM t) / EXTRACT('field', t) -> BIGINT",
          "YEAR, QUARTER, MONTH, WEEK (ISO), DAY, DOW (0 = Sunday), DOY, HOUR, "
          "MINUTE, SECOND, MILLISECOND and MICROSECOND (the fraction of the "
          "second), EPOCH (seconds) of a DATE, TIME or TIMESTAMP.",
          {TemporalArg(
              2, 1, true, [](const LogicalType&) { return kBigint; },
              "(VARCHAR, DATE) or (VARCHAR, TIME) or (VARCHAR, TIMESTAMP)")},
          [](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
            WEIR_ASSIGN_OR_RETURN(
                int64_t v, internal::ExtractFromTemporal(
                               Str(a[0]), a[1].type().id(), a[1].integer()));
            return Value::Bigint(v);
          }));
  d.push_back(Def(
      "DATE_FORMAT", "DATE_FORMAT(t TIMESTAMP, format VARCHAR) -> VARCHAR",
      "Formats with MySQL specifiers: %Y %y %m %c %d %e %H %k %h %I %l %i %s "
      "%f %p %b %M %a %W %j %T %%.",
      {TemporalArg(
          2, 0, false, [](const LogicalType&) { return kVarchar; },
          "(TIMESTAMP, VARCHAR) or (DATE, VARCHAR)")},
      [](const Args& a, const LogicalType&) {
        return absl::StatusOr<Value>(
            Value::Varchar(internal::DateFormat(MicrosOf(a[0]), Str(a[1]))));
      }));
  d.push_back(Def(
      "TO_TIMESTAMP",
      "TO_TIMESTAMP(s VARCHAR[, format VARCHAR]) -> TIMESTAMP(3)",
      "Parses s ('YYYY-MM-DD HH:MM:SS[.fff]' or the MySQL-style format); NULL "
      "when it does not match.",
      {Fixed({V}, Ts(3)), Fixed({V, V}, Ts(3))},
      [](const Args& a, const LogicalType& r) -> absl::StatusOr<Value> {
        std::string_view format;
        if (a.size() > 1) format = Str(a[1]);
        std::optional<int64_t> micros = internal::ToTimestampMicros(
            Str(a[0]), a.size() > 1 ? &format : nullptr, r.precision());
        if (!micros) return Value::Null(r);
        return Value::Timestamp(*micros, r.precision());
      }));
  d.push_back(Def(
      "TO_DATE", "TO_DATE(s VARCHAR[, format VARCHAR]) -> DATE",
      "Parses s ('YYYY-MM-DD' or the MySQL-style format); NULL when it does "
      "not match.",
      {Fixed({V}, kDate), Fixed({V, V}, kDate)},
      [](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
        std::string_view format;
        if (a.size() > 1) format = Str(a[1]);
        std::optional<int64_t> days =
            internal::ToDateDays(Str(a[0]), a.size() > 1 ? &format : nullptr);
        if (!days) return Value::Null(kDate);
        return Value::Date(*days);
      }));
  d.push_back(Def("UNIX_TIMESTAMP", "UNIX_TIMESTAMP(t TIMESTAMP) -> BIGINT",
                  "Seconds since 1970-01-01 00:00:00 (rounded down).",
                  {TemporalArg(
                      1, 0, false, [](const LogicalType&) { return kBigint; },
                      "(TIMESTAMP) or (DATE)")},
                  [](const Args& a, const LogicalType&) {
                    return absl::StatusOr<Value>(
                        Value::Bigint(internal::UnixSeconds(MicrosOf(a[0]))));
                  }));
  d.push_back(
      Def("FROM_UNIXTIME", "FROM_UNIXTIME(seconds BIGINT) -> TIMESTAMP(0)",
          "The timestamp that many seconds after 1970-01-01 00:00:00.",
          {Fixed({I64}, Ts(0))},
          [](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
            WEIR_ASSIGN_OR_RETURN(int64_t micros,
                                  internal::FromUnixSeconds(a[0].integer()));
            return Value::Timestamp(micros, 0);
          }));
  d.push_back(Def(
      "DATE_TRUNC", "DATE_TRUNC(unit VARCHAR, t TIMESTAMP) -> TIMESTAMP",
      "t rounded down to YEAR, QUARTER, MONTH, WEEK (Monday), DAY, HOUR, "
      "MINUTE, SECOND or MILLISECOND.",
      {TemporalArg(
          2, 1, false, [](const LogicalType& t) { return Ts(TsPrecision(t)); },
          "(VARCHAR, TIMESTAMP) or (VARCHAR, DATE)")},
      [](const Args& a, const LogicalType& r) -> absl::StatusOr<Value> {
        WEIR_ASSIGN_OR_RETURN(
            int64_t m, internal::TruncateTimestamp(Str(a[0]), MicrosOf(a[1])));
        return Value::Timestamp(m, r.precision());
      }));
  auto now = [](const Args&, const LogicalType& r) -> absl::StatusOr<Value> {
    int64_t m = NowMicros();
    if (r.id() == TypeId::kDate) {
      return Value::Date(
          types::internal::FloorDiv(m, types::internal::kMicrosPerDay));
    }
    return Value::Timestamp(m - types::internal::FloorMod(m, 1000), 3);
  };
  for (const char* name : {"CURRENT_TIMESTAMP", "NOW"}) {
    ScalarDef def = Def(name, std::string(name) + "() -> TIMESTAMP(3)",
                        "The current time (processing time, UTC).",
                        {Fixed({}, Ts(3), "()")}, now);
    def.deterministic = false;
    d.push_back(std::move(def));
  }
  ScalarDef current_date =
      Def("CURRENT_DATE", "CURRENT_DATE() -> DATE", "The current date (UTC).",
          {Fixed({}, kDate, "()")}, now);
  current_date.deterministic = false;
  d.push_back(std::move(current_date));

  // ---- JSON functions (constant folding parses with nlohmann-json).
  auto json = [](internal::JsonFound want_scalar) {
    return [want_scalar](const Args& a,
                         const LogicalType&) -> absl::StatusOr<Value> {
      WEIR_ASSIGN_OR_RETURN(auto r, internal::LookupJson(Str(a[0]), Str(a[1])));
      if (r.found != want_scalar) return Value::Null(kVarchar);
      return Value::Varchar(std::move(r.text));
    };
  };
  d.push_back(Def("JSON_VALUE",
                  "JSON_VALUE(json VARCHAR, path VARCHAR) -> VARCHAR",
                  "The scalar at a path like '$.a.b[0]' as text; NULL when "
                  "missing, not a scalar, or the JSON is malformed.",
                  {Fixed({V, V}, V)}, json(internal::JsonFound::kScalar)));
  d.push_back(Def("JSON_QUERY",
                  "JSON_QUERY(json VARCHAR, path VARCHAR) -> VARCHAR",
                  "The object or array at a path as JSON text; NULL otherwise.",
                  {Fixed({V, V}, V)}, json(internal::JsonFound::kContainer)));
  d.push_back(
      Def("JSON_EXISTS", "JSON_EXISTS(json VARCHAR, path VARCHAR) -> BOOLEAN",
          "True when the path exists (even holding null); NULL for "
          "malformed JSON.",
          {Fixed({V, V}, B)},
          [](const Args& a, const LogicalType&) -> absl::StatusOr<Value> {
            WEIR_ASSIGN_OR_RETURN(auto r,
                                  internal::LookupJson(Str(a[0]), Str(a[1])));
            if (r.found == internal::JsonFound::kMalformed) {
              return Value::Null(kBoolean);
            }
            return Value::Boolean(r.found != internal::JsonFound::kMissing);
          }));
  return d;
}

struct Registry {
  std::vector<ScalarDef> defs;
  std::map<std::string, const ScalarDef*> by_name;  // names and synonyms
};

const Registry& GetRegistry() {
  static const Registry* registry = [] {
    auto* r = new Registry;
    r->defs = BuildScalars();
    for (const ScalarDef& def : r->defs) {
      r->by_name[def.name] = &def;
      for (const auto& s : def.synonyms) r->by_name[s] = &def;
    }
    return r;
  }();
  return *registry;
}

const ScalarDef* FindScalar(std::string_view name) {
  const Registry& r = GetRegistry();
  auto it = r.by_name.find(weir::AsciiUpper(name));
  return it == r.by_name.end() ? nullptr : it->second;
}

// The first overload of `canonical` that accepts `args`.
absl::StatusOr<ResolvedScalar> Resolve(const std::string& canonical,
                                       bool is_operator,
                                       const std::vector<Overload>& overloads,
                                       bool null_if_any_null,
                                       std::string_view name,
                                       const std::vector<LogicalType>& args) {
  std::string expected;
  for (const Overload& o : overloads) {
    if (auto m = o.match(args)) {
      ResolvedScalar r;
      r.function = canonical;
      r.result = m->result;
      r.arg_types = std::move(m->arg_types);
      r.null_if_any_null = null_if_any_null;
      return r;
    }
    if (!expected.empty()) expected += " or ";
    expected += o.expected;
  }
  return Error(fmt::format("{} {} does not accept {}; expected {}",
                           is_operator ? "operator" : "function",
                           weir::AsciiUpper(name), TypeList(args), expected));
}

}  // namespace

absl::StatusOr<ResolvedScalar> ResolveScalar(
    std::string_view name, const std::vector<types::LogicalType>& args) {
  if (const internal::ScalarFunction* f =
          internal::ScalarFunctions().Find(name)) {
    return Resolve(f->name, f->is_operator, f->overloads,
                   f->nulls == internal::NullHandling::kDefault, name, args);
  }
  const ScalarDef* def = FindScalar(name);
  if (def == nullptr) {
    std::vector<std::string> names = internal::ScalarFunctions().Names();
    for (const auto& [n, d] : GetRegistry().by_name) names.push_back(n);
    // Operators are spelt as symbols; only suggest callable names.
    std::erase_if(names, [](const std::string& n) {
      return !std::isalpha(static_cast<unsigned char>(n[0]));
    });
    for (const char* agg : {"COUNT", "SUM", "AVG", "MIN", "MAX"})
      names.push_back(agg);
    std::sort(names.begin(), names.end());
    return Error(fmt::format("unknown function '{}'{}", weir::AsciiUpper(name),
                             DidYouMean(weir::AsciiUpper(name), names)));
  }
  return Resolve(def->name, def->is_operator, def->overloads,
                 def->null_if_any_null, name, args);
}

bool IsDeterministic(std::string_view name) {
  if (const internal::ScalarFunction* f =
          internal::ScalarFunctions().Find(name)) {
    return f->deterministic;
  }
  const ScalarDef* def = FindScalar(name);
  return def == nullptr || def->deterministic;
}

// ---------------------------------------------------------------------------
// Aggregates.

namespace {

bool IsComparableType(const LogicalType& t) {
  return t.IsNumeric() || t.IsString() || t.IsTemporal() || t.IsNull() ||
         t.id() == TypeId::kBoolean || t.id() == TypeId::kInterval ||
         t.id() == TypeId::kBytes;
}

struct AggregateDoc {
  const char* name;
  const char* signature;
  const char* description;
};

constexpr AggregateDoc kAggregateDocs[] = {
    {"COUNT", "COUNT(*) | COUNT([DISTINCT] x) -> BIGINT",
     "Number of rows, or of non-NULL (distinct) values of x."},
    {"SUM", "SUM([DISTINCT] x numeric)",
     "Sum: BIGINT for integers, DECIMAL(38, s) for DECIMAL(p, s), DOUBLE for "
     "DOUBLE; NULL when there are no non-NULL values."},
    {"AVG", "AVG([DISTINCT] x numeric)",
     "Average: DECIMAL(38, 6) for integers, DECIMAL(38, max(s, 6)) for "
     "DECIMAL(p, s), DOUBLE for DOUBLE."},
    {"MIN", "MIN(x) -> same type", "Smallest non-NULL value."},
    {"MAX", "MAX(x) -> same type", "Largest non-NULL value."},
};

constexpr AggregateDoc kWindowDocs[] = {
    {"ROW_NUMBER", "ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)",
     "1, 2, 3... within the partition (top-N when filtered with <= N)."},
    {"RANK", "RANK() OVER (PARTITION BY ... ORDER BY ...)",
     "Rank with gaps after ties."},
    {"DENSE_RANK", "DENSE_RANK() OVER (PARTITION BY ... ORDER BY ...)",
     "Rank without gaps after ties."},
};

}  // namespace

bool IsAggregateFunction(std::string_view name) {
  std::string n = weir::AsciiUpper(name);
  for (const auto& a : kAggregateDocs) {
    if (n == a.name) return true;
  }
  return false;
}

bool IsWindowFunction(std::string_view name) {
  std::string n = weir::AsciiUpper(name);
  return n == "ROW_NUMBER" || n == "RANK" || n == "DENSE_RANK";
}

absl::StatusOr<ResolvedAggregate> ResolveAggregate(
    std::string_view name, const std::vector<types::LogicalType>& args,
    bool distinct, bool star) {
  std::string n = weir::AsciiUpper(name);
  if (!IsAggregateFunction(n)) {
    return Error(fmt::format("unknown aggregate function '{}'", n));
  }
  auto reject = [&](const std::string& expected) {
    std::string shown = star ? "(*)" : TypeList(args);
    if (distinct && !star) shown = "(DISTINCT " + shown.substr(1);
    return Error(fmt::format("function {} does not accept {}; expected {}", n,
                             shown, expected));
  };
  ResolvedAggregate r;
  r.function = n;
  if (n == "COUNT") {
    if (star) {
      if (distinct || !args.empty()) return reject("(*) or (any)");
      r.result = kBigint;
      r.state = "count";
      return r;
    }
    if (args.size() != 1) return reject("(*) or (any)");
    r.result = kBigint;
    r.arg_types = args;
    if (distinct) {
      r.function = "COUNT_DISTINCT";
      r.retractable_cheaply = false;
      r.state = "distinct value set";
    } else {
      r.state = "count";
    }
    return r;
  }
  if (star)
    return reject(n == "MIN" || n == "MAX" ? "(any comparable type)"
                                           : "(numeric)");
  if (n == "MIN" || n == "MAX") {
    if (args.size() != 1 || !IsComparableType(args[0])) {
      return reject("(any comparable type)");
    }
    r.result = args[0];
    r.arg_types = args;
    r.retractable_cheaply = false;
    r.state = "value multiset";
    return r;
  }
  // SUM, AVG
  if (args.size() != 1 || !NumOrNull(args[0])) return reject("(numeric)");
  LogicalType t = args[0].IsNull() ? kBigint : args[0];
  bool sum = n == "SUM";
  switch (t.id()) {
    case TypeId::kInt:
    case TypeId::kBigint:
      r.arg_types = {kBigint};
      r.result = sum ? kBigint : LogicalType::DecimalOrDie(38, 6);
      break;
    case TypeId::kDecimal:
      r.arg_types = {t};
      r.result = LogicalType::DecimalOrDie(
          38, sum ? t.scale() : std::max(t.scale(), 6));
      break;
    default:
      r.arg_types = {kDouble};
      r.result = kDouble;
      break;
  }
  if (distinct) {
    r.function = n + "_DISTINCT";
    r.retractable_cheaply = false;
    r.state = "distinct value set";
  } else {
    r.state = "sum+count";
  }
  return r;
}

// ---------------------------------------------------------------------------
// The row evaluator of the functions without a batch kernel yet.

namespace internal {

absl::StatusOr<Value> EvaluateLegacyCall(const BoundExpr& e,
                                         const std::vector<Value>& args) {
  const ScalarDef* def = FindScalar(e.function);
  if (def == nullptr) {
    return Error(fmt::format("unknown function '{}'", e.function));
  }
  bool any_null = false;
  for (const Value& v : args) any_null = any_null || v.is_null();
  if (def->null_if_any_null && any_null) return Value::Null(e.type);
  WEIR_ASSIGN_OR_RETURN(Value r, def->eval(args, e.type));
  if (r.is_null() && !(r.type() == e.type)) return Value::Null(e.type);
  return ValueInType(r, e.type);
}

}  // namespace internal

std::vector<FunctionDoc> ListFunctions() {
  std::vector<FunctionDoc> out;
  for (const internal::ScalarFunction& f :
       internal::ScalarFunctions().functions()) {
    out.push_back({f.name, f.signature, f.description});
    for (const auto& s : f.synonyms) {
      out.push_back({s, f.signature, "Same as " + f.name + "."});
    }
  }
  for (const ScalarDef& def : GetRegistry().defs) {
    out.push_back({def.name, def.signature, def.description});
    for (const auto& s : def.synonyms) {
      out.push_back({s, def.signature, "Same as " + def.name + "."});
    }
  }
  for (const auto& a : kAggregateDocs) {
    out.push_back({a.name, a.signature, a.description});
  }
  for (const auto& w : kWindowDocs) {
    out.push_back({w.name, w.signature, w.description});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FunctionDoc& a, const FunctionDoc& b) {
                     return a.name < b.name;
                   });
  return out;
}

}  // namespace weir::expr
