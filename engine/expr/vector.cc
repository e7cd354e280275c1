#include "engine/expr/vector.h"

#include <utility>

namespace weir::expr::internal {

using types::IntervalValue;
using types::LogicalType;
using types::PhysicalType;
using types::TypeId;
using types::Value;

void Vec::AllocateValues(size_t n) {
  switch (physical) {
    case PhysicalType::kInt64:
      Allocate<int64_t>(n);
      break;
    case PhysicalType::kDouble:
      Allocate<double>(n);
      break;
    case PhysicalType::kInt128:
      Allocate<int128>(n);
      break;
    case PhysicalType::kString:
      Allocate<std::string>(n);
      break;
    case PhysicalType::kInterval:
      Allocate<IntervalValue>(n);
      break;
    case PhysicalType::kNull:
      break;
  }
}

uint8_t* Vec::AllocateAll(size_t n) {
  if (physical == PhysicalType::kNull) return nullptr;
  AllocateValues(n);
  return AllocateNulls(n);
}

Value ValueAt(const Vec& v, size_t r) {
  if (v.IsNull(r)) return Value::Null(v.type);
  size_t i = v.Index(r);
  switch (v.type.id()) {
    case TypeId::kBoolean:
      return Value::Boolean(v.Data<int64_t>()[i] != 0);
    case TypeId::kInt:
      return Value::Int(static_cast<int32_t>(v.Data<int64_t>()[i]));
    case TypeId::kBigint:
      return Value::Bigint(v.Data<int64_t>()[i]);
    case TypeId::kDate:
      return Value::Date(v.Data<int64_t>()[i]);
    case TypeId::kTime:
      return Value::Time(v.Data<int64_t>()[i]);
    case TypeId::kTimestamp:
      return Value::Timestamp(v.Data<int64_t>()[i], v.type.precision());
    case TypeId::kDouble:
      return Value::Double(v.Data<double>()[i]);
    case TypeId::kDecimal:
      return Value::Decimal(v.Data<int128>()[i], v.type);
    case TypeId::kVarchar:
      return Value::Varchar(v.Data<std::string>()[i]);
    case TypeId::kBytes:
      return Value::Bytes(v.Data<std::string>()[i]);
    case TypeId::kInterval:
      return Value::Interval(v.Data<IntervalValue>()[i]);
    case TypeId::kNull:
      break;
  }
  return Value::Null(v.type);
}

void StoreValue(Vec* out, size_t r, Value value) {
  if (out->physical == PhysicalType::kNull) return;
  if (value.is_null()) {
    out->null_buf[r] = 1;
    return;
  }
  switch (out->physical) {
    case PhysicalType::kInt64:
      out->ints[r] = value.type().id() == TypeId::kBoolean
                         ? (value.boolean() ? 1 : 0)
                         : value.integer();
      break;
    case PhysicalType::kDouble:
      out->doubles[r] = value.dbl();
      break;
    case PhysicalType::kInt128:
      out->decimals[r] = value.decimal();
      break;
    case PhysicalType::kString:
      out->strings[r] = value.str();
      break;
    case PhysicalType::kInterval:
      out->intervals[r] = value.interval();
      break;
    case PhysicalType::kNull:
      break;
  }
}

void SetConstant(Vec* out, const LogicalType& type, const Value& value) {
  out->Init(type);
  if (out->physical == PhysicalType::kNull) return;
  out->AllocateAll(1);
  StoreValue(out, 0, value);
  out->constant = true;
  if (!value.is_null()) out->nulls = nullptr;
}

void CopyRows(Vec& src, Rows rows, Vec* dst) {
  if (dst->physical == PhysicalType::kNull) return;
  uint8_t* nulls = dst->null_buf.data();
  auto copy = [&](auto* to, const auto* from, bool move) {
    for (uint32_t r : rows) {
      nulls[r] = src.IsNull(r) ? 1 : 0;
      if (nulls[r]) {
        continue;
      } else if (move) {
        to[r] = std::move(
            const_cast<std::remove_const_t<
                std::remove_reference_t<decltype(from[0])>>&>(from[r]));
      } else {
        to[r] = from[src.Index(r)];
      }
    }
  };
  switch (dst->physical) {
    case PhysicalType::kInt64:
      copy(dst->ints.data(), src.Data<int64_t>(), false);
      break;
    case PhysicalType::kDouble:
      copy(dst->doubles.data(), src.Data<double>(), false);
      break;
    case PhysicalType::kInt128:
      copy(dst->decimals.data(), src.Data<int128>(), false);
      break;
    case PhysicalType::kString:
      copy(dst->strings.data(), src.Data<std::string>(), src.OwnsStrings());
      break;
    case PhysicalType::kInterval:
      copy(dst->intervals.data(), src.Data<IntervalValue>(), false);
      break;
    case PhysicalType::kNull:
      break;
  }
}

const uint8_t* PropagateNulls(std::span<const Vec> args, Rows rows,
                              size_t num_rows, Vec* out) {
  bool any = false;
  for (const Vec& a : args) any = any || a.nulls != nullptr;
  if (!any) {
    out->nulls = nullptr;
    return nullptr;
  }
  uint8_t* nulls = out->AllocateNulls(num_rows);
  for (const Vec& a : args) {
    if (a.nulls == nullptr) continue;
    if (a.constant) {
      if (a.nulls[0]) {
        for (uint32_t r : rows) nulls[r] = 1;
      }
    } else {
      for (uint32_t r : rows) nulls[r] |= a.nulls[r];
    }
  }
  return nulls;
}

}  // namespace weir::expr::internal
