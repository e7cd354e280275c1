#pragma once

// How SQL orders two non-NULL values of one type, on their stored form:
// the same order as types::CompareValues, without building Values. Shared
// by the comparison operators, NULLIF / GREATEST / LEAST and the MIN / MAX
// aggregates. Internal to engine/expr.

#include <cmath>
#include <string>

#include "engine/expr/kernel.h"
#include "engine/expr/vector.h"
#include "engine/types/logical_type.h"
#include "engine/types/temporal_util.h"
#include "engine/types/value.h"

namespace weir::expr::internal {

/// <0, 0, >0.
template <typename T>
inline int Compare3(const T& a, const T& b) {
  return (b < a) - (a < b);
}

/// NaN equals NaN and sorts above every other value; -0.0 equals 0.0.
inline int CompareDoubles(double a, double b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return Compare3(a, b);
}

/// An interval's length with a month counted as 30 days (PostgreSQL's rule).
inline int128 IntervalTotal(const types::IntervalValue& iv) {
  return static_cast<int128>(iv.months) * 30 * types::internal::kMicrosPerDay +
         iv.micros;
}

inline int CompareIntervals(const types::IntervalValue& a,
                            const types::IntervalValue& b) {
  return Compare3(IntervalTotal(a), IntervalTotal(b));
}

/// Byte-wise (UTF-8 text sorts by code point).
inline int CompareStrings(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return (c > 0) - (c < 0);
}

/// The stored form in which two values are compared.
enum class CompareKind {
  kInt,       // int64_t: integers, BOOLEAN, DATE, TIME, TIMESTAMP(p)
  kDouble,    // double
  kDecimal,   // exact numbers at their own scales (integers at scale 0)
  kString,    // VARCHAR, BYTES
  kInterval,  // IntervalValue
  kNone,      // not comparable as stored
};

/// How values of types `a` and `b` compare: kNone unless both are of one
/// comparable type, or both are exact numbers (INT, BIGINT, DECIMAL of any
/// scale), or both are integers.
inline CompareKind ChooseCompare(const types::LogicalType& a,
                                 const types::LogicalType& b) {
  using types::TypeId;
  if (a.IsInteger() && b.IsInteger()) return CompareKind::kInt;
  if (a.id() == TypeId::kDouble && b.id() == TypeId::kDouble) {
    return CompareKind::kDouble;
  }
  if ((a.id() == TypeId::kDecimal || a.IsInteger()) &&
      (b.id() == TypeId::kDecimal || b.IsInteger())) {
    return CompareKind::kDecimal;
  }
  if (!(a == b)) return CompareKind::kNone;
  switch (a.id()) {
    case TypeId::kBoolean:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      return CompareKind::kInt;
    case TypeId::kVarchar:
    case TypeId::kBytes:
      return CompareKind::kString;
    case TypeId::kInterval:
      return CompareKind::kInterval;
    default:
      return CompareKind::kNone;
  }
}

/// Calls f(T{}, cmp) for a kind whose two sides are stored alike (kInt,
/// kDouble, kString, kInterval, and kDecimal at one scale), where T is the
/// stored element type and cmp(const T&, const T&) orders two of them (a
/// lambda, so loops inline it).
/// Returns f's result; kNone calls nothing and returns a default R.
template <typename R, typename F>
R WithComparison(CompareKind kind, F&& f) {
  switch (kind) {
    case CompareKind::kInt:
      return f(int64_t{}, [](int64_t a, int64_t b) { return Compare3(a, b); });
    case CompareKind::kDouble:
      return f(double{},
               [](double a, double b) { return CompareDoubles(a, b); });
    case CompareKind::kDecimal:
      return f(int128{}, [](int128 a, int128 b) { return Compare3(a, b); });
    case CompareKind::kString:
      return f(std::string{}, [](const std::string& a, const std::string& b) {
        return CompareStrings(a, b);
      });
    case CompareKind::kInterval:
      return f(types::IntervalValue{}, [](const types::IntervalValue& a,
                                          const types::IntervalValue& b) {
        return CompareIntervals(a, b);
      });
    case CompareKind::kNone:
      break;
  }
  return R{};
}

/// make(A{}, B{}, cmp): the element types of the two arguments and the
/// order that compares them, cmp(const A&, const B&) -> <0, 0, >0; exact
/// numbers compare at their own scales (integers at scale 0). NoKernel when
/// the types do not compare.
template <typename F>
absl::StatusOr<Kernel> WithOrder(const KernelBinding& b, F&& make) {
  CompareKind kind = ChooseCompare(b.arg(0), b.arg(1));
  if (kind == CompareKind::kNone) return b.NoKernel();
  if (kind == CompareKind::kDecimal) {
    const int sa = ExactScale(b.arg(0)), sb = ExactScale(b.arg(1));
    return WithExactArgs(b, [&](auto ta, auto tb) -> Kernel {
      using A = decltype(ta);
      using B = decltype(tb);
      if (sa == sb) {
        return make(ta, tb, [](const A& x, const B& y) {
          return Compare3<int128>(x, y);
        });
      }
      return make(ta, tb, [sa, sb](const A& x, const B& y) {
        return types::internal::CompareDecimal(x, sa, y, sb);
      });
    });
  }
  return WithComparison<Kernel>(
      kind, [&](auto tag, auto cmp) -> Kernel { return make(tag, tag, cmp); });
}

}  // namespace weir::expr::internal
