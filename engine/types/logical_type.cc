#include "engine/types/logical_type.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "engine/base/check.h"

namespace weir::types {

absl::StatusOr<LogicalType> LogicalType::Decimal(int precision, int scale) {
  if (precision < 1 || precision > kMaxDecimalPrecision) {
    return absl::InvalidArgumentError(
        fmt::format("DECIMAL precision must be between 1 and {}, got {}",
                    kMaxDecimalPrecision, precision));
  }
  if (scale < 0 || scale > precision) {
    return absl::InvalidArgumentError(fmt::format(
        "DECIMAL scale must be between 0 and the precision ({}), got {}",
        precision, scale));
  }
  return LogicalType(TypeId::kDecimal, static_cast<uint8_t>(precision),
                     static_cast<uint8_t>(scale));
}

absl::StatusOr<LogicalType> LogicalType::Timestamp(int precision) {
  if (precision < 0 || precision > kMaxTimestampPrecision) {
    return absl::InvalidArgumentError(
        fmt::format("TIMESTAMP precision must be between 0 and {}, got {}",
                    kMaxTimestampPrecision, precision));
  }
  return LogicalType(TypeId::kTimestamp, static_cast<uint8_t>(precision));
}

LogicalType LogicalType::DecimalOrDie(int precision, int scale) {
  auto t = Decimal(precision, scale);
  WEIR_CHECK_MSG(t.ok(), "invalid DECIMAL parameters");
  return *t;
}

LogicalType LogicalType::TimestampOrDie(int precision) {
  auto t = Timestamp(precision);
  WEIR_CHECK_MSG(t.ok(), "invalid TIMESTAMP precision");
  return *t;
}

std::string LogicalType::ToString() const {
  switch (id_) {
    case TypeId::kNull:
      return "NULL";
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInt:
      return "INT";
    case TypeId::kBigint:
      return "BIGINT";
    case TypeId::kDouble:
      return "DOUBLE";
    case TypeId::kDecimal:
      return fmt::format("DECIMAL({}, {})", precision_, scale_);
    case TypeId::kVarchar:
      return "VARCHAR";
    case TypeId::kBytes:
      return "BYTES";
    case TypeId::kDate:
      return "DATE";
    case TypeId::kTime:
      return "TIME";
    case TypeId::kTimestamp:
      return fmt::format("TIMESTAMP({})", precision_);
    case TypeId::kInterval:
      return "INTERVAL";
  }
  return "?";
}

LogicalType AsDecimal(const LogicalType& type) {
  if (type.id() == TypeId::kInt) return LogicalType::DecimalOrDie(10, 0);
  if (type.id() == TypeId::kBigint) return LogicalType::DecimalOrDie(19, 0);
  return type;
}

bool CanImplicitlyCast(const LogicalType& from, const LogicalType& to) {
  if (from == to || from.IsNull()) return true;
  switch (from.id()) {
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDecimal: {
      if (to.id() == TypeId::kDouble) return true;
      if (to.id() == TypeId::kBigint) return from.id() == TypeId::kInt;
      if (to.id() != TypeId::kDecimal) return false;
      LogicalType d = AsDecimal(from);
      return to.scale() >= d.scale() &&
             to.precision() - to.scale() >= d.precision() - d.scale();
    }
    case TypeId::kDate:
      return to.id() == TypeId::kTimestamp;
    case TypeId::kTimestamp:
      return to.id() == TypeId::kTimestamp &&
             to.precision() >= from.precision();
    default:
      return false;
  }
}

bool CanExplicitlyCast(const LogicalType& from, const LogicalType& to) {
  if (CanImplicitlyCast(from, to)) return true;
  if (to.IsNull()) return false;
  if (to.IsString()) return true;  // everything has a text form
  switch (from.id()) {
    case TypeId::kBoolean:
      return to.IsInteger();
    case TypeId::kInt:
    case TypeId::kBigint:
      return to.IsNumeric() || to.id() == TypeId::kBoolean;
    case TypeId::kDouble:
    case TypeId::kDecimal:
      return to.IsNumeric();
    case TypeId::kVarchar:
      return to.id() != TypeId::kInterval;
    case TypeId::kBytes:
      return false;
    case TypeId::kDate:
      return to.id() == TypeId::kTimestamp;
    case TypeId::kTimestamp:
      return to.id() == TypeId::kDate || to.id() == TypeId::kTime ||
             to.id() == TypeId::kTimestamp;
    default:
      return false;
  }
}

std::optional<LogicalType> CommonSuperType(const LogicalType& a,
                                           const LogicalType& b) {
  if (a == b) return a;
  if (a.IsNull()) return b;
  if (b.IsNull()) return a;
  if (a.IsNumeric() && b.IsNumeric()) {
    if (a.id() == TypeId::kDouble || b.id() == TypeId::kDouble) {
      return LogicalType::Double();
    }
    if (a.IsInteger() && b.IsInteger()) return LogicalType::Bigint();
    LogicalType da = AsDecimal(a), db = AsDecimal(b);
    int scale = std::max(da.scale(), db.scale());
    int int_digits =
        std::max(da.precision() - da.scale(), db.precision() - db.scale());
    int precision =
        std::min(LogicalType::kMaxDecimalPrecision, int_digits + scale);
    return LogicalType::DecimalOrDie(precision, scale);
  }
  bool a_ts = a.id() == TypeId::kTimestamp, b_ts = b.id() == TypeId::kTimestamp;
  if ((a_ts || a.id() == TypeId::kDate) && (b_ts || b.id() == TypeId::kDate)) {
    int p = std::max(a_ts ? a.precision() : 0, b_ts ? b.precision() : 0);
    return LogicalType::TimestampOrDie(p);
  }
  return std::nullopt;
}

}  // namespace weir::types
