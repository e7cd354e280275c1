#include "engine/types/value.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "engine/base/check.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"

namespace weir::types {

using internal::int128;

// ---- Three-valued logic. ----

Tribool And(Tribool a, Tribool b) {
  if (a == Tribool::kFalse || b == Tribool::kFalse) return Tribool::kFalse;
  if (a == Tribool::kUnknown || b == Tribool::kUnknown)
    return Tribool::kUnknown;
  return Tribool::kTrue;
}

Tribool Or(Tribool a, Tribool b) {
  if (a == Tribool::kTrue || b == Tribool::kTrue) return Tribool::kTrue;
  if (a == Tribool::kUnknown || b == Tribool::kUnknown)
    return Tribool::kUnknown;
  return Tribool::kFalse;
}

Tribool Not(Tribool a) {
  switch (a) {
    case Tribool::kFalse:
      return Tribool::kTrue;
    case Tribool::kTrue:
      return Tribool::kFalse;
    case Tribool::kUnknown:
      return Tribool::kUnknown;
  }
  return Tribool::kUnknown;
}

// ---- Construction. ----

Value Value::Null(LogicalType type) {
  Value v;
  v.type_ = type;
  return v;
}

template <typename T>
Value Value::NonNull(LogicalType type, T data) {
  Value v;
  v.type_ = type;
  v.is_null_ = false;
  v.data_ = std::move(data);
  return v;
}

Value Value::Boolean(bool b) { return NonNull(LogicalType::Boolean(), b); }
Value Value::Int(int32_t i) {
  return NonNull(LogicalType::Int(), static_cast<int64_t>(i));
}
Value Value::Bigint(int64_t i) { return NonNull(LogicalType::Bigint(), i); }
Value Value::Double(double d) { return NonNull(LogicalType::Double(), d); }

Value Value::Decimal(__int128 unscaled, LogicalType type) {
  WEIR_CHECK(type.id() == TypeId::kDecimal);
  return NonNull(type, unscaled);
}

Value Value::Varchar(std::string s) {
  return NonNull(LogicalType::Varchar(), std::move(s));
}
Value Value::Bytes(std::string s) {
  return NonNull(LogicalType::Bytes(), std::move(s));
}
Value Value::Date(int64_t days) { return NonNull(LogicalType::Date(), days); }
Value Value::Time(int64_t micros) {
  return NonNull(LogicalType::Time(), micros);
}

Value Value::Timestamp(int64_t micros, int precision) {
  return NonNull(LogicalType::TimestampOrDie(precision), micros);
}

Value Value::Interval(IntervalValue i) {
  return NonNull(LogicalType::Interval(), i);
}

Tribool Value::AsTribool() const {
  if (is_null_) return Tribool::kUnknown;
  WEIR_CHECK(type_.id() == TypeId::kBoolean);
  return boolean() ? Tribool::kTrue : Tribool::kFalse;
}

bool operator==(const Value& a, const Value& b) {
  if (!(a.type_ == b.type_) || a.is_null_ != b.is_null_) return false;
  if (a.is_null_) return true;
  return a.data_ == b.data_;
}

// ---- Formatting. ----

namespace {

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", d);
}

// Dates and times are written digit by digit: result rows stream to a
// client cell by cell, and fmt::format was most of the cost of a
// TIMESTAMP column there.

/// Appends `value` (>= 0) with at least `width` digits, zero-padded.
void AppendDigits(std::string* out, int64_t value, int width) {
  if (width == 2 && value < 100) {  // months, days, hours, ...
    const char pair[2] = {static_cast<char>('0' + value / 10),
                          static_cast<char>('0' + value % 10)};
    out->append(pair, 2);
    return;
  }
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n < width) digits[n++] = '0';
  std::reverse(digits, digits + n);
  out->append(digits, static_cast<size_t>(n));
}

/// A year as at least 4 digits, with a sign when negative.
void AppendYear(std::string* out, int64_t y) {
  if (y < 0) out->push_back('-');
  AppendDigits(out, y < 0 ? -y : y, 4);
}

/// ".ffffff" cut to `precision` digits (none for precision 0).
void AppendFraction(std::string* out, int micros, int precision) {
  if (precision <= 0) return;
  char digits[6];
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  out->push_back('.');
  out->append(digits, static_cast<size_t>(std::min(precision, 6)));
}

/// "YYYY-MM-DD".
void AppendDate(std::string* out, const internal::CivilDateTime& c) {
  AppendYear(out, c.year);
  out->push_back('-');
  AppendDigits(out, c.month, 2);
  out->push_back('-');
  AppendDigits(out, c.day, 2);
}

/// "HH:MM:SS[.fff]".
void AppendTimeOfDay(std::string* out, const internal::CivilDateTime& c,
                     int precision) {
  AppendDigits(out, c.hour, 2);
  out->push_back(':');
  AppendDigits(out, c.minute, 2);
  out->push_back(':');
  AppendDigits(out, c.second, 2);
  AppendFraction(out, c.micros, precision);
}

std::string Fraction(int micros, int precision) {
  std::string out;
  AppendFraction(&out, micros, precision);
  return out;
}

// Seconds with up to 6 fractional digits, trailing zeros dropped: "4",
// "0.5", "-1.25".
std::string FormatSeconds(int64_t micros) {
  std::string s = FormatDecimal(micros, 6);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string FormatInterval(const IntervalValue& iv) {
  std::string out;
  if (iv.months != 0) {
    out = fmt::format("{} {}", iv.months,
                      iv.months == 1 || iv.months == -1 ? "MONTH" : "MONTHS");
  }
  if (iv.micros != 0 || iv.months == 0) {
    if (!out.empty()) out += ' ';
    uint64_t m = iv.micros < 0 ? -static_cast<uint64_t>(iv.micros)
                               : static_cast<uint64_t>(iv.micros);
    if (iv.micros < 0) out += '-';
    uint64_t days = m / internal::kMicrosPerDay;
    uint64_t rest = m % internal::kMicrosPerDay;
    if (days != 0) {
      out += fmt::format("{} {}", days, days == 1 ? "DAY" : "DAYS");
      if (rest != 0) out += ' ';
    }
    if (rest != 0 || days == 0) {
      int frac = static_cast<int>(rest % internal::kMicrosPerSecond);
      out +=
          fmt::format("{:02d}:{:02d}:{:02d}", rest / internal::kMicrosPerHour,
                      rest / internal::kMicrosPerMinute % 60,
                      rest / internal::kMicrosPerSecond % 60);
      if (frac != 0) {
        std::string f = Fraction(frac, 6);
        while (f.back() == '0') f.pop_back();
        out += f;
      }
    }
  }
  return out;
}

std::string QuoteSql(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    // The lexer reads MySQL backslash escapes, so a backslash is doubled
    // for the literal to read back as the same string.
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace

void AppendDateText(int64_t days, std::string* out) {
  AppendDate(out, internal::CivilFromDays(days));
}

void AppendTimestampText(int64_t micros, int precision, std::string* out) {
  const internal::CivilDateTime c = internal::CivilFromMicros(micros);
  AppendDate(out, c);
  out->push_back(' ');
  AppendTimeOfDay(out, c, precision);
}

std::string FormatDate(int64_t days) {
  std::string out;
  AppendDateText(days, &out);
  return out;
}

std::string FormatTime(int64_t micros, int precision) {
  std::string out;
  AppendTimeOfDay(&out, internal::CivilFromMicros(micros), precision);
  return out;
}

std::string FormatTimestamp(int64_t micros, int precision) {
  std::string out;
  out.reserve(32);
  AppendTimestampText(micros, precision, &out);
  return out;
}

std::string FormatDecimal(__int128 unscaled, int scale) {
  std::string digits =
      internal::Int128ToString(unscaled < 0 ? -unscaled : unscaled);
  if (static_cast<int>(digits.size()) <= scale) {
    digits.insert(0, scale + 1 - digits.size(), '0');
  }
  if (scale > 0) digits.insert(digits.size() - scale, ".");
  if (unscaled < 0) digits.insert(0, "-");
  return digits;
}

std::string Value::ToString() const {
  if (is_null_) return "NULL";
  switch (type_.id()) {
    case TypeId::kNull:
      return "NULL";
    case TypeId::kBoolean:
      return boolean() ? "TRUE" : "FALSE";
    case TypeId::kInt:
    case TypeId::kBigint:
      return std::to_string(integer());
    case TypeId::kDouble:
      return FormatDouble(dbl());
    case TypeId::kDecimal:
      return FormatDecimal(decimal(), type_.scale());
    case TypeId::kVarchar:
      return str();
    case TypeId::kBytes: {
      std::string out = "\\x";
      for (unsigned char c : str()) out += fmt::format("{:02x}", c);
      return out;
    }
    case TypeId::kDate:
      return FormatDate(integer());
    case TypeId::kTime:
      return FormatTime(integer(),
                        integer() % internal::kMicrosPerSecond != 0 ? 6 : 0);
    case TypeId::kTimestamp:
      return FormatTimestamp(integer(), type_.precision());
    case TypeId::kInterval:
      return FormatInterval(interval());
  }
  return "?";
}

std::string Value::ToSqlLiteral() const {
  if (is_null_) {
    if (type_.IsNull()) return "NULL";
    return fmt::format("CAST(NULL AS {})", type_.ToString());
  }
  switch (type_.id()) {
    case TypeId::kDouble: {
      double d = dbl();
      if (!std::isfinite(d)) {
        return fmt::format("CAST('{}' AS DOUBLE)", FormatDouble(d));
      }
      std::string s = fmt::format("{}", d);
      if (s.find('e') == std::string::npos) s += "E0";
      return s;
    }
    case TypeId::kVarchar:
      return QuoteSql(str());
    case TypeId::kBytes: {
      std::string out = "X'";
      for (unsigned char c : str()) out += fmt::format("{:02X}", c);
      return out + "'";
    }
    case TypeId::kDate:
      return "DATE '" + ToString() + "'";
    case TypeId::kTime:
      return "TIME '" + ToString() + "'";
    case TypeId::kTimestamp:
      return "TIMESTAMP '" + ToString() + "'";
    case TypeId::kInterval: {
      IntervalValue iv = interval();
      std::string months = fmt::format("INTERVAL '{}' MONTH", iv.months);
      std::string secs =
          fmt::format("INTERVAL '{}' SECOND", FormatSeconds(iv.micros));
      if (iv.months == 0) return secs;
      if (iv.micros == 0) return months;
      return "(" + months + " + " + secs + ")";
    }
    default:
      return ToString();
  }
}

// ---- Parsing. ----

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// Skips a leading '+' or '-' at *i; true for '-'.
bool ReadSign(std::string_view t, size_t* i) {
  if (*i < t.size() && (t[*i] == '+' || t[*i] == '-')) return t[(*i)++] == '-';
  return false;
}

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

// Optional sign and 1..38 significant digits; nullopt for bad text;
// *too_long when there are more than 38 significant digits.
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

}  // namespace

absl::StatusOr<Value> ParseDecimalLiteral(std::string_view text) {
  std::string_view t = Trim(text);
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
  auto v = ParseInt128(Trim(text), &too_long);
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
  Scanner sc{Trim(text)};
  int64_t days;
  if (!ScanDate(&sc, &days) || !sc.Done()) {
    return absl::InvalidArgumentError(fmt::format("invalid DATE '{}'", text));
  }
  return days;
}

absl::StatusOr<int64_t> ParseTime(std::string_view text) {
  Scanner sc{Trim(text)};
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
  Scanner sc{Trim(text)};
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
  std::string_view t = Trim(text);
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

// ---- Casts. ----

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
  std::string_view t = Trim(s);
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

// ---- Comparison. ----

namespace {

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareDoubles(double a, double b) {
  // NaN equals NaN and sorts above every other value.
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return Cmp(a, b);
}

double ToDouble(const Value& v) {
  switch (v.type().id()) {
    case TypeId::kDouble:
      return v.dbl();
    case TypeId::kDecimal:
      return internal::DecimalToDouble(v.decimal(), v.type().scale());
    default:
      return static_cast<double>(v.integer());
  }
}

int128 UnscaledOf(const Value& v, int* scale) {
  if (v.type().id() == TypeId::kDecimal) {
    *scale = v.type().scale();
    return v.decimal();
  }
  *scale = 0;
  return v.integer();
}

}  // namespace

absl::StatusOr<int> CompareValues(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) {
    return absl::InvalidArgumentError("cannot compare NULL values");
  }
  const LogicalType &ta = a.type(), &tb = b.type();
  if (ta.IsNumeric() && tb.IsNumeric()) {
    if (ta.id() == TypeId::kDouble || tb.id() == TypeId::kDouble) {
      return CompareDoubles(ToDouble(a), ToDouble(b));
    }
    int sa, sb;
    int128 ua = UnscaledOf(a, &sa), ub = UnscaledOf(b, &sb);
    return internal::CompareDecimal(ua, sa, ub, sb);
  }
  auto micros = [](const Value& v) {
    return v.type().id() == TypeId::kDate
               ? v.integer() * internal::kMicrosPerDay
               : v.integer();
  };
  bool a_dt = ta.id() == TypeId::kDate || ta.id() == TypeId::kTimestamp;
  bool b_dt = tb.id() == TypeId::kDate || tb.id() == TypeId::kTimestamp;
  if (a_dt && b_dt) return Cmp(micros(a), micros(b));
  if (ta.id() == tb.id()) {
    switch (ta.id()) {
      case TypeId::kBoolean:
        return Cmp(a.boolean(), b.boolean());
      case TypeId::kVarchar:
      case TypeId::kBytes: {
        int c = a.str().compare(b.str());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      case TypeId::kTime:
        return Cmp(a.integer(), b.integer());
      case TypeId::kInterval: {
        // A month counts as 30 days, as in PostgreSQL.
        auto total = [](const IntervalValue& iv) {
          return static_cast<int128>(iv.months) * 30 * internal::kMicrosPerDay +
                 iv.micros;
        };
        return Cmp(total(a.interval()), total(b.interval()));
      }
      default:
        break;
    }
  }
  return absl::InvalidArgumentError(
      fmt::format("cannot compare {} and {}", ta.ToString(), tb.ToString()));
}

}  // namespace weir::types
