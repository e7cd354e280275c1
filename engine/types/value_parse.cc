// Literal text to values: DECIMAL and integer literals, DATE, TIME,
// TIMESTAMP and INTERVAL text.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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

namespace internal {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

bool ReadSign(std::string_view t, size_t* i) {
  if (*i < t.size() && (t[*i] == '+' || t[*i] == '-')) return t[(*i)++] == '-';
  return false;
}

std::optional<int128> ParseInt128(std::string_view text, bool* too_long) {
  *too_long = false;
  size_t i = 0;
  const bool negative = ReadSign(text, &i);
  if (i == text.size()) return std::nullopt;
  int128 v = 0;
  int significant = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (v != 0 || c != '0') ++significant;
    if (significant > 38) {
      *too_long = true;
    } else {
      v = v * 10 + (c - '0');
    }
  }
  if (*too_long) return std::nullopt;
  return negative ? -v : v;
}

}  // namespace internal

namespace {

// A cursor over literal text.
struct Scanner {
  std::string_view s;
  size_t i = 0;

  bool Done() const { return i == s.size(); }
  bool Eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Reads min..max digits into *out.
  bool Digits(int min, int max, int64_t* out, int* count = nullptr) {
    int n = 0;
    int64_t v = 0;
    while (n < max && i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (count) *count = n;
    *out = v;
    return n >= min;
  }
};

bool ScanDate(Scanner* sc, int64_t* days) {
  int64_t y, m, d;
  if (!sc->Digits(4, 4, &y) || !sc->Eat('-') || !sc->Digits(1, 2, &m) ||
      !sc->Eat('-') || !sc->Digits(1, 2, &d)) {
    return false;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 ||
      d > internal::DaysInMonth(y, static_cast<int>(m))) {
    return false;
  }
  *days = internal::DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d));
  return true;
}

// HH:MM[:SS[.f{1,6}]]; *too_precise when more than 6 fractional digits.
bool ScanTime(Scanner* sc, int64_t* micros, bool* too_precise) {
  int64_t h, mi, s = 0, frac = 0;
  if (!sc->Digits(1, 2, &h) || !sc->Eat(':') || !sc->Digits(2, 2, &mi)) {
    return false;
  }
  if (sc->Eat(':')) {
    if (!sc->Digits(2, 2, &s)) return false;
    if (sc->Eat('.')) {
      int n;
      if (!sc->Digits(1, 6, &frac, &n)) return false;
      if (!sc->Done() && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9') {
        *too_precise = true;
        return false;
      }
      for (; n < 6; ++n) frac *= 10;
    }
  }
  if (h > 23 || mi > 59 || s > 59) return false;
  *micros = h * internal::kMicrosPerHour + mi * internal::kMicrosPerMinute +
            s * internal::kMicrosPerSecond + frac;
  return true;
}

}  // namespace

absl::StatusOr<Value> ParseDecimalLiteral(std::string_view text) {
  std::string_view t = TrimSpace(text);
  auto bad = [&] {
    return absl::InvalidArgumentError(
        fmt::format("invalid DECIMAL literal '{}'", text));
  };
  size_t i = 0;
  const bool negative = ReadSign(t, &i);
  int128 v = 0;
  int int_digits = 0, scale = 0, any_digit = 0;
  bool dot = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.') {
      if (dot) return bad();
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    ++any_digit;
    if (dot) {
      ++scale;
    } else if (v != 0 || c != '0') {
      ++int_digits;
    }
    if (int_digits + scale > LogicalType::kMaxDecimalPrecision) {
      return absl::InvalidArgumentError(
          fmt::format("DECIMAL literal '{}' has more than 38 digits", text));
    }
    v = v * 10 + (c - '0');
  }
  if (any_digit == 0) return bad();
  int precision = std::max(1, int_digits + scale);
  return Value::Decimal(negative ? -v : v,
                        LogicalType::DecimalOrDie(precision, scale));
}

absl::StatusOr<Value> ParseIntegerLiteral(std::string_view text) {
  bool too_long;
  auto v = ParseInt128(TrimSpace(text), &too_long);
  if (!v) {
    if (too_long) {
      return absl::OutOfRangeError(
          fmt::format("integer literal '{}' is out of range", text));
    }
    return absl::InvalidArgumentError(
        fmt::format("invalid integer literal '{}'", text));
  }
  if (*v >= INT32_MIN && *v <= INT32_MAX) {
    return Value::Int(static_cast<int32_t>(*v));
  }
  if (*v >= INT64_MIN && *v <= INT64_MAX) {
    return Value::Bigint(static_cast<int64_t>(*v));
  }
  return Value::Decimal(*v, LogicalType::DecimalOrDie(38, 0));
}

absl::StatusOr<int64_t> ParseDate(std::string_view text) {
  Scanner sc{TrimSpace(text)};
  int64_t days;
  if (!ScanDate(&sc, &days) || !sc.Done()) {
    return absl::InvalidArgumentError(fmt::format("invalid DATE '{}'", text));
  }
  return days;
}

absl::StatusOr<int64_t> ParseTime(std::string_view text) {
  Scanner sc{TrimSpace(text)};
  int64_t micros;
  bool too_precise = false;
  if (!ScanTime(&sc, &micros, &too_precise) || !sc.Done()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid TIME '{}'{}", text,
                    too_precise ? ": more than 6 fractional digits" : ""));
  }
  return micros;
}

absl::StatusOr<int64_t> ParseTimestamp(std::string_view text) {
  Scanner sc{TrimSpace(text)};
  int64_t days, micros = 0;
  bool too_precise = false;
  bool ok = ScanDate(&sc, &days);
  if (ok && !sc.Done()) {
    ok = (sc.Eat(' ') || sc.Eat('T')) && ScanTime(&sc, &micros, &too_precise) &&
         sc.Done();
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        fmt::format("invalid TIMESTAMP '{}'{}", text,
                    too_precise ? ": more than 6 fractional digits" : ""));
  }
  return days * internal::kMicrosPerDay + micros;
}

absl::StatusOr<IntervalValue> ParseIntervalLiteral(std::string_view text,
                                                   bool negative,
                                                   IntervalField from,
                                                   IntervalField to) {
  auto bad = [&](std::string_view why = "") {
    return absl::InvalidArgumentError(
        fmt::format("invalid INTERVAL literal '{}'{}", text, why));
  };
  const bool from_months = from <= IntervalField::kMonth;
  if (from_months != (to <= IntervalField::kMonth)) {
    return absl::InvalidArgumentError(
        "an INTERVAL cannot mix YEAR/MONTH with DAY..SECOND");
  }
  if (to < from) return bad();
  std::string_view t = TrimSpace(text);
  size_t i = 0;
  if (ReadSign(t, &i)) negative = !negative;
  // Far more than any field can hold (2^31 months, 2^63 micros), far less
  // than overflows 128 bits once multiplied by a field's microseconds.
  const int128 kCap = static_cast<int128>(internal::Pow10(20));
  int128 months = 0, micros = 0;
  bool too_large = false;
  for (int f = static_cast<int>(from); f <= static_cast<int>(to); ++f) {
    const auto field = static_cast<IntervalField>(f);
    if (field != from) {
      const char sep = field == IntervalField::kMonth  ? '-'
                       : field == IntervalField::kHour ? ' '
                                                       : ':';
      if (i == t.size() || t[i] != sep) return bad();
      ++i;
    }
    const size_t start = i;
    int128 n = 0;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      if (n < kCap) {
        n = n * 10 + (t[i] - '0');
      } else {
        too_large = true;
      }
    }
    if (i == start) return bad();
    int64_t fraction = 0;  // microseconds
    if (field == IntervalField::kSecond && i < t.size() && t[i] == '.') {
      const size_t first = ++i;
      for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
        if (i - first == 6) return bad(": more than 6 fractional digits");
        fraction = fraction * 10 + (t[i] - '0');
      }
      if (i == first) return bad();
      for (size_t d = i - first; d < 6; ++d) fraction *= 10;
    }
    switch (field) {
      case IntervalField::kYear:
        months += n * 12;
        break;
      case IntervalField::kMonth:
        months += n;
        break;
      case IntervalField::kDay:
        micros += n * internal::kMicrosPerDay;
        break;
      case IntervalField::kHour:
        micros += n * internal::kMicrosPerHour;
        break;
      case IntervalField::kMinute:
        micros += n * internal::kMicrosPerMinute;
        break;
      case IntervalField::kSecond:
        micros += n * internal::kMicrosPerSecond + fraction;
        break;
    }
  }
  if (i != t.size()) return bad();
  if (negative) {
    months = -months;
    micros = -micros;
  }
  if (too_large || months < INT32_MIN || months > INT32_MAX ||
      micros < INT64_MIN || micros > INT64_MAX) {
    return absl::OutOfRangeError(
        fmt::format("INTERVAL literal '{}' is out of range", text));
  }
  return IntervalValue{static_cast<int32_t>(months),
                       static_cast<int64_t>(micros)};
}

}  // namespace weir::types
