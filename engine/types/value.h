#pragma once

// Scalar SQL values: literals in plans, constant folding, pull-query
// results. The streaming hot path uses columnar batches, not Value.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "engine/types/logical_type.h"

namespace weir::types {

/// An INTERVAL value: a month part (YEAR TO MONTH) and a microsecond part
/// (DAY TO SECOND). Windows and watermarks use only the microsecond part.
struct IntervalValue {
  int32_t months = 0;
  int64_t micros = 0;
  friend bool operator==(const IntervalValue&, const IntervalValue&) = default;
};

/// Three-valued logic: SQL booleans are TRUE, FALSE or UNKNOWN (NULL).
enum class Tribool : uint8_t { kFalse, kTrue, kUnknown };
Tribool And(Tribool a, Tribool b);  // FALSE wins over UNKNOWN
Tribool Or(Tribool a, Tribool b);   // TRUE wins over UNKNOWN
Tribool Not(Tribool a);             // NOT UNKNOWN is UNKNOWN

/// A typed, possibly NULL scalar. Representation per type:
///   BOOLEAN bool; INT, BIGINT int64_t; DOUBLE double; DECIMAL __int128
///   unscaled (value = unscaled / 10^scale); VARCHAR, BYTES std::string;
///   DATE int64_t days; TIME int64_t micros of day; TIMESTAMP int64_t micros
///   since epoch; INTERVAL IntervalValue.
class Value {
 public:
  Value() = default;  // NULL of type NULL

  static Value Null(LogicalType type);
  static Value Boolean(bool v);
  static Value Int(int32_t v);
  static Value Bigint(int64_t v);
  static Value Double(double v);
  /// DECIMAL with `unscaled` / 10^type.scale(); type must be DECIMAL.
  static Value Decimal(__int128 unscaled, LogicalType type);
  static Value Varchar(std::string v);
  static Value Bytes(std::string v);
  static Value Date(int64_t days);
  static Value Time(int64_t micros);
  static Value Timestamp(int64_t micros, int precision);
  static Value Interval(IntervalValue v);

  const LogicalType& type() const { return type_; }
  bool is_null() const { return is_null_; }

  bool boolean() const { return std::get<bool>(data_); }
  int64_t integer() const {
    return std::get<int64_t>(data_);
  }  // INT..TIMESTAMP
  double dbl() const { return std::get<double>(data_); }
  __int128 decimal() const { return std::get<__int128>(data_); }
  const std::string& str() const { return std::get<std::string>(data_); }
  IntervalValue interval() const { return std::get<IntervalValue>(data_); }

  /// NULL -> kUnknown; requires a BOOLEAN (or NULL-typed) value.
  Tribool AsTribool() const;

  /// How the value is shown to a user in results and EXPLAIN: numbers as
  /// written, DECIMAL with exactly `scale` digits, strings unquoted,
  /// TIMESTAMP(3) as "2026-01-01 00:00:00.000", NULL as "NULL".
  std::string ToString() const;
  /// As a SQL literal that parses back to the same value: strings quoted
  /// with '' escaping, TIMESTAMP '...', INTERVAL '...' SECOND, etc.
  std::string ToSqlLiteral() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  /// A non-NULL value of `type` holding `data` (the representation above).
  template <typename T>
  static Value NonNull(LogicalType type, T data);

  LogicalType type_;
  bool is_null_ = true;
  std::variant<std::monostate, bool, int64_t, double, __int128, std::string,
               IntervalValue>
      data_;
};

// ---- Literal parsing and formatting (user errors as InvalidArgument). ----

/// "123.450" -> DECIMAL(6, 3) with unscaled 123450; "1e3" is not a decimal.
absl::StatusOr<Value> ParseDecimalLiteral(std::string_view text);
/// An integer literal: INT when it fits in 32 bits, else BIGINT, else
/// DECIMAL(38, 0) when it fits in 38 digits, else an error.
absl::StatusOr<Value> ParseIntegerLiteral(std::string_view text);
/// "2026-01-31" -> days since epoch.
absl::StatusOr<int64_t> ParseDate(std::string_view text);
/// "12:34:56[.ffffff]" -> micros of day.
absl::StatusOr<int64_t> ParseTime(std::string_view text);
/// "2026-01-31 12:34:56[.ffffff]" (also 'T' separator, or a date alone)
/// -> micros since epoch; more fractional digits than 6 is an error.
absl::StatusOr<int64_t> ParseTimestamp(std::string_view text);
/// The fields of an INTERVAL literal's qualifier, largest first.
enum class IntervalField { kYear, kMonth, kDay, kHour, kMinute, kSecond };
/// The text of INTERVAL 'text' from [TO to]: an optional sign, then one
/// number per field from `from` to `to`, separated as SQL writes them
/// ('1-6' YEAR TO MONTH, '1 02:03:04.5' DAY TO SECOND, '2 03' DAY TO HOUR,
/// '02:03' HOUR TO MINUTE, '90' MINUTE); only SECOND, as the last field,
/// may have a fraction (up to 6 digits). `negative` is a '-' written before
/// the quoted text; it and a sign inside combine. Surrounding blanks are
/// ignored, anything else is an error: InvalidArgument "invalid INTERVAL
/// literal '...'" (YEAR/MONTH and DAY..SECOND fields do not mix), or
/// OutOfRange when the months do not fit 32 bits or the microseconds 64.
absl::StatusOr<IntervalValue> ParseIntervalLiteral(std::string_view text,
                                                   bool negative,
                                                   IntervalField from,
                                                   IntervalField to);
std::string FormatDate(int64_t days);
std::string FormatTime(int64_t micros, int precision);
std::string FormatTimestamp(int64_t micros, int precision);
/// FormatDate and FormatTimestamp appending to `out` (no allocation once
/// `out` has grown: results stream to a client cell by cell).
void AppendDateText(int64_t days, std::string* out);
void AppendTimestampText(int64_t micros, int precision, std::string* out);
/// "123.45" for unscaled 12345, scale 2.
std::string FormatDecimal(__int128 unscaled, int scale);

/// CAST(value AS target) on one value, with SQL semantics: NULL stays NULL;
/// numeric overflow, bad text and lossy DECIMAL rounding beyond the target's
/// precision are errors (OutOfRange / InvalidArgument); DECIMAL scale
/// reduction rounds half away from zero.
absl::StatusOr<Value> CastValue(const Value& value, const LogicalType& target);

/// SQL comparison of two non-NULL values of types with a common super type:
/// <0, 0, >0. Returns an error for incomparable types.
absl::StatusOr<int> CompareValues(const Value& a, const Value& b);

}  // namespace weir::types
