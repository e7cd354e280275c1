#include "connectors/mysql/row_decoder.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <utility>

#include "connectors/mysql/binary_decimal.h"
#include "connectors/mysql/byte_reader.h"
#include "connectors/mysql/mysql_json.h"
#include "engine/types/temporal_util.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

using types::LogicalType;
using types::TypeId;
using types::Value;
namespace ft = field_type;
namespace ti = types::internal;

/// Bytes of the fractional part of TIME2/DATETIME2/TIMESTAMP2(fsp).
int FracBytes(int fsp) { return (fsp + 1) / 2; }

/// MySQL's latin1 is Windows-1252: 0x80..0x9F are not C1 controls (except
/// five unassigned bytes that map to themselves).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string Latin1ToUtf8(std::string_view in) {
  // ASCII (the usual text) is the same bytes in UTF-8: one copy.
  if (std::all_of(in.begin(), in.end(),
                  [](unsigned char c) { return c < 0x80; })) {
    return std::string(in);
  }
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    uint32_t cp = c >= 0x80 && c < 0xA0 ? kCp1252High[c - 0x80] : c;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | cp >> 12);
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

bool IsIntegerType(uint8_t t) {
  return t == ft::kTiny || t == ft::kShort || t == ft::kInt24 ||
         t == ft::kLong || t == ft::kLongLong;
}
bool IsBlobType(uint8_t t) {
  return t == ft::kBlob || t == ft::kTinyBlob || t == ft::kMediumBlob ||
         t == ft::kLongBlob || t == ft::kGeometry || t == ft::kJson;
}

/// MariaDB's own fractional TIME/DATETIME/TIMESTAMP(fsp) formats (tables
/// created before 10.1 or with mysql56_temporal_format = OFF): the table
/// map says TIME/DATETIME/TIMESTAMP with no metadata, so the fsp comes
/// from information_schema. Value sizes per fsp 0..6 (MariaDB my_time.h).
constexpr int kTimeHiresBytes[7] = {3, 4, 4, 5, 5, 5, 6};
constexpr int kDateTimeHiresBytes[7] = {5, 6, 6, 7, 7, 7, 8};
constexpr int kSecPartBytes[7] = {0, 1, 1, 2, 2, 3, 3};
constexpr int64_t kPow10[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};

/// The fsp of target `t`'s column when the table map gives it in an old
/// temporal type (MariaDB's fractional formats), else 0.
int OldTemporalFsp(const TableMapEvent& m, const ColumnTarget& t) {
  uint8_t type = m.column_types[static_cast<size_t>(t.mysql_index)];
  if (type != ft::kTime && type != ft::kDateTime && type != ft::kTimestamp) {
    return 0;
  }
  return std::clamp(t.info.datetime_precision, 0, 6);
}

/// How many bytes the value of column `i` takes in a row image, reading
/// length prefixes from `r` without consuming them; nullopt for a type
/// this decoder does not know. `old_fsp` is the fsp of an old-format
/// temporal column (0 for the others).
std::optional<size_t> CellLength(const TableMapEvent& m, size_t i,
                                 const ByteReader& r, int old_fsp) {
  ByteReader peek = r;
  uint16_t meta = m.metadata[i];
  if (old_fsp > 0) {
    switch (m.column_types[i]) {
      case ft::kTime: return kTimeHiresBytes[old_fsp];
      case ft::kDateTime: return kDateTimeHiresBytes[old_fsp];
      case ft::kTimestamp: return 4 + kSecPartBytes[old_fsp];
      default: break;
    }
  }
  switch (m.RealType(i)) {
    case ft::kTiny: return 1;
    case ft::kShort: return 2;
    case ft::kInt24: return 3;
    case ft::kLong: return 4;
    case ft::kLongLong: return 8;
    case ft::kFloat: return 4;
    case ft::kDouble: return 8;
    case ft::kYear: return 1;
    case ft::kDate:
    case ft::kNewDate: return 3;
    case ft::kTime: return 3;
    case ft::kDateTime: return 8;
    case ft::kTimestamp: return 4;
    case ft::kTime2: return 3 + FracBytes(meta);
    case ft::kDateTime2: return 5 + FracBytes(meta);
    case ft::kTimestamp2: return 4 + FracBytes(meta);
    case ft::kNewDecimal: return DecimalBinarySize(meta >> 8, meta & 0xff);
    case ft::kBit: return (meta >> 8) + ((meta & 0xff) ? 1 : 0);
    case ft::kEnum:
    case ft::kSet: return m.StringMaxLength(i);
    case ft::kVarchar:
    case ft::kVarString: {
      size_t prefix = meta > 255 ? 2 : 1;
      return prefix + peek.Le(prefix);
    }
    case ft::kString: {
      size_t prefix = m.StringMaxLength(i) > 255 ? 2 : 1;
      return prefix + peek.Le(prefix);
    }
    default:
      if (IsBlobType(m.column_types[i])) {
        if (meta < 1 || meta > 4) return std::nullopt;
        return meta + peek.Le(meta);
      }
      return std::nullopt;
  }
}

/// One column's value bytes in an image (nullopt = absent from it).
struct Cell {
  bool null = false;
  std::span<const uint8_t> bytes;
};

}  // namespace

std::vector<ColumnTarget> TargetsFor(const TableSchema& schema) {
  std::vector<ColumnTarget> targets;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    targets.push_back({schema.columns[i].ordinal, schema.columns[i],
                       schema.schema.field(i).type});
  }
  return targets;
}

RowDecoder::RowDecoder(TableMapEvent map, std::vector<ColumnTarget> targets,
                       RowDecoderOptions options)
    : map_(std::move(map)), targets_(std::move(targets)), options_(options) {}

namespace {

/// What a target's MySQL column is, as a short phrase for messages.
std::string Describe(const TableMapEvent& m, const ColumnTarget& t) {
  return fmt::format("column '{}' of MySQL table {}.{}", t.info.name,
                     m.database, m.table);
}

bool Fits(uint8_t type, const TableMapEvent& m, size_t i,
          const ColumnTarget& t) {
  TypeId id = t.type.id();
  uint16_t meta = m.metadata[i];
  if (IsIntegerType(type)) {
    return id == TypeId::kBoolean || id == TypeId::kInt ||
           id == TypeId::kBigint ||
           (id == TypeId::kDecimal && t.type.scale() == 0);
  }
  switch (type) {
    case ft::kYear: return id == TypeId::kInt || id == TypeId::kBigint;
    case ft::kFloat:
    case ft::kDouble: return id == TypeId::kDouble;
    case ft::kNewDecimal:
      return id == TypeId::kVarchar ||
             (id == TypeId::kDecimal && t.type.precision() == (meta >> 8) &&
              t.type.scale() == (meta & 0xff));
    case ft::kBit:
      return id == TypeId::kBigint || id == TypeId::kDecimal;
    case ft::kDate:
    case ft::kNewDate: return id == TypeId::kDate;
    case ft::kTime:
    case ft::kTime2: return id == TypeId::kInterval || id == TypeId::kTime;
    case ft::kDateTime:
    case ft::kTimestamp: return id == TypeId::kTimestamp;
    case ft::kDateTime2:
    case ft::kTimestamp2:
      return id == TypeId::kTimestamp && t.type.precision() >= meta;
    case ft::kEnum:
    case ft::kSet:
    case ft::kJson: return id == TypeId::kVarchar;
    case ft::kVarchar:
    case ft::kVarString:
    case ft::kString:
    case ft::kBlob:
    case ft::kTinyBlob:
    case ft::kMediumBlob:
    case ft::kLongBlob: return id == TypeId::kVarchar || id == TypeId::kBytes;
    default: return false;
  }
}

}  // namespace

absl::Status RowDecoder::Validate() const {
  size_t n = map_.column_types.size();
  if (map_.metadata.size() != n || map_.nullable.size() != n) {
    return absl::InvalidArgumentError(fmt::format(
        "table map of {}.{} is inconsistent", map_.database, map_.table));
  }
  for (const ColumnTarget& t : targets_) {
    if (t.mysql_index < 0 || static_cast<size_t>(t.mysql_index) >= n) {
      return absl::FailedPreconditionError(fmt::format(
          "{} is column {} but the binlog's table map has {} columns (the "
          "table changed)",
          Describe(map_, t), t.mysql_index + 1, n));
    }
    size_t i = static_cast<size_t>(t.mysql_index);
    uint8_t type = map_.RealType(i);
    if (!Fits(type, map_, i, t)) {
      return absl::FailedPreconditionError(fmt::format(
          "{} is {} in the binlog (metadata {}), which does not decode to its "
          "Weir type {} (the table changed)",
          Describe(map_, t), FieldTypeName(type), map_.metadata[i],
          t.type.ToString()));
    }
    const std::string& cs = t.info.charset;
    bool text = t.type.id() == TypeId::kVarchar &&
                type != ft::kNewDecimal && type != ft::kJson;
    if (text && !cs.empty() && cs != "latin1" && cs != "binary" &&
        !cs.starts_with("utf8") && cs != "ascii") {
      return absl::UnimplementedError(fmt::format(
          "{} has character set {}; Weir reads utf8mb4, utf8mb3, ascii and "
          "latin1 text",
          Describe(map_, t), cs));
    }
  }
  return absl::OkStatus();
}

namespace {

/// Decodes the value bytes of one cell into a Value of the target's type.
class CellDecoder {
 public:
  CellDecoder(const TableMapEvent& m, const RowDecoderOptions& o)
      : m_(m), options_(o) {}

  absl::StatusOr<Value> Decode(const ColumnTarget& t,
                               std::span<const uint8_t> b) const {
    size_t i = static_cast<size_t>(t.mysql_index);
    uint8_t type = m_.RealType(i);
    uint16_t meta = m_.metadata[i];
    ByteReader r(b);
    const LogicalType& want = t.type;
    if (IsIntegerType(type)) {
      size_t n = b.size();
      uint64_t u = r.Le(n);
      if (want.id() == TypeId::kBoolean) return Value::Boolean(u != 0);
      if (t.info.is_unsigned()) {
        if (want.id() == TypeId::kDecimal) {
          return Value::Decimal(static_cast<__int128>(u), want);
        }
        return IntValue(want, static_cast<int64_t>(u), t);
      }
      int shift = static_cast<int>(64 - 8 * n);
      int64_t s = static_cast<int64_t>(u << shift) >> shift;  // sign-extend
      if (want.id() == TypeId::kDecimal) return Value::Decimal(s, want);
      return IntValue(want, s, t);
    }
    switch (type) {
      case ft::kYear: {
        uint64_t y = r.Le(1);
        return IntValue(want, y == 0 ? 0 : 1900 + static_cast<int64_t>(y), t);
      }
      case ft::kFloat: {
        uint32_t bits = static_cast<uint32_t>(r.Le(4));
        return Value::Double(static_cast<double>(std::bit_cast<float>(bits)));
      }
      case ft::kDouble:
        return Value::Double(std::bit_cast<double>(r.Le(8)));
      case ft::kNewDecimal:
        return DecodeDecimal(t, b, meta >> 8, meta & 0xff);
      case ft::kBit: {
        uint64_t v = r.Be(b.size());
        if (want.id() == TypeId::kDecimal) {
          return Value::Decimal(static_cast<__int128>(v), want);
        }
        if (v > static_cast<uint64_t>(INT64_MAX)) {
          return Error(t, fmt::format("BIT value {} does not fit BIGINT", v));
        }
        return Value::Bigint(static_cast<int64_t>(v));
      }
      case ft::kDate:
      case ft::kNewDate: {
        uint64_t v = r.Le(3);
        return DateValue(t, static_cast<int64_t>(v >> 9),
                         static_cast<int>((v >> 5) & 15),
                         static_cast<int>(v & 31));
      }
      case ft::kTime:
      case ft::kDateTime:
      case ft::kTimestamp:
        if (OldFsp(t) > 0) return Hires(t, type, b);
        break;
      default: break;
    }
    switch (type) {
      case ft::kTime: {  // old format: HHMMSS as a signed 3-byte integer
        int64_t v = static_cast<int64_t>(r.Le(3) << 40) >> 40;
        int64_t a = v < 0 ? -v : v;
        int64_t micros =
            ((a / 10000) * 3600 + (a / 100 % 100) * 60 + a % 100) *
            ti::kMicrosPerSecond;
        return TimeValue(t, v < 0 ? -micros : micros);
      }
      case ft::kTime2: return TimeValue(t, Time2Micros(b, meta));
      case ft::kDateTime: {  // old format: YYYYMMDDhhmmss
        uint64_t v = r.Le(8);
        uint64_t d = v / 1000000, hms = v % 1000000;
        return DateTimeValue(t, static_cast<int64_t>(d / 10000),
                             static_cast<int>(d / 100 % 100),
                             static_cast<int>(d % 100),
                             static_cast<int64_t>(hms / 10000 * 3600 +
                                                  hms / 100 % 100 * 60 +
                                                  hms % 100) *
                                 ti::kMicrosPerSecond);
      }
      case ft::kDateTime2: return DateTime2(t, b, meta);
      case ft::kTimestamp:
      case ft::kTimestamp2: {
        int64_t sec = static_cast<int64_t>(type == ft::kTimestamp ? r.Le(4)
                                                                   : r.Be(4));
        int64_t frac = type == ft::kTimestamp ? 0 : FracMicros(r, meta);
        if (sec == 0 && frac == 0) return ZeroDate(t);
        return Value::Timestamp(sec * ti::kMicrosPerSecond + frac,
                                want.precision());
      }
      case ft::kEnum: {
        uint64_t idx = r.Le(b.size());
        const std::vector<std::string>& labels = Labels(t, m_.enum_labels);
        if (idx == 0) return Value::Varchar("");  // the invalid value ''
        if (idx > labels.size()) {
          return Error(t, fmt::format("ENUM index {} but the type has {} "
                                      "labels",
                                      idx, labels.size()));
        }
        return Value::Varchar(labels[idx - 1]);
      }
      case ft::kSet: {
        uint64_t bits = r.Le(b.size());
        const std::vector<std::string>& labels = Labels(t, m_.set_labels);
        std::string out;
        for (size_t k = 0; k < 64 && bits != 0; ++k, bits >>= 1) {
          if ((bits & 1) == 0) continue;
          if (k >= labels.size()) {
            return Error(t, fmt::format("SET member {} but the type has {} "
                                        "labels",
                                        k + 1, labels.size()));
          }
          if (!out.empty()) out += ',';
          out += labels[k];
        }
        return Value::Varchar(std::move(out));
      }
      case ft::kJson: {
        size_t prefix = meta;
        std::span<const uint8_t> doc = b.subspan(prefix);
        absl::StatusOr<std::string> text = MySqlJsonToText(doc);
        if (!text.ok()) return Error(t, std::string(text.status().message()));
        return Value::Varchar(std::move(*text));
      }
      default: {
        // Strings and blobs: a length prefix, then the bytes.
        size_t prefix = type == ft::kString
                            ? (m_.StringMaxLength(i) > 255 ? 2 : 1)
                        : (type == ft::kVarchar || type == ft::kVarString)
                            ? (meta > 255 ? 2 : 1)
                            : meta;
        std::string_view s(reinterpret_cast<const char*>(b.data()) + prefix,
                           b.size() - prefix);
        if (want.id() == TypeId::kBytes) {
          std::string bytes(s);
          // BINARY(n) drops its trailing 0x00 padding in the binlog; SELECT
          // returns the padded value.
          if (type == ft::kString && bytes.size() < m_.StringMaxLength(i)) {
            bytes.resize(m_.StringMaxLength(i), '\0');
          }
          return Value::Bytes(std::move(bytes));
        }
        if (t.info.charset == "latin1") return Value::Varchar(Latin1ToUtf8(s));
        return Value::Varchar(std::string(s));
      }
    }
  }

 private:
  /// The fsp of a column in MariaDB's old fractional format, else 0.
  int OldFsp(const ColumnTarget& t) const {
    return OldTemporalFsp(m_, t);
  }

  /// MariaDB's old fractional formats, big-endian: TIME is microseconds
  /// (scaled to fsp) offset by 838:59:59 + 1 s; DATETIME is
  /// ((((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 +
  /// second, then microseconds, scaled to fsp; TIMESTAMP is 4 bytes of
  /// seconds and the fraction in 1..3 bytes.
  absl::StatusOr<Value> Hires(const ColumnTarget& t, uint8_t type,
                              std::span<const uint8_t> b) const {
    int fsp = OldFsp(t);
    int64_t scale = kPow10[6 - fsp];
    ByteReader r(b);
    if (type == ft::kTime) {
      int64_t zero = (int64_t{838 * 3600 + 59 * 60 + 59} + 1) *
                     ti::kMicrosPerSecond / scale;
      return TimeValue(t, (static_cast<int64_t>(r.Be(b.size())) - zero) * scale);
    }
    if (type == ft::kTimestamp) {
      int64_t sec = static_cast<int64_t>(r.Be(4));
      int64_t frac = static_cast<int64_t>(r.Be(b.size() - 4)) * scale;
      if (sec == 0 && frac == 0) return ZeroDate(t);
      return Value::Timestamp(sec * ti::kMicrosPerSecond + frac,
                              t.type.precision());
    }
    uint64_t v = r.Be(b.size()) * static_cast<uint64_t>(scale);
    int64_t micros = static_cast<int64_t>(v % 1000000);
    v /= 1000000;
    int64_t day_micros = static_cast<int64_t>(v % 60 + v / 60 % 60 * 60 +
                                              v / 3600 % 24 * 3600) *
                             ti::kMicrosPerSecond +
                         micros;
    v /= 86400;
    return DateTimeValue(t, static_cast<int64_t>(v / 32 / 13),
                         static_cast<int>(v / 32 % 13),
                         static_cast<int>(v % 32), day_micros);
  }

  absl::Status Error(const ColumnTarget& t, std::string_view what) const {
    return absl::InvalidArgumentError(
        fmt::format("cannot decode {}: {}", Describe(m_, t), what));
  }

  absl::StatusOr<Value> IntValue(const LogicalType& want, int64_t v,
                                 const ColumnTarget& t) const {
    if (want.id() == TypeId::kBigint) return Value::Bigint(v);
    if (v < INT32_MIN || v > INT32_MAX) {
      return Error(t, fmt::format("{} does not fit INT", v));
    }
    return Value::Int(static_cast<int32_t>(v));
  }

  absl::StatusOr<Value> ZeroDate(const ColumnTarget& t) const {
    if (options_.zero_date == RowDecoderOptions::ZeroDate::kError) {
      return Error(t, "a zero date (0000-00-00) and 'zero-date' = 'error'");
    }
    return Value::Null(t.type);
  }

  absl::StatusOr<Value> DateValue(const ColumnTarget& t, int64_t y, int mo,
                                  int d) const {
    if (mo == 0 || d == 0) return ZeroDate(t);
    if (mo > 12 || d > ti::DaysInMonth(y, mo)) {
      return Error(t, fmt::format("invalid date {:04}-{:02}-{:02}", y, mo, d));
    }
    int64_t days = ti::DaysFromCivil(y, mo, d);
    if (!ti::DateInRange(days)) {
      return Error(t, fmt::format("date {:04}-{:02}-{:02} is before 0001-01-01",
                                  y, mo, d));
    }
    return Value::Date(days);
  }

  absl::StatusOr<Value> DateTimeValue(const ColumnTarget& t, int64_t y, int mo,
                                      int d, int64_t day_micros) const {
    absl::StatusOr<Value> date = DateValue(t, y, mo, d);
    if (!date.ok() || date->is_null()) return date;
    return Value::Timestamp(date->integer() * ti::kMicrosPerDay + day_micros,
                            t.type.precision());
  }

  absl::StatusOr<Value> TimeValue(const ColumnTarget& t, int64_t micros) const {
    if (t.type.id() == TypeId::kTime) {
      if (micros < 0 || micros >= ti::kMicrosPerDay) {
        return Error(t, "a TIME outside 00:00:00..23:59:59.999999 for a Weir "
                        "TIME column");
      }
      return Value::Time(micros);
    }
    return Value::Interval({0, micros});
  }

  static int64_t FracMicros(ByteReader& r, int fsp) {
    switch (FracBytes(fsp)) {
      case 1: return static_cast<int64_t>(r.Be(1)) * 10000;
      case 2: return static_cast<int64_t>(r.Be(2)) * 100;
      case 3: return static_cast<int64_t>(r.Be(3));
      default: return 0;
    }
  }

  /// TIME2 (MySQL 5.6 format, also MariaDB's default): the packed value of
  /// my_time_packed_from_binary, as signed microseconds.
  static int64_t Time2Micros(std::span<const uint8_t> b, int fsp) {
    ByteReader r(b);
    int64_t packed;  // int part << 24 | fraction
    if (FracBytes(fsp) == 3) {
      packed = static_cast<int64_t>(r.Be(6)) - 0x800000000000LL;
    } else {
      int64_t intpart = static_cast<int64_t>(r.Be(3)) - 0x800000LL;
      int64_t frac = 0;
      if (FracBytes(fsp) == 1) {
        frac = static_cast<int64_t>(r.Be(1));
        if (intpart < 0 && frac != 0) {
          ++intpart;
          frac -= 0x100;
        }
        frac *= 10000;
      } else if (FracBytes(fsp) == 2) {
        frac = static_cast<int64_t>(r.Be(2));
        if (intpart < 0 && frac != 0) {
          ++intpart;
          frac -= 0x10000;
        }
        frac *= 100;
      }
      packed = intpart * (int64_t{1} << 24) + frac;
    }
    bool neg = packed < 0;
    uint64_t a = neg ? static_cast<uint64_t>(-packed)
                     : static_cast<uint64_t>(packed);
    uint64_t hms = a >> 24;
    int64_t micros =
        static_cast<int64_t>(((hms >> 12) % 1024) * 3600 +
                             ((hms >> 6) % 64) * 60 + hms % 64) *
            ti::kMicrosPerSecond +
        static_cast<int64_t>(a % (uint64_t{1} << 24));
    return neg ? -micros : micros;
  }

  absl::StatusOr<Value> DateTime2(const ColumnTarget& t,
                                  std::span<const uint8_t> b, int fsp) const {
    ByteReader r(b);
    int64_t intpart = static_cast<int64_t>(r.Be(5)) - 0x8000000000LL;
    int64_t frac = 0;
    switch (FracBytes(fsp)) {  // signed fraction
      case 1: frac = static_cast<int8_t>(r.Be(1)) * int64_t{10000}; break;
      case 2: frac = static_cast<int16_t>(r.Be(2)) * int64_t{100}; break;
      case 3:
        frac = static_cast<int64_t>(r.Be(3) << 40) >> 40;
        break;
    }
    if (intpart < 0 || frac < 0) return Error(t, "negative DATETIME");
    uint64_t ymdhms = static_cast<uint64_t>(intpart);
    uint64_t ymd = ymdhms >> 17, ym = ymd >> 5, hms = ymdhms % (1 << 17);
    int64_t day_micros =
        static_cast<int64_t>((hms >> 12) * 3600 + ((hms >> 6) % 64) * 60 +
                             hms % 64) *
            ti::kMicrosPerSecond +
        frac;
    return DateTimeValue(t, static_cast<int64_t>(ym / 13),
                         static_cast<int>(ym % 13), static_cast<int>(ymd % 32),
                         day_micros);
  }

  /// Binary DECIMAL: its exact text, parsed into the DECIMAL's unscaled
  /// integer when the target is DECIMAL (precision <= 38).
  absl::StatusOr<Value> DecodeDecimal(const ColumnTarget& t,
                                      std::span<const uint8_t> b, int precision,
                                      int scale) const {
    absl::StatusOr<std::string> text = DecimalBinaryToText(b, precision, scale);
    if (!text.ok()) return Error(t, std::string(text.status().message()));
    if (t.type.id() == TypeId::kVarchar) return Value::Varchar(*text);
    __int128 unscaled = 0;
    for (char c : *text) {
      if (c >= '0' && c <= '9') unscaled = unscaled * 10 + (c - '0');
    }
    return Value::Decimal((*text)[0] == '-' ? -unscaled : unscaled, t.type);
  }

  const std::vector<std::string>& Labels(
      const ColumnTarget& t,
      const std::vector<std::vector<std::string>>& from_map) const {
    size_t i = static_cast<size_t>(t.mysql_index);
    if (t.info.labels.empty() && i < from_map.size()) return from_map[i];
    return t.info.labels;
  }

  const TableMapEvent& m_;
  const RowDecoderOptions& options_;
};

}  // namespace

absl::Status RowDecoder::Decode(const RowsEvent& rows, types::Batch* out) {
  absl::Status valid = Validate();
  if (!valid.ok()) return valid;
  size_t n = map_.column_types.size();
  if (rows.column_count != n) {
    return absl::FailedPreconditionError(fmt::format(
        "rows event for {}.{} has {} columns but its table map has {}",
        map_.database, map_.table, rows.column_count, n));
  }
  if (out->num_columns() != targets_.size() || out->has_selection()) {
    return absl::InvalidArgumentError(fmt::format(
        "decoding {}.{} into a batch of {} columns{} for {} targets",
        map_.database, map_.table, out->num_columns(),
        out->has_selection() ? " with a selection" : "", targets_.size()));
  }
  for (size_t j = 0; j < targets_.size(); ++j) {
    if (types::PhysicalTypeOf(out->column(j).type()) !=
        types::PhysicalTypeOf(targets_[j].type)) {
      return absl::InvalidArgumentError(fmt::format(
          "decoding {} into a batch column of type {}, not {}",
          Describe(map_, targets_[j]), out->column(j).type().ToString(),
          targets_[j].type.ToString()));
    }
  }
  ByteReader r(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(rows.rows.data()), rows.rows.size()));
  std::vector<int> old_fsp(n, 0);
  for (const ColumnTarget& t : targets_) {
    old_fsp[static_cast<size_t>(t.mysql_index)] = OldTemporalFsp(map_, t);
  }
  std::vector<std::optional<Cell>> cells(n);
  auto error = [&](size_t column, std::string_view what) {
    return absl::InvalidArgumentError(fmt::format(
        "malformed row image for MySQL table {}.{}, column {} ({}{}): {}",
        map_.database, map_.table, column + 1, FieldTypeName(map_.RealType(column)),
        column < map_.column_names.size()
            ? fmt::format(" '{}'", map_.column_names[column])
            : "",
        what));
  };
  // Reads one image into `cells` (absent columns nullopt).
  auto read_image = [&](const std::vector<bool>& present) -> absl::Status {
    size_t count = 0;
    for (bool p : present) count += p;
    std::span<const uint8_t> nulls = r.Bytes((count + 7) / 8);
    if (r.failed()) return error(0, "the null bitmap is truncated");
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      cells[i].reset();
      if (!present[i]) continue;
      bool is_null = (nulls[k / 8] >> (k % 8)) & 1;
      ++k;
      if (is_null) {
        cells[i] = Cell{.null = true, .bytes = {}};
        continue;
      }
      std::optional<size_t> len = CellLength(map_, i, r, old_fsp[i]);
      if (!len) {
        return error(i, fmt::format("type {} with metadata {} is not "
                                    "supported",
                                    map_.column_types[i], map_.metadata[i]));
      }
      std::span<const uint8_t> bytes = r.Bytes(*len);
      if (r.failed()) {
        return error(i, fmt::format("the value needs {} bytes but the image "
                                    "has {} left",
                                    *len, r.remaining()));
      }
      cells[i] = Cell{.null = false, .bytes = bytes};
    }
    return absl::OkStatus();
  };
  CellDecoder decoder(map_, options_);
  // Converts `cells` into one Value per target; `fallback` (the before
  // image of an update) fills columns absent from an after image.
  auto to_values = [&](std::vector<Value>* values,
                       const std::vector<Value>* fallback,
                       const std::vector<bool>* fallback_known,
                       std::vector<bool>* known) -> absl::Status {
    values->assign(targets_.size(), Value());
    known->assign(targets_.size(), false);
    for (size_t j = 0; j < targets_.size(); ++j) {
      const ColumnTarget& t = targets_[j];
      const std::optional<Cell>& c = cells[static_cast<size_t>(t.mysql_index)];
      if (!c) {
        if (fallback && (*fallback_known)[j]) {
          (*values)[j] = (*fallback)[j];
          (*known)[j] = true;
        } else if (options_.absent_column ==
                   RowDecoderOptions::AbsentColumn::kNull) {
          (*values)[j] = Value::Null(t.type);
        } else {
          return absl::FailedPreconditionError(fmt::format(
              "{} is absent from a row image (binlog_row_image is MINIMAL or "
              "NOBLOB); set binlog_row_image = FULL on the server",
              Describe(map_, t)));
        }
        continue;
      }
      (*known)[j] = true;
      if (c->null) {
        (*values)[j] = Value::Null(t.type);
        continue;
      }
      absl::StatusOr<Value> v = decoder.Decode(t, c->bytes);
      if (!v.ok()) return v.status();
      (*values)[j] = std::move(*v);
    }
    return absl::OkStatus();
  };

  std::vector<Value> before, after;
  std::vector<bool> before_known, after_known;
  while (r.remaining() > 0) {
    switch (rows.kind) {
      case RowsKind::kWrite: {
        absl::Status s = read_image(rows.columns_after);
        if (s.ok()) s = to_values(&after, nullptr, nullptr, &after_known);
        if (!s.ok()) return s;
        out->AppendRow(after, types::ChangeKind::kInsert);
        break;
      }
      case RowsKind::kDelete: {
        absl::Status s = read_image(rows.columns_before);
        if (s.ok()) s = to_values(&before, nullptr, nullptr, &before_known);
        if (!s.ok()) return s;
        out->AppendRow(before, types::ChangeKind::kDelete);
        break;
      }
      case RowsKind::kUpdate: {
        absl::Status s = read_image(rows.columns_before);
        if (s.ok()) s = to_values(&before, nullptr, nullptr, &before_known);
        if (s.ok()) s = read_image(rows.columns_after);
        if (s.ok()) s = to_values(&after, &before, &before_known, &after_known);
        if (!s.ok()) return s;
        out->AppendRow(before, types::ChangeKind::kUpdateBefore);
        out->AppendRow(after, types::ChangeKind::kUpdateAfter);
        break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace weir::connectors::mysql
