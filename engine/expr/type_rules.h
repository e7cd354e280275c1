#pragma once

// Type rules of the scalar functions: an Overload accepts some argument
// types and says the result type and the type each argument is cast to.
// The building blocks here are shared by the function families
// (engine/expr/functions/*.cc). Internal to engine/expr.
//
// Result-type decisions (the SQL reference repeats them):
//  - Integer arithmetic stays integral: INT op INT -> INT, with a BIGINT ->
//    BIGINT. Integer division truncates toward zero (7 / 2 = 3, -7 / 2 = -3)
//    and % takes the sign of the dividend, as in C, Java, MySQL's DIV and
//    PostgreSQL. Overflow is an error, never wrap-around.
//  - DECIMAL results (integers are first widened with AsDecimal):
//      + -  scale max(s1, s2), integer digits max(p1-s1, p2-s2) + 1
//      *    scale s1 + s2, integer digits (p1-s1) + (p2-s2)
//      /    scale max(6, s1 + p2 + 1), integer digits p1 - s1 + s2
//      %    scale max(s1, s2), integer digits min(p1-s1, p2-s2)
//    When integer digits + scale exceed 38 the precision becomes 38 and the
//    scale shrinks to make room for the integer digits, but never below
//    min(scale, 6) (SQL Server's rule); values are rounded half away from
//    zero to that scale and a result that still does not fit is an error.
//  - DATE +/- INTERVAL treats the DATE as TIMESTAMP(0) (DATE casts to
//    TIMESTAMP implicitly), so the result is TIMESTAMP(0); a sub-second
//    interval part is truncated. TIMESTAMP(p) +/- INTERVAL -> TIMESTAMP(p),
//    truncated to p digits. Month arithmetic clamps the day to the end of
//    the month (2024-01-31 + 1 month = 2024-02-29). DATE +/- integer ->
//    DATE (days), DATE - DATE -> INT days.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/types/logical_type.h"

namespace weir::expr::internal {

using Types = std::vector<types::LogicalType>;

/// An accepted call: its result type and the type of each argument.
struct Match {
  types::LogicalType result;
  Types arg_types;
};

/// One accepted shape of a function's arguments.
struct Overload {
  std::string expected;  // for errors: "(VARCHAR, BIGINT)"
  std::function<std::optional<Match>(const Types&)> match;
};

/// "(INT, VARCHAR)".
std::string TypeList(const Types& types);

/// Exactly `params` (each argument implicitly castable to its parameter).
Overload Fixed(Types params, types::LogicalType result,
               std::string expected = "");
/// `min` or more arguments, all castable to `param`.
Overload Variadic(types::LogicalType param, size_t min,
                  types::LogicalType result, std::string expected);
/// Exactly one argument of any type; BOOLEAN result.
Overload AnyOne();
/// Between `min` and `max` arguments with a common type, all cast to it;
/// the result is `result`, or the common type when not given.
Overload Comparable(size_t min, size_t max,
                    std::optional<types::LogicalType> result,
                    std::string expected);
/// Two arguments compared as by = and <: cast to their common type, except
/// two exact numbers (INT, BIGINT, DECIMAL) whose common DECIMAL would need
/// more than 38 digits, which keep their own types and compare exactly.
/// The result is `result`, or (nullopt) the common type, or in that case
/// the first argument's type.
Overload Compared(std::optional<types::LogicalType> result,
                  std::string expected);
/// The arithmetic operator `op` ('+', '-', '*', '/', '%') on two numbers.
Overload NumericOp(char op);
/// One number (NULL counts as INT) and the fixed `trailing` arguments; the
/// result type is `result(number type)`.
Overload NumericUnary(
    std::function<types::LogicalType(const types::LogicalType&)> result,
    Types trailing = {}, std::string expected = "");
/// Two arguments matched by `f(a, b)`.
Overload Pair(std::string expected,
              std::function<std::optional<Match>(const types::LogicalType&,
                                                 const types::LogicalType&)>
                  f);
/// `count` arguments, VARCHAR except at `pos`, which takes a TIMESTAMP(p)
/// or DATE (or TIME when `allow_time`; NULL counts as TIMESTAMP(3)) kept as
/// it is; the result type is `result(that argument's type)`.
Overload TemporalArg(
    size_t count, size_t pos, bool allow_time,
    std::function<types::LogicalType(const types::LogicalType&)> result,
    std::string expected);

/// The result type of DECIMAL `op` DECIMAL (the table above).
types::LogicalType DecimalArithmetic(char op, const types::LogicalType& a,
                                     const types::LogicalType& b);
/// A DECIMAL with `int_digits` integer digits and `scale`, fitted into 38
/// digits by the rule above.
types::LogicalType FitDecimal(int int_digits, int scale);

bool NumOrNull(const types::LogicalType& t);
/// TIMESTAMP, DATE or NULL.
bool TsLike(const types::LogicalType& t);
/// Of type `id`, or NULL.
bool IsOrNull(const types::LogicalType& t, types::TypeId id);
/// TIMESTAMP(p) -> p, else 0.
int TsPrecision(const types::LogicalType& t);

}  // namespace weir::expr::internal
