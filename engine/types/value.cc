// Value: three-valued logic, construction and comparison. Text is in
// value_format.cc (ToString, literals), value_parse.cc (literals and
// DATE/TIME/TIMESTAMP/INTERVAL text) and value_cast.cc (CastValue).

#include "engine/types/value.h"

#include <fmt/format.h>

#include <cmath>
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
