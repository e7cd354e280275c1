// Value as text: ToString (how results print) and ToSqlLiteral, with the
// DATE/TIME/TIMESTAMP/INTERVAL/DECIMAL formatters they share.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"
#include "engine/types/value.h"

namespace weir::types {

using internal::int128;

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

namespace {

/// Two digits of `v` (0..99) at `p`; returns the end.
char* PutTwoDigits(char* p, int64_t v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

}  // namespace

void AppendTimestampText(int64_t micros, int precision, std::string* out) {
  // A column of timestamps is printed row after row, and neighbouring rows
  // mostly share their day: the day's text is kept per thread, and the
  // whole cell is built in a buffer and appended once.
  thread_local int64_t cached_day = INT64_MIN;
  thread_local std::string cached_date;
  const int64_t day = internal::FloorDiv(micros, internal::kMicrosPerDay);
  if (day != cached_day) {
    cached_date.clear();
    AppendDateText(day, &cached_date);
    cached_day = day;
  }
  const int64_t rest = internal::FloorMod(micros, internal::kMicrosPerDay);
  char buf[16];  // "HH:MM:SS.ffffff"
  char* p = buf;
  *p++ = ' ';
  p = PutTwoDigits(p, rest / internal::kMicrosPerHour);
  *p++ = ':';
  p = PutTwoDigits(p, rest / internal::kMicrosPerMinute % 60);
  *p++ = ':';
  p = PutTwoDigits(p, rest / internal::kMicrosPerSecond % 60);
  out->append(cached_date);
  out->append(buf, static_cast<size_t>(p - buf));
  AppendFraction(out, static_cast<int>(rest % internal::kMicrosPerSecond),
                 precision);
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

}  // namespace weir::types
