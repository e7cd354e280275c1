// CastValue: the one definition of what CAST does to a value (the batch
// kernels of engine/expr take it for every conversion they do not type
// themselves).

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"
#include "engine/types/value.h"
#include "engine/types/value_internal.h"

namespace weir::types {

using internal::int128;
using internal::ParseInt128;
using internal::ReadSign;
using internal::TrimSpace;

namespace {

absl::Status CannotCastText(const std::string& text, const LogicalType& to) {
  return absl::InvalidArgumentError(
      fmt::format("cannot cast '{}' to {}", text, to.ToString()));
}

absl::Status DecimalOverflow(const LogicalType& to) {
  return absl::OutOfRangeError(
      fmt::format("DECIMAL overflow: value does not fit {}", to.ToString()));
}

absl::StatusOr<Value> IntegerResult(int128 v, const LogicalType& to,
                                    const std::string& shown) {
  if (to.id() == TypeId::kInt && v >= INT32_MIN && v <= INT32_MAX) {
    return Value::Int(static_cast<int32_t>(v));
  }
  if (to.id() == TypeId::kBigint && v >= INT64_MIN && v <= INT64_MAX) {
    return Value::Bigint(static_cast<int64_t>(v));
  }
  return absl::OutOfRangeError(
      fmt::format("value {} is out of range for {}", shown, to.ToString()));
}

absl::StatusOr<Value> DecimalResult(int128 unscaled, int scale,
                                    const LogicalType& to) {
  auto v = internal::Rescale(unscaled, scale, to.scale());
  if (!v || !internal::FitsPrecision(*v, to.precision())) {
    return DecimalOverflow(to);
  }
  return Value::Decimal(*v, to);
}

int64_t TruncateMicros(int64_t micros, int precision) {
  int64_t unit = static_cast<int64_t>(internal::Pow10(6 - precision));
  return micros - internal::FloorMod(micros, unit);
}

// A number in decimal notation: [+-] digits [. digits] [e [+-] digits],
// with at least one digit before the exponent (".5" and "5." count). No
// hexadecimal, no other text: what CAST to DOUBLE accepts, beside the
// special values.
bool IsNumberText(std::string_view t) {
  size_t i = 0;
  ReadSign(t, &i);
  auto digits = [&] {
    size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i - start;
  };
  size_t mantissa = digits();
  if (i < t.size() && t[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    ReadSign(t, &i);
    if (digits() == 0) return false;
  }
  return i == t.size();
}

// The DOUBLE values that are not numbers, spelt as ToString writes them
// (NaN, Infinity, -Infinity) or as inf / -inf, any case.
std::optional<double> SpecialDouble(std::string_view t) {
  size_t i = 0;
  const bool negative = ReadSign(t, &i);
  std::string rest;
  for (char c : t.substr(i)) {
    rest += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (rest == "infinity" || rest == "inf")
    return negative ? -HUGE_VAL : HUGE_VAL;
  if (rest == "nan" && i == 0) return std::nan("");
  return std::nullopt;
}

// Decimal text ([+-]digits[.digits], at least one digit) as an unscaled
// value at `scale`, rounded half away from zero on the first digit dropped;
// digits beyond it do not matter, however many. nullopt for bad text, or
// with *overflow when the value does not fit 128 bits.
std::optional<int128> DecimalTextAtScale(std::string_view t, int scale,
                                         bool* overflow) {
  size_t i = 0;
  const bool negative = ReadSign(t, &i);
  int128 v = 0;
  bool any_digit = false, dot = false, round_up = false;
  int fraction = 0;  // fractional digits taken into v
  auto take = [&](int digit) {
    if (__builtin_mul_overflow(v, 10, &v) ||
        __builtin_add_overflow(v, digit, &v)) {
      *overflow = true;
    }
  };
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    if (!dot) {
      take(c - '0');
    } else if (fraction < scale) {
      take(c - '0');
      ++fraction;
    } else if (fraction == scale) {
      round_up = c >= '5';  // the first digit dropped decides
      ++fraction;
    }
  }
  if (!any_digit) return std::nullopt;
  for (; fraction < scale; ++fraction) take(0);
  if (round_up && __builtin_add_overflow(v, 1, &v)) *overflow = true;
  if (*overflow) return std::nullopt;
  return negative ? -v : v;
}

absl::StatusOr<Value> CastFromVarchar(const std::string& s,
                                      const LogicalType& to) {
  std::string_view t = TrimSpace(s);
  switch (to.id()) {
    case TypeId::kBoolean: {
      std::string lower;
      for (char c : t) lower += static_cast<char>(std::tolower(c));
      if (lower == "true" || lower == "t" || lower == "yes" || lower == "1") {
        return Value::Boolean(true);
      }
      if (lower == "false" || lower == "f" || lower == "no" || lower == "0") {
        return Value::Boolean(false);
      }
      return CannotCastText(s, to);
    }
    case TypeId::kInt:
    case TypeId::kBigint: {
      bool too_long;
      auto v = ParseInt128(t, &too_long);
      if (!v) {
        if (too_long) {
          return absl::OutOfRangeError(
              fmt::format("value {} is out of range for {}", t, to.ToString()));
        }
        return CannotCastText(s, to);
      }
      return IntegerResult(*v, to, std::string(t));
    }
    case TypeId::kDouble: {
      if (std::optional<double> special = SpecialDouble(t)) {
        return Value::Double(*special);
      }
      if (!IsNumberText(t)) return CannotCastText(s, to);
      std::string z(t);
      double d = std::strtod(z.c_str(), nullptr);
      if (std::isinf(d)) {
        return absl::OutOfRangeError(
            fmt::format("value {} is out of range for {}", t, to.ToString()));
      }
      return Value::Double(d);  // too small to represent: the nearest, 0
    }
    case TypeId::kDecimal: {
      bool overflow = false;
      std::optional<int128> v = DecimalTextAtScale(t, to.scale(), &overflow);
      if (overflow || (v && !internal::FitsPrecision(*v, to.precision()))) {
        return DecimalOverflow(to);
      }
      if (!v) return CannotCastText(s, to);
      return Value::Decimal(*v, to);
    }
    case TypeId::kBytes:
      return Value::Bytes(s);
    case TypeId::kDate: {
      auto d = ParseDate(t);
      if (!d.ok()) return CannotCastText(s, to);
      return Value::Date(*d);
    }
    case TypeId::kTime: {
      auto d = ParseTime(t);
      if (!d.ok()) return CannotCastText(s, to);
      return Value::Time(*d);
    }
    case TypeId::kTimestamp: {
      auto d = ParseTimestamp(t);
      if (!d.ok()) return CannotCastText(s, to);
      return Value::Timestamp(TruncateMicros(*d, to.precision()),
                              to.precision());
    }
    default:
      break;
  }
  return absl::InvalidArgumentError(
      fmt::format("cannot cast VARCHAR to {}", to.ToString()));
}

}  // namespace

// CAST rules worth knowing: DOUBLE and DECIMAL to an integer round half away
// from zero; TIMESTAMP(p) to a smaller precision truncates (floors) the
// fraction, as does text with more digits than the target precision.
absl::StatusOr<Value> CastValue(const Value& value, const LogicalType& to) {
  const LogicalType& from = value.type();
  if (value.is_null()) return Value::Null(to);
  if (from == to) return value;
  auto unsupported = [&] {
    return absl::InvalidArgumentError(
        fmt::format("cannot cast {} to {}", from.ToString(), to.ToString()));
  };
  if (to.id() == TypeId::kVarchar) {
    if (from.id() == TypeId::kBytes) return Value::Varchar(value.str());
    return Value::Varchar(value.ToString());
  }
  if (from.id() == TypeId::kVarchar) return CastFromVarchar(value.str(), to);
  switch (to.id()) {
    case TypeId::kBoolean:
      if (from.IsInteger()) return Value::Boolean(value.integer() != 0);
      return unsupported();
    case TypeId::kInt:
    case TypeId::kBigint:
      switch (from.id()) {
        case TypeId::kBoolean:
          return IntegerResult(value.boolean() ? 1 : 0, to, "");
        case TypeId::kInt:
        case TypeId::kBigint:
          return IntegerResult(value.integer(), to,
                               std::to_string(value.integer()));
        case TypeId::kDouble: {
          double d = std::round(value.dbl());
          if (!std::isfinite(d) || d < -1.8e19 || d > 1.8e19) {
            return absl::OutOfRangeError(
                fmt::format("value {} is out of range for {}", value.ToString(),
                            to.ToString()));
          }
          return IntegerResult(static_cast<int128>(d), to, value.ToString());
        }
        case TypeId::kDecimal: {
          auto v = internal::Rescale(value.decimal(), from.scale(), 0);
          return IntegerResult(*v, to, value.ToString());
        }
        default:
          return unsupported();
      }
    case TypeId::kDouble:
      switch (from.id()) {
        case TypeId::kInt:
        case TypeId::kBigint:
          return Value::Double(static_cast<double>(value.integer()));
        case TypeId::kDecimal:
          return Value::Double(
              internal::DecimalToDouble(value.decimal(), from.scale()));
        default:
          return unsupported();
      }
    case TypeId::kDecimal:
      switch (from.id()) {
        case TypeId::kInt:
        case TypeId::kBigint:
          return DecimalResult(value.integer(), 0, to);
        case TypeId::kDecimal:
          return DecimalResult(value.decimal(), from.scale(), to);
        case TypeId::kDouble: {
          double d = value.dbl();
          if (!std::isfinite(d) || std::fabs(d) >= 1e39) {
            return DecimalOverflow(to);
          }
          // Print extra digits, then round half away from zero ourselves
          // (printf rounds ties to even); keep at most 38 digits.
          std::string text = fmt::format("{:.{}f}", d, to.scale() + 20);
          size_t dot = text.find('.');
          size_t int_digits = dot - (text[0] == '-' ? 1 : 0);
          size_t scale = static_cast<size_t>(to.scale());
          size_t room = int_digits < 38 ? 38 - int_digits : 0;
          size_t keep = std::max(scale, std::min(scale + 20, room));
          if (text.size() > dot + 1 + keep) text.resize(dot + 1 + keep);
          auto parsed = ParseDecimalLiteral(text);
          if (!parsed.ok()) return DecimalOverflow(to);
          return DecimalResult(parsed->decimal(), parsed->type().scale(), to);
        }
        default:
          return unsupported();
      }
    case TypeId::kBytes:
      return unsupported();
    case TypeId::kDate:
      if (from.id() == TypeId::kTimestamp) {
        return Value::Date(
            internal::FloorDiv(value.integer(), internal::kMicrosPerDay));
      }
      return unsupported();
    case TypeId::kTime:
      if (from.id() == TypeId::kTimestamp) {
        return Value::Time(
            internal::FloorMod(value.integer(), internal::kMicrosPerDay));
      }
      return unsupported();
    case TypeId::kTimestamp:
      if (from.id() == TypeId::kDate) {
        return Value::Timestamp(value.integer() * internal::kMicrosPerDay,
                                to.precision());
      }
      if (from.id() == TypeId::kTimestamp) {
        return Value::Timestamp(TruncateMicros(value.integer(), to.precision()),
                                to.precision());
      }
      return unsupported();
    default:
      return unsupported();
  }
}

}  // namespace weir::types
