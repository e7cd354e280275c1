// The arithmetic operators + - * / % (and MOD), unary minus (NEGATE), and
// the date and time arithmetic they also spell: TIMESTAMP +- INTERVAL,
// DATE +- days, DATE - DATE, TIMESTAMP - TIMESTAMP, INTERVAL +- INTERVAL,
// INTERVAL * integer. The result types are type_rules.h's; overflow is an
// error, never a wrap-around.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>

#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"

namespace weir::expr::internal {
namespace {

namespace ti = types::internal;
using types::IntervalValue;
using types::LogicalType;
using types::TypeId;

const LogicalType kInt = LogicalType::Int();
const LogicalType kBigint = LogicalType::Bigint();
const LogicalType kDate = LogicalType::Date();
const LogicalType kInterval = LogicalType::Interval();

absl::Status DivisionByZero() {
  return absl::InvalidArgumentError("division by zero");
}

absl::Status DecimalOverflow(const LogicalType& t) {
  return absl::OutOfRangeError(
      fmt::format("DECIMAL overflow: value does not fit {}", t.ToString()));
}

/// "INT + BIGINT": the operand types, for overflow messages.
std::string OperandText(const KernelBinding& b, char op) {
  return fmt::format("{} {} {}", b.arg(0).ToString(), op, b.arg(1).ToString());
}

template <char C>
using OpTag = std::integral_constant<char, C>;

/// f(OpTag<op>{}): the operator as a compile-time constant.
template <typename F>
Kernel ForOp(char op, F&& f) {
  switch (op) {
    case '+':
      return f(OpTag<'+'>{});
    case '-':
      return f(OpTag<'-'>{});
    case '*':
      return f(OpTag<'*'>{});
    case '/':
      return f(OpTag<'/'>{});
    default:
      return f(OpTag<'%'>{});
  }
}

Kernel IntegerArithmetic(char op, const KernelBinding& b) {
  const std::string what = OperandText(b, op);
  const bool is_int = b.result().id() == TypeId::kInt;
  return ForOp(op, [&](auto tag) {
    constexpr char kOp = decltype(tag)::value;
    return BinaryKernel<int64_t, int64_t, int64_t>(
        [what, is_int](int64_t& o, int64_t x, int64_t y) -> absl::Status {
          int128 p = x, q = y, v;
          if constexpr (kOp == '+') {
            v = p + q;
          } else if constexpr (kOp == '-') {
            v = p - q;
          } else if constexpr (kOp == '*') {
            v = p * q;
          } else {
            if (q == 0) return DivisionByZero();
            v = kOp == '/' ? p / q : p % q;  // truncates toward zero
          }
          bool fits = is_int ? v >= INT32_MIN && v <= INT32_MAX
                             : v >= INT64_MIN && v <= INT64_MAX;
          if (!fits)
            return absl::OutOfRangeError("integer overflow in " + what);
          o = static_cast<int64_t>(v);
          return absl::OkStatus();
        });
  });
}

Kernel DoubleArithmetic(char op, const KernelBinding& b) {
  const std::string what = OperandText(b, op);
  return ForOp(op, [&](auto tag) {
    constexpr char kOp = decltype(tag)::value;
    return BinaryKernel<double, double, double>(
        [what](double& o, double x, double y) -> absl::Status {
          double v;
          if constexpr (kOp == '+') {
            v = x + y;
          } else if constexpr (kOp == '-') {
            v = x - y;
          } else if constexpr (kOp == '*') {
            v = x * y;
          } else {
            if (y == 0) return DivisionByZero();
            if constexpr (kOp == '%') {
              o = std::fmod(x, y);
              return absl::OkStatus();
            }
            v = x / y;
          }
          if (std::isinf(v)) {
            return absl::OutOfRangeError("value out of range: overflow in " +
                                         what);
          }
          o = v;
          return absl::OkStatus();
        });
  });
}

/// DECIMAL x (scale sa) op y (scale sb) into `result`, rounded half away
/// from zero to its scale; nullopt when it does not fit.
std::optional<int128> DecimalOp(char op, int128 x, int sa, int128 y, int sb,
                                const LogicalType& result) {
  auto finish = [&](std::optional<int128> u,
                    int scale) -> std::optional<int128> {
    if (!u) return std::nullopt;
    auto v =
        scale == result.scale() ? u : ti::Rescale(*u, scale, result.scale());
    if (!v || !ti::FitsPrecision(*v, result.precision())) return std::nullopt;
    return v;
  };
  int s = std::max(sa, sb);
  switch (op) {
    case '+':
    case '-': {
      auto xs = sa == s ? std::optional<int128>(x) : ti::Rescale(x, sa, s);
      auto ys = sb == s ? std::optional<int128>(y) : ti::Rescale(y, sb, s);
      int128 r;
      if (!xs || !ys ||
          (op == '+' ? __builtin_add_overflow(*xs, *ys, &r)
                     : __builtin_sub_overflow(*xs, *ys, &r))) {
        // The operands at their common scale do not fit 128 bits, though
        // the result may fit its type (20.5 + 1E-37): exactly, in 256.
        return finish(ti::AddDecimal(x, sa, y, sb, result.scale(), op == '-'),
                      result.scale());
      }
      return finish(r, s);
    }
    case '*':
      return finish(ti::MultiplyDecimal(x, sa, y, sb, result.scale()),
                    result.scale());
    case '/':
      return finish(ti::DivideDecimal(x, sa, y, sb, result.scale()),
                    result.scale());
    default: {
      auto xs = ti::Rescale(x, sa, s);
      auto ys = ti::Rescale(y, sb, s);
      if (!xs || !ys) {
        return finish(ti::ModDecimal(x, sa, y, sb, result.scale()),
                      result.scale());
      }
      return finish(*xs % *ys, s);
    }
  }
}

Kernel DecimalArithmetic(char op, const KernelBinding& b) {
  const int sa = ExactScale(b.arg(0)), sb = ExactScale(b.arg(1));
  const LogicalType result = b.result();
  return WithExactArgs(b, [&](auto ta, auto tb) {
    using A = decltype(ta);
    using B = decltype(tb);
    return BinaryKernel<A, B, int128>(
        [op, sa, sb, result](int128& o, const A& x, const B& y) {
          if ((op == '/' || op == '%') && y == 0) return DivisionByZero();
          std::optional<int128> v = DecimalOp(op, x, sa, y, sb, result);
          if (!v) return DecimalOverflow(result);
          o = *v;
          return absl::OkStatus();
        });
  });
}

/// A timestamp (micros) moved by an interval, truncated to `precision`;
/// OutOfRange outside 0001-01-01 .. 9999-12-31.
absl::Status ShiftTimestamp(int64_t& o, int64_t micros, IntervalValue iv,
                            int sign, int precision) {
  auto r = ti::AddMonths(micros, static_cast<int64_t>(iv.months) * sign);
  int64_t out;
  if (!r || (sign > 0 ? __builtin_add_overflow(*r, iv.micros, &out)
                      : __builtin_sub_overflow(*r, iv.micros, &out))) {
    return absl::OutOfRangeError("TIMESTAMP out of range");
  }
  int64_t unit = static_cast<int64_t>(ti::Pow10(6 - precision));
  o = out - ti::FloorMod(out, unit);
  if (!ti::TimestampInRange(o)) {
    return absl::OutOfRangeError("TIMESTAMP out of range");
  }
  return absl::OkStatus();
}

absl::Status IntervalTimes(IntervalValue& o, IntervalValue iv, int64_t n) {
  int64_t months;
  if (__builtin_mul_overflow(static_cast<int64_t>(iv.months), n, &months) ||
      months < INT32_MIN || months > INT32_MAX ||
      __builtin_mul_overflow(iv.micros, n, &o.micros)) {
    return absl::OutOfRangeError("integer overflow in INTERVAL * BIGINT");
  }
  o.months = static_cast<int32_t>(months);
  return absl::OkStatus();
}

/// The date and time forms of + - *.
absl::StatusOr<Kernel> TemporalArithmetic(char op, const KernelBinding& b) {
  const int sign = op == '-' ? -1 : 1;
  const TypeId ta = b.arg_id(0), tb = b.arg_id(1);
  switch (b.result().id()) {
    case TypeId::kTimestamp: {
      const int p = b.result().precision();
      if (ta == TypeId::kTimestamp && tb == TypeId::kInterval && op != '*') {
        return BinaryKernel<int64_t, IntervalValue, int64_t>(
            [sign, p](int64_t& o, int64_t t, const IntervalValue& iv) {
              return ShiftTimestamp(o, t, iv, sign, p);
            });
      }
      if (ta == TypeId::kInterval && tb == TypeId::kTimestamp && op == '+') {
        return BinaryKernel<IntervalValue, int64_t, int64_t>(
            [p](int64_t& o, const IntervalValue& iv, int64_t t) {
              return ShiftTimestamp(o, t, iv, 1, p);
            });
      }
      break;
    }
    case TypeId::kDate:
      if (ta == TypeId::kDate && b.arg(1).IsInteger() && op != '*') {
        return BinaryKernel<int64_t, int64_t, int64_t>(
            [sign](int64_t& o, int64_t days, int64_t n) -> absl::Status {
              if ((sign > 0 ? __builtin_add_overflow(days, n, &o)
                            : __builtin_sub_overflow(days, n, &o)) ||
                  !ti::DateInRange(o)) {
                return absl::OutOfRangeError("DATE out of range");
              }
              return absl::OkStatus();
            });
      }
      break;
    case TypeId::kInt:
      if (ta == TypeId::kDate && tb == TypeId::kDate && op == '-') {
        return BinaryKernel<int64_t, int64_t, int64_t>(
            [](int64_t& o, int64_t a, int64_t d) -> absl::Status {
              int128 v = static_cast<int128>(a) - d;
              if (v < INT32_MIN || v > INT32_MAX) {
                return absl::OutOfRangeError("integer overflow in DATE - DATE");
              }
              o = static_cast<int64_t>(v);
              return absl::OkStatus();
            });
      }
      break;
    case TypeId::kInterval:
      if (ta == TypeId::kInterval && tb == TypeId::kInterval && op != '*') {
        return BinaryKernel<IntervalValue, IntervalValue, IntervalValue>(
            [sign, op](IntervalValue& o, const IntervalValue& x,
                       const IntervalValue& y) -> absl::Status {
              int64_t months = static_cast<int64_t>(x.months) +
                               sign * static_cast<int64_t>(y.months);
              if (months < INT32_MIN || months > INT32_MAX ||
                  (sign > 0
                       ? __builtin_add_overflow(x.micros, y.micros, &o.micros)
                       : __builtin_sub_overflow(x.micros, y.micros,
                                                &o.micros))) {
                return absl::OutOfRangeError(fmt::format(
                    "integer overflow in INTERVAL {} INTERVAL", op));
              }
              o.months = static_cast<int32_t>(months);
              return absl::OkStatus();
            });
      }
      if (op == '*' && ta == TypeId::kInterval && b.arg(1).IsInteger()) {
        return BinaryKernel<IntervalValue, int64_t, IntervalValue>(
            [](IntervalValue& o, const IntervalValue& iv, int64_t n) {
              return IntervalTimes(o, iv, n);
            });
      }
      if (op == '*' && b.arg(0).IsInteger() && tb == TypeId::kInterval) {
        return BinaryKernel<int64_t, IntervalValue, IntervalValue>(
            [](IntervalValue& o, int64_t n, const IntervalValue& iv) {
              return IntervalTimes(o, iv, n);
            });
      }
      if (op == '-' && b.ArgsAre("TT")) {
        return BinaryKernel<int64_t, int64_t, IntervalValue>(
            [ta, tb](IntervalValue& o, int64_t x, int64_t y) -> absl::Status {
              if (__builtin_sub_overflow(TemporalMicros(ta, x),
                                         TemporalMicros(tb, y), &o.micros)) {
                return absl::OutOfRangeError("INTERVAL out of range");
              }
              return absl::OkStatus();
            });
      }
      break;
    default:
      break;
  }
  return b.NoKernel();
}

KernelFactory Arithmetic(char op) {
  return [op](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    if (b.arity() != 2) return b.NoKernel();
    const LogicalType& r = b.result();
    if (r.IsInteger() && b.ArgsAre("II")) return IntegerArithmetic(op, b);
    if (r.id() == TypeId::kDouble && b.ArgsAre("FF")) {
      return DoubleArithmetic(op, b);
    }
    if (r.id() == TypeId::kDecimal && IsExactNumber(b.arg(0)) &&
        IsExactNumber(b.arg(1))) {
      return DecimalArithmetic(op, b);
    }
    return TemporalArithmetic(op, b);
  };
}

absl::StatusOr<Kernel> Negate(const KernelBinding& b) {
  if (b.arity() != 1 || !(b.arg(0) == b.result())) return b.NoKernel();
  switch (b.arg_id(0)) {
    case TypeId::kInt:
    case TypeId::kBigint: {
      const int64_t min = b.arg_id(0) == TypeId::kInt ? INT32_MIN : INT64_MIN;
      const std::string what = "integer overflow in - " + b.arg(0).ToString();
      return UnaryKernel<int64_t, int64_t>(
          [min, what](int64_t& o, int64_t v) -> absl::Status {
            if (v == min) return absl::OutOfRangeError(what);
            o = -v;
            return absl::OkStatus();
          });
    }
    case TypeId::kDouble:
      return UnaryKernel<double, double>([](double& o, double v) { o = -v; });
    case TypeId::kDecimal:
      return UnaryKernel<int128, int128>([](int128& o, int128 v) { o = -v; });
    case TypeId::kInterval:
      return UnaryKernel<IntervalValue, IntervalValue>(
          [](IntervalValue& o, const IntervalValue& iv) -> absl::Status {
            if (iv.months == INT32_MIN || iv.micros == INT64_MIN) {
              return absl::OutOfRangeError("integer overflow in - INTERVAL");
            }
            o = {-iv.months, -iv.micros};
            return absl::OkStatus();
          });
    default:
      return b.NoKernel();
  }
}

/// TIMESTAMP(p) (DATE counts as TIMESTAMP(0)) and INTERVAL, in either order
/// (`interval_first`).
Overload TimestampInterval(bool interval_first) {
  return Pair(
      interval_first ? "(INTERVAL, TIMESTAMP)" : "(TIMESTAMP, INTERVAL)",
      [interval_first](const LogicalType& a,
                       const LogicalType& b) -> std::optional<Match> {
        const LogicalType& ts = interval_first ? b : a;
        const LogicalType& iv = interval_first ? a : b;
        if (!TsLike(ts) || !IsOrNull(iv, TypeId::kInterval)) return {};
        LogicalType t = LogicalType::TimestampOrDie(TsPrecision(ts));
        if (interval_first) return Match{t, {kInterval, t}};
        return Match{t, {t, kInterval}};
      });
}

Overload TimestampMinusTimestamp() {
  return Pair(
      "(TIMESTAMP, TIMESTAMP)",
      [](const LogicalType& a, const LogicalType& b) -> std::optional<Match> {
        if (!TsLike(a) || !TsLike(b)) return {};
        LogicalType t = LogicalType::TimestampOrDie(
            std::max(TsPrecision(a), TsPrecision(b)));
        return Match{kInterval, {t, t}};
      });
}

}  // namespace

void RegisterArithmeticFunctions(ScalarRegistry& r) {
  const Overload date_days = Fixed({kDate, kBigint}, kDate, "(DATE, BIGINT)");
  const Overload intervals = Fixed({kInterval, kInterval}, kInterval);
  r.Add({.name = "+",
         .is_operator = true,
         .signature = "a + b",
         .description = "Addition; TIMESTAMP + INTERVAL; DATE + days; "
                        "INTERVAL + INTERVAL.",
         .overloads = {NumericOp('+'), TimestampInterval(false),
                       TimestampInterval(true), date_days, intervals},
         .kernel = Arithmetic('+')});
  r.Add({.name = "-",
         .is_operator = true,
         .signature = "a - b",
         .description = "Subtraction; TIMESTAMP - INTERVAL; TIMESTAMP - "
                        "TIMESTAMP -> INTERVAL; DATE - DATE -> days.",
         .overloads = {NumericOp('-'), Fixed({kDate, kDate}, kInt),
                       TimestampInterval(false), TimestampMinusTimestamp(),
                       date_days, intervals},
         .kernel = Arithmetic('-')});
  r.Add({.name = "*",
         .is_operator = true,
         .signature = "a * b",
         .description = "Multiplication; INTERVAL * integer.",
         .overloads = {NumericOp('*'), Fixed({kInterval, kBigint}, kInterval),
                       Fixed({kBigint, kInterval}, kInterval)},
         .kernel = Arithmetic('*')});
  r.Add({.name = "/",
         .is_operator = true,
         .signature = "a / b",
         .description = "Division; integer division truncates toward zero; "
                        "division by zero is an error.",
         .overloads = {NumericOp('/')},
         .kernel = Arithmetic('/')});
  r.Add({.name = "%",
         .is_operator = true,
         .signature = "a % b",
         .description = "Remainder, with the sign of the dividend.",
         .overloads = {NumericOp('%')},
         .kernel = Arithmetic('%')});
  r.Add({.name = "MOD",
         .signature = "MOD(a numeric, b numeric)",
         .description = "Same as a % b.",
         .overloads = {NumericOp('%')},
         .kernel = Arithmetic('%')});
  r.Add({.name = "NEGATE",
         .is_operator = true,
         .signature = "- a",
         .description = "Arithmetic negation.",
         .overloads = {NumericUnary([](const LogicalType& t) { return t; }),
                       Fixed({kInterval}, kInterval)},
         .kernel = Negate});
}

}  // namespace weir::expr::internal
