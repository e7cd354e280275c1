#pragma once

// Logical types of Weir's SQL dialect and the rules that relate them
// (implicit casts, common super types). Physical layout lives with the
// columnar batches; this header is about what a user can declare.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace weir::types {

enum class TypeId : uint8_t {
  kNull,  // the type of a bare NULL literal; casts to anything implicitly
  kBoolean,
  kInt,        // 32-bit signed
  kBigint,     // 64-bit signed
  kDouble,     // IEEE 754 binary64
  kDecimal,    // exact, precision 1..38, scale 0..precision, 128-bit unscaled
  kVarchar,    // UTF-8 text, no length limit enforced
  kBytes,      // raw bytes
  kDate,       // days since 1970-01-01
  kTime,       // microseconds since midnight
  kTimestamp,  // microseconds since 1970-01-01 00:00:00 (no time zone),
               // precision 0..6 fractional digits
  kInterval,   // months + microseconds
};

/// A SQL type with its parameters (DECIMAL precision/scale, TIMESTAMP
/// precision). A cheap value type.
class LogicalType {
 public:
  static constexpr int kMaxDecimalPrecision = 38;
  static constexpr int kMaxTimestampPrecision = 6;
  static constexpr int kDefaultTimestampPrecision = 3;

  constexpr LogicalType() = default;

  static constexpr LogicalType Null() { return LogicalType(TypeId::kNull); }
  static constexpr LogicalType Boolean() {
    return LogicalType(TypeId::kBoolean);
  }
  static constexpr LogicalType Int() { return LogicalType(TypeId::kInt); }
  static constexpr LogicalType Bigint() { return LogicalType(TypeId::kBigint); }
  static constexpr LogicalType Double() { return LogicalType(TypeId::kDouble); }
  static constexpr LogicalType Varchar() {
    return LogicalType(TypeId::kVarchar);
  }
  static constexpr LogicalType Bytes() { return LogicalType(TypeId::kBytes); }
  static constexpr LogicalType Date() { return LogicalType(TypeId::kDate); }
  static constexpr LogicalType Time() { return LogicalType(TypeId::kTime); }
  static constexpr LogicalType Interval() {
    return LogicalType(TypeId::kInterval);
  }

  /// DECIMAL(p, s); a user error (InvalidArgument) when out of range.
  static absl::StatusOr<LogicalType> Decimal(int precision, int scale);
  /// TIMESTAMP(p); a user error when p is not in 0..6.
  static absl::StatusOr<LogicalType> Timestamp(int precision);
  /// For parameters already known to be valid (WEIR_CHECKed).
  static LogicalType DecimalOrDie(int precision, int scale);
  static LogicalType TimestampOrDie(int precision = kDefaultTimestampPrecision);

  TypeId id() const { return id_; }
  int precision() const { return precision_; }
  int scale() const { return scale_; }

  bool IsNull() const { return id_ == TypeId::kNull; }
  bool IsInteger() const {
    return id_ == TypeId::kInt || id_ == TypeId::kBigint;
  }
  bool IsNumeric() const {
    return IsInteger() || id_ == TypeId::kDouble || id_ == TypeId::kDecimal;
  }
  bool IsString() const { return id_ == TypeId::kVarchar; }
  bool IsTemporal() const {
    return id_ == TypeId::kDate || id_ == TypeId::kTime ||
           id_ == TypeId::kTimestamp;
  }

  /// The SQL spelling: "BIGINT", "DECIMAL(10, 2)", "TIMESTAMP(3)".
  std::string ToString() const;

  friend bool operator==(const LogicalType& a, const LogicalType& b) {
    return a.id_ == b.id_ && a.precision_ == b.precision_ &&
           a.scale_ == b.scale_;
  }

 private:
  constexpr explicit LogicalType(TypeId id, uint8_t p = 0, uint8_t s = 0)
      : id_(id), precision_(p), scale_(s) {}

  TypeId id_ = TypeId::kNull;
  uint8_t precision_ = 0;
  uint8_t scale_ = 0;
};

/// The DECIMAL that holds every value of an integer type exactly:
/// INT -> DECIMAL(10, 0), BIGINT -> DECIMAL(19, 0); other types unchanged.
LogicalType AsDecimal(const LogicalType& type);

/// True when a value of `from` may be used where `to` is expected without an
/// explicit CAST: NULL to anything; INT -> BIGINT -> DECIMAL -> DOUBLE along
/// the numeric ladder (never losing integer digits); DECIMAL widening;
/// DATE -> TIMESTAMP; TIMESTAMP(p) -> TIMESTAMP(q) with q >= p.
bool CanImplicitlyCast(const LogicalType& from, const LogicalType& to);

/// True when CAST(from AS to) is allowed at all (it may still fail at run
/// time on a value, e.g. CAST('abc' AS INT)).
bool CanExplicitlyCast(const LogicalType& from, const LogicalType& to);

/// The narrowest type both `a` and `b` implicitly cast to, used for
/// comparisons, CASE branches, IN lists, COALESCE and UNION columns.
/// nullopt when there is none (e.g. VARCHAR and INT).
std::optional<LogicalType> CommonSuperType(const LogicalType& a,
                                           const LogicalType& b);

}  // namespace weir::types
