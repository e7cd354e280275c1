#include "connectors/mysql/text_values.h"

#include <charconv>

#include "engine/types/temporal_util.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

using types::LogicalType;
using types::TypeId;
using types::Value;
namespace ti = types::internal;

template <typename T>
bool Number(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

/// "[-]digits[.digits]" into an unscaled integer of `scale` digits.
bool DecimalText(std::string_view s, int scale, __int128* out) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  std::string_view fp =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (ip.empty() || static_cast<int>(fp.size()) > scale ||
      ip.size() + scale > 38) {
    return false;
  }
  __int128 v = 0;
  for (char c : ip) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  for (int k = 0; k < scale; ++k) {
    char c = k < static_cast<int>(fp.size()) ? fp[k] : '0';
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

/// "hh:mm:ss[.ffffff]" (hours any width) into microseconds; false if bad.
bool ClockMicros(std::string_view s, int64_t* out) {
  size_t c1 = s.find(':');
  size_t c2 = c1 == std::string_view::npos ? c1 : s.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return false;
  int64_t h, m, sec, frac = 0;
  size_t dot = s.find('.', c2);
  std::string_view sec_text = s.substr(c2 + 1, dot - (c2 + 1));
  if (!Number(s.substr(0, c1), &h) || !Number(s.substr(c1 + 1, c2 - c1 - 1), &m) ||
      !Number(sec_text, &sec) || m > 59 || sec > 59 || h < 0) {
    return false;
  }
  if (dot != std::string_view::npos) {
    std::string f(s.substr(dot + 1));
    if (f.empty() || f.size() > 6) return false;
    f.resize(6, '0');
    if (!Number(std::string_view(f), &frac)) return false;
  }
  *out = ((h * 60 + m) * 60 + sec) * ti::kMicrosPerSecond + frac;
  return true;
}

}  // namespace

std::string SnapshotSelectExpr(const ColumnInfo& c) {
  std::string name = "`";
  for (char ch : c.name) name += ch == '`' ? std::string("``") : std::string(1, ch);
  name += "`";
  if (c.data_type == "float") return "CAST(" + name + " AS DOUBLE)";
  if (c.data_type == "bit") return name + " + 0";
  return name;
}

absl::StatusOr<Value> ValueFromText(const ColumnTarget& t,
                                    std::optional<std::string_view> text,
                                    const RowDecoderOptions& options) {
  const LogicalType& type = t.type;
  if (!text) return Value::Null(type);
  std::string_view s = *text;
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        fmt::format("MySQL column '{}' ({}): cannot read '{}' as {}",
                    t.info.name, t.info.column_type, s.substr(0, 64),
                    type.ToString()));
  };
  auto zero = [&]() -> absl::StatusOr<Value> {
    if (options.zero_date == RowDecoderOptions::ZeroDate::kError) {
      return absl::InvalidArgumentError(fmt::format(
          "MySQL column '{}' holds a zero date ({}) and 'zero-date' = 'error'",
          t.info.name, s));
    }
    return Value::Null(type);
  };
  // "YYYY-MM-DD" -> days; a zero month/day is a zero date.
  auto date = [&](std::string_view d, int64_t* days, bool* is_zero) {
    int64_t y;
    int mo, dd;
    if (d.size() != 10 || d[4] != '-' || d[7] != '-' ||
        !Number(d.substr(0, 4), &y) || !Number(d.substr(5, 2), &mo) ||
        !Number(d.substr(8, 2), &dd)) {
      return false;
    }
    *is_zero = mo == 0 || dd == 0;
    if (*is_zero) return true;
    if (mo > 12 || dd > ti::DaysInMonth(y, mo)) return false;
    *days = ti::DaysFromCivil(y, mo, dd);
    return ti::DateInRange(*days);
  };
  switch (type.id()) {
    case TypeId::kBoolean: {
      int64_t v;
      if (!Number(s, &v)) return bad();
      return Value::Boolean(v != 0);
    }
    case TypeId::kInt: {
      int32_t v;
      if (!Number(s, &v)) return bad();
      return Value::Int(v);
    }
    case TypeId::kBigint: {
      int64_t v;
      if (!Number(s, &v)) return bad();
      return Value::Bigint(v);
    }
    case TypeId::kDouble: {
      double v;
      if (!Number(s, &v)) return bad();
      return Value::Double(v);
    }
    case TypeId::kDecimal: {
      __int128 v;
      if (!DecimalText(s, type.scale(), &v)) return bad();
      return Value::Decimal(v, type);
    }
    case TypeId::kVarchar: return Value::Varchar(std::string(s));
    case TypeId::kBytes: return Value::Bytes(std::string(s));
    case TypeId::kDate: {
      int64_t days = 0;
      bool is_zero = false;
      if (!date(s, &days, &is_zero)) return bad();
      if (is_zero) return zero();
      return Value::Date(days);
    }
    case TypeId::kTimestamp: {
      int64_t days = 0, micros = 0;
      bool is_zero = false;
      if (s.size() < 19 || s[10] != ' ' || !date(s.substr(0, 10), &days, &is_zero) ||
          !ClockMicros(s.substr(11), &micros) ||
          micros >= ti::kMicrosPerDay) {
        return bad();
      }
      if (is_zero) return zero();
      return Value::Timestamp(days * ti::kMicrosPerDay + micros,
                              type.precision());
    }
    case TypeId::kInterval:
    case TypeId::kTime: {
      bool neg = !s.empty() && s[0] == '-';
      int64_t micros;
      if (!ClockMicros(neg ? s.substr(1) : s, &micros)) return bad();
      if (neg) micros = -micros;
      if (type.id() == TypeId::kTime) {
        if (micros < 0 || micros >= ti::kMicrosPerDay) return bad();
        return Value::Time(micros);
      }
      return Value::Interval({0, micros});
    }
    default: return bad();
  }
}

}  // namespace weir::connectors::mysql
