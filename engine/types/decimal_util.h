#pragma once

// Exact 128-bit DECIMAL arithmetic shared by Value (casts, comparisons) and
// the expression interpreter. Internal to Weir: not part of the SQL-facing
// contract. Every function works on unscaled integers (value = unscaled /
// 10^scale) and reports int128 overflow as nullopt; checking the result
// against a DECIMAL precision is the caller's job (FitsPrecision).

#include <optional>
#include <string>

namespace weir::types::internal {

using int128 = __int128;
using uint128 = unsigned __int128;

/// 10^n for n in 0..38.
uint128 Pow10(int n);
/// True when |v| < 10^precision.
bool FitsPrecision(int128 v, int precision);
/// Number of decimal digits of |v| (1 for 0).
int DigitCount(int128 v);
/// `v` at scale `from` re-expressed at scale `to`; rounds half away from
/// zero when the scale shrinks; nullopt when the result overflows int128.
std::optional<int128> Rescale(int128 v, int from, int to);
/// a (scale sa) * b (scale sb) at scale `rs`, rounded half away from zero,
/// computed exactly through 256 bits; nullopt when the result overflows.
std::optional<int128> MultiplyDecimal(int128 a, int sa, int128 b, int sb,
                                      int rs);
/// a (scale sa) + b (scale sb), or a - b with `subtract`, at scale `rs`,
/// rounded half away from zero, computed exactly through 256 bits (so
/// operands that overflow int128 at their common scale are fine); nullopt
/// when the result overflows.
std::optional<int128> AddDecimal(int128 a, int sa, int128 b, int sb, int rs,
                                 bool subtract);
/// a (scale sa) % b (scale sb): the remainder with the sign of a, at scale
/// `rs`, computed exactly through 256 bits; b must not be zero; nullopt
/// when the result overflows.
std::optional<int128> ModDecimal(int128 a, int sa, int128 b, int sb, int rs);
/// a (scale sa) / b (scale sb) at scale `rs`, rounded half away from zero;
/// b must not be zero; nullopt when the result overflows.
std::optional<int128> DivideDecimal(int128 a, int sa, int128 b, int sb, int rs);
/// -3 / 10^1 compares exactly with 7 / 10^3: <0, 0, >0.
int CompareDecimal(int128 a, int sa, int128 b, int sb);
/// Decimal digits of v with a leading '-' when negative.
std::string Int128ToString(int128 v);
/// The nearest double to unscaled / 10^scale.
double DecimalToDouble(int128 unscaled, int scale);

}  // namespace weir::types::internal
