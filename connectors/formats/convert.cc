#include "connectors/formats/convert.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"
#include "engine/types/value.h"

namespace weir::formats::internal {

using types::ChangeKind;
using types::Column;
using types::PhysicalType;
using types::TypeId;
using int128 = __int128;

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (Lower(s[i]) != lower[i]) return false;
  }
  return true;
}

int64_t Truncate(int64_t micros, int precision) {
  int64_t unit = static_cast<int64_t>(types::internal::Pow10(6 - precision));
  return micros - types::internal::FloorMod(micros, unit);
}

}  // namespace

absl::Status CheckColumnTypes(std::string_view format,
                              const types::Schema& schema) {
  for (const types::Field& f : schema.fields()) {
    TypeId id = f.type.id();
    if (id == TypeId::kInterval || id == TypeId::kNull) {
      return absl::InvalidArgumentError(
          fmt::format("format '{}' cannot hold column '{}' of type {}", format,
                      f.name, f.type.ToString()));
    }
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------ conversions

DecimalParse ParseDecimalText(std::string_view t, int precision, int scale,
                              int128* v) {
  size_t i = 0, n = t.size();
  bool negative = false;
  if (i < n && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
  size_t int_begin = i;
  while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
  size_t int_end = i, frac_begin = i, frac_end = i;
  if (i < n && t[i] == '.') {
    frac_begin = ++i;
    while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
    frac_end = i;
  }
  if (int_end == int_begin && frac_end == frac_begin)
    return DecimalParse::kSyntax;
  int64_t exp = 0;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < n && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    size_t e_begin = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') {
      if (exp < 1'000'000) exp = exp * 10 + (t[i] - '0');
      ++i;
    }
    if (i == e_begin) return DecimalParse::kSyntax;
    if (eneg) exp = -exp;
  }
  if (i != n) return DecimalParse::kSyntax;

  // The significant digits D are the integer digits then the fraction
  // digits; the value is D * 10^(exp - fraction digits).
  size_t n_int = int_end - int_begin, n_frac = frac_end - frac_begin;
  auto digit = [&](size_t k) {  // k-th digit of D
    return k < n_int ? t[int_begin + k] - '0' : t[frac_begin + k - n_int] - '0';
  };
  size_t total = n_int + n_frac, first = 0;
  while (first < total && digit(first) == 0) ++first;
  int64_t nd = static_cast<int64_t>(total - first);
  if (nd == 0) {
    *v = 0;
    return DecimalParse::kOk;
  }
  int64_t k = exp - static_cast<int64_t>(n_frac) + scale;  // result = D*10^k
  int64_t keep = nd + k;  // digits of D before the rounding point
  if (keep > precision) return DecimalParse::kOverflow;
  int128 r = 0;
  if (k >= 0) {
    for (int64_t d = 0; d < nd; ++d) r = r * 10 + digit(first + d);
    r *= static_cast<int128>(types::internal::Pow10(static_cast<int>(k)));
  } else {
    for (int64_t d = 0; d < keep; ++d) r = r * 10 + digit(first + d);
    if (keep >= 0 && digit(first + keep) >= 5) ++r;
  }
  if (!types::internal::FitsPrecision(r, precision)) {
    return DecimalParse::kOverflow;
  }
  *v = negative ? -r : r;
  return DecimalParse::kOk;
}

bool ParseIntegerText(std::string_view t, int64_t min, int64_t max, int64_t* v,
                      bool* out_of_range) {
  *out_of_range = false;
  const char* b = t.data();
  const char* e = b + t.size();
  if (b != e && *b == '+') ++b;
  if (b == e || *b == '+') return false;
  int64_t x;
  auto [p, ec] = std::from_chars(b, e, x);
  if (ec == std::errc::result_out_of_range && p == e) {
    *out_of_range = true;
    return false;
  }
  if (ec != std::errc() || p != e) return false;
  if (x < min || x > max) {
    *out_of_range = true;
    return false;
  }
  *v = x;
  return true;
}

bool ParseDoubleText(std::string_view t, double* v) {
  if (t == "NaN") {
    *v = std::nan("");
    return true;
  }
  if (t == "Infinity" || t == "+Infinity") {
    *v = HUGE_VAL;
    return true;
  }
  if (t == "-Infinity") {
    *v = -HUGE_VAL;
    return true;
  }
  const char* b = t.data();
  const char* e = b + t.size();
  if (b != e && *b == '+') ++b;
  if (b == e || *b == '+') return false;
  auto [p, ec] = std::from_chars(b, e, *v);
  return ec == std::errc() && p == e;
}

namespace {

/// 'YYYY-MM-DD( |T)HH:MM:SS[.f{1,6}]' exactly, the form nearly every
/// producer writes, truncated to `precision`; anything else goes to
/// types::ParseTimestamp, whose rules this agrees with.
bool FastTimestamp(std::string_view t, int precision, int64_t* v) {
  auto d = [&](size_t i) { return static_cast<unsigned>(t[i] - '0'); };
  auto num = [&](size_t i, size_t n, int64_t* out) {
    int64_t x = 0;
    for (size_t k = i; k < i + n; ++k) {
      if (d(k) > 9) return false;
      x = x * 10 + d(k);
    }
    *out = x;
    return true;
  };
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' ||
      (t[10] != ' ' && t[10] != 'T') || t[13] != ':' || t[16] != ':') {
    return false;
  }
  int64_t h, mi, se, frac = 0;
  if (!num(11, 2, &h) || !num(14, 2, &mi) || !num(17, 2, &se)) return false;
  if (t.size() > 19) {
    size_t n = t.size() - 20;
    if (t[19] != '.' || n < 1 || n > 6 || !num(20, n, &frac)) return false;
    // Truncated here: the other parts are whole seconds, so cutting the
    // fraction (never negative) floors the whole value.
    if (static_cast<int>(n) > precision) {
      const auto unit = static_cast<int64_t>(types::internal::Pow10(
          static_cast<int>(n) - precision));
      frac -= frac % unit;
    }
    for (; n < 6; ++n) frac *= 10;
  }
  if (h > 23 || mi > 59 || se > 59) return false;
  // Neighbouring records mostly share their day: the day of the last date
  // text read on this thread (a decoder runs on its task's thread) is
  // reused when the ten characters are the same; a new one is checked
  // and converted. The cache starts with NULs, which no date text has.
  thread_local char last_date[10] = {};
  thread_local int64_t last_days = 0;
  int64_t days;
  if (std::memcmp(t.data(), last_date, sizeof last_date) == 0) {
    days = last_days;
  } else {
    int64_t y, mo, da;
    if (!num(0, 4, &y) || !num(5, 2, &mo) || !num(8, 2, &da)) return false;
    if (y < 1 || mo < 1 || mo > 12 || da < 1 ||
        da > types::internal::DaysInMonth(y, static_cast<int>(mo))) {
      return false;
    }
    days = types::internal::DaysFromCivil(y, static_cast<int>(mo),
                                          static_cast<int>(da));
    std::memcpy(last_date, t.data(), sizeof last_date);
    last_days = days;
  }
  *v = days * types::internal::kMicrosPerDay +
       h * types::internal::kMicrosPerHour +
       mi * types::internal::kMicrosPerMinute +
       se * types::internal::kMicrosPerSecond + frac;
  return true;
}

}  // namespace

bool ParseTimestampText(std::string_view t, int precision, int64_t* v) {
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.remove_suffix(1);
  if (FastTimestamp(t, precision, v)) return true;
  if (t.empty() || t.front() == ' ' || t.back() == ' ') return false;
  auto r = types::ParseTimestamp(t);
  if (!r.ok()) return false;
  *v = Truncate(*r, precision);
  return true;
}

bool TimestampFromMillis(int64_t millis, int precision, int64_t* v) {
  int64_t micros;
  if (__builtin_mul_overflow(millis, int64_t{1000}, &micros)) return false;
  *v = Truncate(micros, precision);
  return true;
}

bool TimeFromMillis(int64_t millis, int64_t* v) {
  if (millis < 0 || millis >= types::internal::kMicrosPerDay / 1000) {
    return false;
  }
  *v = millis * 1000;
  return true;
}

bool ParseTimeText(std::string_view t, int64_t* v) {
  if (t.empty() || t.front() == ' ' || t.back() == ' ') return false;
  auto r = types::ParseTime(t);
  if (!r.ok()) return false;
  *v = *r;
  return true;
}

bool ParseDateText(std::string_view t, int64_t* v) {
  if (t.empty() || t.front() == ' ' || t.back() == ' ') return false;
  auto r = types::ParseDate(t);
  if (!r.ok()) return false;
  *v = *r;
  return true;
}

namespace {
constexpr char kBase64Chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct Base64Table {
  int8_t v[256];
  constexpr Base64Table() : v() {
    for (int i = 0; i < 256; ++i) v[i] = -1;
    for (int i = 0; i < 64; ++i) v[static_cast<uint8_t>(kBase64Chars[i])] = i;
  }
};
constexpr Base64Table kBase64Table;
}  // namespace

bool Base64Decode(std::string_view t, std::string* out) {
  out->clear();
  size_t n = t.size();
  if (n % 4 != 0) {
    if (n % 4 == 1) return false;  // unpadded input: 2 or 3 trailing chars
  } else if (n > 0) {
    if (t[n - 1] == '=') --n;
    if (t[n - 1] == '=') --n;
  }
  out->reserve(n * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    int8_t d = kBase64Table.v[static_cast<uint8_t>(t[i])];
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits of a final group must be zero (canonical encoding).
  return (acc & ((1u << bits) - 1)) == 0;
}

void Base64Encode(std::string_view b, std::string* out) {
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint8_t>(b[k]); };
  for (; i + 3 <= b.size(); i += 3) {
    uint32_t x = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out->push_back(kBase64Chars[(x >> 18) & 63]);
    out->push_back(kBase64Chars[(x >> 12) & 63]);
    out->push_back(kBase64Chars[(x >> 6) & 63]);
    out->push_back(kBase64Chars[x & 63]);
  }
  size_t rest = b.size() - i;
  if (rest == 0) return;
  uint32_t x = at(i) << 16;
  if (rest == 2) x |= at(i + 1) << 8;
  out->push_back(kBase64Chars[(x >> 18) & 63]);
  out->push_back(kBase64Chars[(x >> 12) & 63]);
  out->push_back(rest == 2 ? kBase64Chars[(x >> 6) & 63] : '=');
  out->push_back('=');
}

bool ValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

// ------------------------------------------------------------ ColumnIndex

ColumnIndex::ColumnIndex(const types::Schema& schema) {
  for (size_t i = 0; i < schema.size(); ++i) {
    std::string lower = schema.field(i).name;
    for (char& c : lower) c = Lower(c);
    first_.push_back(map_.emplace(lower, static_cast<int>(i)).second);
    lower_.push_back(std::move(lower));
    const std::string& name = schema.field(i).name;
    names_.push_back(name);
    const bool raw = first_.back() && name.size() <= kMaxRawName &&
                     name.find_first_of("\"\\") == std::string::npos;
    QuotedName q;
    if (raw) {
      const std::string text = name + '"';
      q.words = (text.size() + 7) / 8;
      std::memcpy(q.text, text.data(), text.size());
      // The mask in memory order: 0xFF for each byte of the name in the
      // last word, whatever the byte order.
      unsigned char mask[8] = {};
      std::memset(mask, 0xFF, text.size() - 8 * (q.words - 1));
      std::memcpy(&q.last_mask, mask, 8);
    }
    quoted_.push_back(q);
  }
}

int ColumnIndex::FindAnyCase(std::string_view name, size_t hint) {
  // A later duplicate name must still resolve to the first column.
  if (hint < lower_.size() && first_[hint] && EqualsLower(name, lower_[hint])) {
    return static_cast<int>(hint);
  }
  scratch_.assign(name.data(), name.size());
  for (char& c : scratch_) c = Lower(c);
  auto it = map_.find(scratch_);
  return it == map_.end() ? -1 : it->second;
}

// ------------------------------------------------------------ RowAppender

RowAppender::RowAppender(const types::Schema& schema)
    : schema_(schema), state_(schema.size(), kUnset) {
  ReadOnly(std::vector<bool>(schema.size(), true));
}

void RowAppender::ReadOnly(const std::vector<bool>& read) {
  read_.assign(schema_.size(), 0);
  read_columns_.clear();
  unread_columns_.clear();
  required_columns_.clear();
  for (size_t i = 0; i < schema_.size(); ++i) {
    const auto col = static_cast<uint32_t>(i);
    if (i >= read.size() || !read[i]) {
      unread_columns_.push_back(col);
      state_[i] = kNull;
      continue;
    }
    read_[i] = 1;
    read_columns_.push_back(col);
    if (!schema_.field(i).nullable) required_columns_.push_back(col);
  }
}

void RowAppender::Start(types::Batch* out) {
  WEIR_CHECK(out->num_columns() == schema_.size());
  WEIR_CHECK(!out->has_selection());
  out_ = out;
  start_ = row_ = out->num_rows();
}

size_t RowAppender::BeginRow() {
  row_ = out_->num_rows();
  // Per row and column: the placeholder of a read column, or the NULL of
  // an unread one (its state stays kNull, set by ReadOnly).
  for (uint32_t i : read_columns_) {
    Column& c = out_->column(i);
    switch (c.physical()) {
      case PhysicalType::kInt64:
        c.AppendInt(0);
        break;
      case PhysicalType::kDouble:
        c.AppendDouble(0);
        break;
      case PhysicalType::kInt128:
        c.AppendDecimal(0);
        break;
      case PhysicalType::kString:
        c.AppendBytes({});
        break;
      case PhysicalType::kInterval:
      case PhysicalType::kNull:
        c.AppendNull();
        break;
    }
    state_[i] = kUnset;
  }
  for (uint32_t i : unread_columns_) out_->column(i).AppendNull();
  return row_;
}

absl::Status RowAppender::FinishRow(ChangeKind kind) {
  for (uint32_t i : required_columns_) {
    if (state_[i] != kValue) {
      return absl::InvalidArgumentError(
          fmt::format("field '{}' is NOT NULL but {}", schema_.field(i).name,
                      state_[i] == kNull ? "null" : "missing"));
    }
  }
  for (uint32_t i : read_columns_) {
    if (state_[i] != kValue) out_->column(i).SetNull(row_, true);
  }
  out_->SetNumRows(row_ + 1);
  out_->SetChange(row_, kind);
  return absl::OkStatus();
}

void RowAppender::Rollback() {
  for (size_t i = 0; i < out_->num_columns(); ++i) {
    out_->column(i).Resize(start_);
  }
  out_->SetNumRows(start_);
}

// ------------------------------------------------------------ encoding

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "Infinity" : "-Infinity");
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", v);
  }
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, p);
}

void AppendDecimal(int128 unscaled, int scale, std::string* out) {
  out->append(types::FormatDecimal(unscaled, scale));
}

namespace {
void Append2(int v, std::string* out) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}
void AppendYmd(const types::internal::CivilDateTime& c, std::string* out) {
  if (c.year >= 0 && c.year <= 9999) {
    int y = static_cast<int>(c.year);
    Append2(y / 100, out);
    Append2(y % 100, out);
  } else {
    if (c.year < 0) out->push_back('-');
    out->append(fmt::format("{:04d}", c.year >= 0 ? c.year : -c.year));
  }
  out->push_back('-');
  Append2(c.month, out);
  out->push_back('-');
  Append2(c.day, out);
}
void AppendHms(const types::internal::CivilDateTime& c, int precision,
               std::string* out) {
  Append2(c.hour, out);
  out->push_back(':');
  Append2(c.minute, out);
  out->push_back(':');
  Append2(c.second, out);
  if (precision > 0) {
    out->push_back('.');
    int div = 100000;
    for (int i = 0; i < precision; ++i, div /= 10) {
      out->push_back(static_cast<char>('0' + (c.micros / div) % 10));
    }
  }
}
}  // namespace

void AppendTimestamp(int64_t micros, int precision, std::string* out) {
  types::internal::CivilDateTime c = types::internal::CivilFromMicros(micros);
  AppendYmd(c, out);
  out->push_back(' ');
  AppendHms(c, precision, out);
}

void AppendDate(int64_t days, std::string* out) {
  AppendYmd(types::internal::CivilFromDays(days), out);
}

void AppendTime(int64_t micros, std::string* out) {
  AppendHms(types::internal::CivilFromMicros(micros),
            micros % types::internal::kMicrosPerSecond != 0 ? 6 : 0, out);
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

}  // namespace weir::formats::internal
