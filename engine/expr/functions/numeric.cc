// The numeric functions ABS, CEIL (CEILING), FLOOR, ROUND, TRUNCATE
// (TRUNC), SIGN, POWER (POW), SQRT, LN, LOG10 and EXP, on INT, BIGINT,
// DOUBLE and DECIMAL. The row rules are the numeric helpers of
// function_helpers.h.

#include <cmath>

#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using types::TypeId;

const LogicalType kInt = LogicalType::Int();
const LogicalType kDouble = LogicalType::Double();

bool IsDouble(const LogicalType& t) { return t.id() == TypeId::kDouble; }

/// The result kind the type rules give a numeric argument: DECIMAL for a
/// DECIMAL (of another precision), else the argument's own type.
bool SameKind(const LogicalType& arg, const LogicalType& result) {
  if (arg.id() == TypeId::kDecimal) return result.id() == TypeId::kDecimal;
  return arg == result;
}

absl::StatusOr<Kernel> Abs(const KernelBinding& b) {
  if (b.arity() != 1 || !(b.arg(0) == b.result())) return b.NoKernel();
  const LogicalType arg = b.arg(0), result = b.result();
  switch (arg.id()) {
    case TypeId::kInt:
    case TypeId::kBigint:
      return UnaryKernel<int64_t, int64_t>(
          [arg, result](int64_t& o, int64_t v) {
            return StoreOr(o, AbsInteger(v, arg, result));
          });
    case TypeId::kDouble:
      return UnaryKernel<double, double>(
          [](double& o, double v) { o = std::fabs(v); });
    case TypeId::kDecimal:
      return UnaryKernel<int128, int128>(
          [](int128& o, int128 v) { o = AbsDecimal(v); });
    default:
      return b.NoKernel();
  }
}

KernelFactory CeilFloor(bool ceil) {
  return [ceil](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    if (b.arity() != 1 || !SameKind(b.arg(0), b.result())) return b.NoKernel();
    const LogicalType result = b.result();
    switch (b.arg_id(0)) {
      case TypeId::kInt:
      case TypeId::kBigint:
        return UnaryKernel<int64_t, int64_t>(
            [](int64_t& o, int64_t v) { o = v; });
      case TypeId::kDouble:
        return UnaryKernel<double, double>(
            [ceil](double& o, double v) { o = CeilFloorDouble(v, ceil); });
      case TypeId::kDecimal: {
        const int scale = b.arg(0).scale();
        return UnaryKernel<int128, int128>(
            [ceil, scale, result](int128& o, int128 v) {
              return StoreOr(o, CeilFloorDecimal(v, scale, ceil, result));
            });
      }
      default:
        return b.NoKernel();
    }
  };
}

/// ROUND / TRUNCATE of an exact number stored as In (scale `scale`) into
/// `result` stored as Out, to `digits` fractional digits.
template <typename In, typename Out>
absl::Status RoundExactInto(Out& o, const In& v, int scale, int64_t digits,
                            bool truncate, const LogicalType& result) {
  return StoreOr(
      o, RoundExact(static_cast<int128>(v), scale, digits, truncate, result));
}

KernelFactory Round(bool truncate) {
  return [truncate](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    const bool with_digits = b.arity() == 2;
    if ((b.arity() != 1 && !with_digits) ||
        (with_digits && !b.arg(1).IsInteger()) ||
        !SameKind(b.arg(0), b.result())) {
      return b.NoKernel();
    }
    const LogicalType result = b.result();
    const int scale = b.arg_id(0) == TypeId::kDecimal ? b.arg(0).scale() : 0;
    // One kernel per stored type, with or without a digits argument.
    auto make = [&](auto in_tag, auto out_tag, auto round) -> Kernel {
      using In = decltype(in_tag);
      using Out = decltype(out_tag);
      if (with_digits) {
        return BinaryKernel<In, int64_t, Out>(
            [round](Out& o, const In& v, int64_t d) { return round(o, v, d); });
      }
      return UnaryKernel<In, Out>(
          [round](Out& o, const In& v) { return round(o, v, 0); });
    };
    switch (b.arg_id(0)) {
      case TypeId::kDouble:
        return make(double{}, double{},
                    [truncate](double& o, double v, int64_t d) {
                      o = RoundDouble(v, d, truncate);
                    });
      case TypeId::kInt:
      case TypeId::kBigint:
        return make(int64_t{}, int64_t{},
                    [truncate, result](int64_t& o, int64_t v, int64_t d) {
                      return RoundExactInto(o, v, 0, d, truncate, result);
                    });
      case TypeId::kDecimal:
        return make(int128{}, int128{},
                    [truncate, scale, result](int128& o, int128 v, int64_t d) {
                      return RoundExactInto(o, v, scale, d, truncate, result);
                    });
      default:
        return b.NoKernel();
    }
  };
}

absl::StatusOr<Kernel> Sign(const KernelBinding& b) {
  if (b.arity() != 1 || b.result().id() != TypeId::kInt) return b.NoKernel();
  switch (b.arg_id(0)) {
    case TypeId::kDouble:
      return UnaryKernel<double, int64_t>(
          [](int64_t& o, double v) { o = SignOf(v); });
    case TypeId::kInt:
    case TypeId::kBigint:
      return UnaryKernel<int64_t, int64_t>(
          [](int64_t& o, int64_t v) { o = SignOf(static_cast<int128>(v)); });
    case TypeId::kDecimal:
      return UnaryKernel<int128, int64_t>(
          [](int64_t& o, int128 v) { o = SignOf(v); });
    default:
      return b.NoKernel();
  }
}

absl::StatusOr<Kernel> PowerKernel(const KernelBinding& b) {
  if (!b.ArgsAre("FF") || !IsDouble(b.result())) return b.NoKernel();
  return BinaryKernel<double, double, double>(
      [](double& o, double x, double y) { return StoreOr(o, Power(x, y)); });
}

KernelFactory DoubleFunction(DoubleFn fn) {
  return [fn](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    if (!b.ArgsAre("F") || !IsDouble(b.result())) return b.NoKernel();
    return UnaryKernel<double, double>(
        [fn](double& o, double x) { return StoreOr(o, ApplyDoubleFn(fn, x)); });
  };
}

LogicalType SameType(const LogicalType& t) { return t; }

/// CEIL, FLOOR, ROUND and TRUNCATE without digits: no fraction left.
LogicalType IntegralPart(const LogicalType& t) {
  if (t.id() != TypeId::kDecimal) return t;
  return LogicalType::DecimalOrDie(
      std::min(38, std::max(1, t.precision() - t.scale() + 1)), 0);
}

/// ROUND with digits: one more integer digit (9.99 -> 10.0).
LogicalType RoundType(const LogicalType& t) {
  if (t.id() != TypeId::kDecimal) return t;
  return LogicalType::DecimalOrDie(std::min(38, t.precision() + 1), t.scale());
}

}  // namespace

void RegisterNumericFunctions(ScalarRegistry& r) {
  r.Add({.name = "ABS",
         .signature = "ABS(x numeric) -> same type",
         .description = "Absolute value.",
         .overloads = {NumericUnary(SameType)},
         .kernel = Abs});
  r.Add({.name = "CEIL",
         .synonyms = {"CEILING"},
         .signature = "CEIL(x numeric) -> same kind, no fraction",
         .description = "Smallest integral value not less than x.",
         .overloads = {NumericUnary(IntegralPart)},
         .kernel = CeilFloor(true)});
  r.Add({.name = "FLOOR",
         .signature = "FLOOR(x numeric) -> same kind, no fraction",
         .description = "Largest integral value not greater than x.",
         .overloads = {NumericUnary(IntegralPart)},
         .kernel = CeilFloor(false)});
  r.Add({.name = "ROUND",
         .signature = "ROUND(x numeric[, d INT])",
         .description = "Rounds half away from zero to d fractional digits "
                        "(default 0; negative d rounds to tens, hundreds...).",
         .overloads = {NumericUnary(IntegralPart),
                       NumericUnary(RoundType, {kInt})},
         .kernel = Round(false)});
  r.Add({.name = "TRUNCATE",
         .synonyms = {"TRUNC"},
         .signature = "TRUNCATE(x numeric[, d INT])",
         .description =
             "Truncates toward zero to d fractional digits (default 0).",
         .overloads = {NumericUnary(IntegralPart),
                       NumericUnary(SameType, {kInt})},
         .kernel = Round(true)});
  r.Add({.name = "POWER",
         .synonyms = {"POW"},
         .signature = "POWER(x DOUBLE, y DOUBLE) -> DOUBLE",
         .description = "x raised to y.",
         .overloads = {Fixed({kDouble, kDouble}, kDouble)},
         .kernel = PowerKernel});
  struct DoubleDef {
    const char* name;
    const char* description;
    DoubleFn fn;
  };
  for (const DoubleDef& d :
       {DoubleDef{"SQRT", "Square root.", DoubleFn::kSqrt},
        DoubleDef{"LN", "Natural logarithm.", DoubleFn::kLn},
        DoubleDef{"LOG10", "Base-10 logarithm.", DoubleFn::kLog10},
        DoubleDef{"EXP", "e raised to x.", DoubleFn::kExp}}) {
    r.Add({.name = d.name,
           .signature = std::string(d.name) + "(x DOUBLE) -> DOUBLE",
           .description = d.description,
           .overloads = {Fixed({kDouble}, kDouble)},
           .kernel = DoubleFunction(d.fn)});
  }
  r.Add({.name = "SIGN",
         .signature = "SIGN(x numeric) -> INT",
         .description = "-1, 0 or 1.",
         .overloads = {NumericUnary([](const LogicalType&) { return kInt; })},
         .kernel = Sign});
}

}  // namespace weir::expr::internal
