#include "engine/types/batch.h"

#include <charconv>
#include <utility>

namespace weir::types {

const char* ChangeKindSymbol(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kInsert:
      return "+I";
    case ChangeKind::kDelete:
      return "-D";
    case ChangeKind::kUpdateBefore:
      return "-U";
    case ChangeKind::kUpdateAfter:
      return "+U";
  }
  return "?";
}

PhysicalType PhysicalTypeOf(const LogicalType& type) {
  switch (type.id()) {
    case TypeId::kNull:
      return PhysicalType::kNull;
    case TypeId::kBoolean:
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      return PhysicalType::kInt64;
    case TypeId::kDouble:
      return PhysicalType::kDouble;
    case TypeId::kDecimal:
      return PhysicalType::kInt128;
    case TypeId::kVarchar:
    case TypeId::kBytes:
      return PhysicalType::kString;
    case TypeId::kInterval:
      return PhysicalType::kInterval;
  }
  return PhysicalType::kNull;
}

// ------------------------------------------------------------------ Column

Column::Column(LogicalType type)
    : type_(type), physical_(PhysicalTypeOf(type)) {}

void Column::Clear() { Resize(0); }

void Column::Reserve(size_t n) {
  switch (physical_) {
    case PhysicalType::kInt64:
      ints_.reserve(n);
      break;
    case PhysicalType::kDouble:
      doubles_.reserve(n);
      break;
    case PhysicalType::kInt128:
      decimals_.reserve(n);
      break;
    case PhysicalType::kString:
      if (packed_) {
        ends_.reserve(n);
      } else {
        strings_.reserve(n);
      }
      break;
    case PhysicalType::kInterval:
      intervals_.reserve(n);
      break;
    case PhysicalType::kNull:
      break;
  }
}

void Column::Resize(size_t n) {
  size_t old = size_;
  switch (physical_) {
    case PhysicalType::kInt64:
      ints_.resize(n);
      break;
    case PhysicalType::kDouble:
      doubles_.resize(n);
      break;
    case PhysicalType::kInt128:
      decimals_.resize(n);
      break;
    case PhysicalType::kString:
      if (n == 0) {
        // An empty column starts packed again, keeping the capacity.
        packed_ = true;
        strings_.clear();
        bytes_.clear();
        ends_.clear();
      } else if (packed_) {
        ends_.resize(n, ends_.empty() ? 0 : ends_.back());
        bytes_.resize(ends_.back());
      } else {
        strings_.resize(n);
      }
      break;
    case PhysicalType::kInterval:
      intervals_.resize(n);
      break;
    case PhysicalType::kNull:
      break;
  }
  size_ = n;
  if (n == 0) {
    nulls_.clear();
    return;
  }
  if (n > old) {
    GrowNulls();
    for (size_t i = old; i < n; ++i) nulls_[i] = 1;
  } else if (!nulls_.empty()) {
    nulls_.resize(n);
  }
}

void Column::SetLastString(std::string_view v) {
  WEIR_CHECK(size_ > 0);
  if (!packed_) {
    strings_.back().assign(v.data(), v.size());
    return;
  }
  bytes_.resize(size_ == 1 ? 0 : ends_[size_ - 2]);
  bytes_.append(v);
  ends_.back() = bytes_.size();
}

std::string* Column::strings() {
  if (packed_ && physical_ == PhysicalType::kString) Unpack();
  return strings_.data();
}

void Column::Unpack() {
  strings_.clear();
  strings_.reserve(size_);
  for (size_t r = 0; r < size_; ++r) strings_.emplace_back(StringAt(r));
  packed_ = false;
  bytes_.clear();
  ends_.clear();
}

void Column::GrowNulls() {
  if (nulls_.size() < size_) nulls_.resize(size_, 0);
}

void Column::SetNull(size_t row, bool is_null) {
  if (!is_null && nulls_.empty()) return;
  GrowNulls();
  nulls_[row] = is_null ? 1 : 0;
}

void Column::AppendNull() {
  switch (physical_) {
    case PhysicalType::kInt64:
      ints_.push_back(0);
      break;
    case PhysicalType::kDouble:
      doubles_.push_back(0);
      break;
    case PhysicalType::kInt128:
      decimals_.push_back(0);
      break;
    case PhysicalType::kString:
      if (packed_) {
        ends_.push_back(bytes_.size());
      } else {
        strings_.emplace_back();
      }
      break;
    case PhysicalType::kInterval:
      intervals_.push_back({});
      break;
    case PhysicalType::kNull:
      break;
  }
  ++size_;
  // Usually the flags are already there for the rows before (a decoder
  // appends NULL rows of unread columns one by one): one push_back.
  if (nulls_.size() + 1 == size_) {
    nulls_.push_back(1);
    return;
  }
  GrowNulls();
  nulls_[size_ - 1] = 1;
}

#define WEIR_APPEND_(vec, value)              \
  do {                                        \
    vec.push_back(value);                     \
    ++size_;                                  \
    if (!nulls_.empty()) nulls_.push_back(0); \
  } while (false)

void Column::AppendInt(int64_t v) { WEIR_APPEND_(ints_, v); }
void Column::AppendDouble(double v) { WEIR_APPEND_(doubles_, v); }
void Column::AppendDecimal(__int128 v) { WEIR_APPEND_(decimals_, v); }
void Column::AppendString(std::string v) {
  if (packed_ && size_ != 0) {
    AppendBytes(v);
    return;
  }
  packed_ = false;
  WEIR_APPEND_(strings_, std::move(v));
}
void Column::AppendBytes(std::string_view v) {
  if (!packed_) {
    WEIR_APPEND_(strings_, std::string(v));
    return;
  }
  bytes_.append(v);
  WEIR_APPEND_(ends_, bytes_.size());
}
void Column::AppendInterval(IntervalValue v) { WEIR_APPEND_(intervals_, v); }

#undef WEIR_APPEND_

void Column::Append(const Value& v) {
  if (v.is_null() || physical_ == PhysicalType::kNull) {
    AppendNull();
    return;
  }
  WEIR_CHECK(PhysicalTypeOf(v.type()) == physical_);
  switch (physical_) {
    case PhysicalType::kInt64:
      AppendInt(v.type().id() == TypeId::kBoolean ? (v.boolean() ? 1 : 0)
                                                  : v.integer());
      break;
    case PhysicalType::kDouble:
      AppendDouble(v.dbl());
      break;
    case PhysicalType::kInt128:
      AppendDecimal(v.decimal());
      break;
    case PhysicalType::kString:
      AppendString(v.str());
      break;
    case PhysicalType::kInterval:
      AppendInterval(v.interval());
      break;
    case PhysicalType::kNull:
      break;
  }
}

std::string Column::CellText(size_t row) const {
  std::string out;
  AppendCellText(row, &out);
  return out;
}

void Column::AppendCellText(size_t row, std::string* out) const {
  if (physical_ == PhysicalType::kNull || IsNull(row)) {
    out->append("NULL");
    return;
  }
  switch (type_.id()) {
    case TypeId::kVarchar:
      out->append(StringAt(row));
      return;
    case TypeId::kInt:
    case TypeId::kBigint: {
      char digits[24];
      const auto [end, ec] =
          std::to_chars(digits, digits + sizeof digits, ints_[row]);
      out->append(digits, end);
      return;
    }
    case TypeId::kBoolean:
      out->append(ints_[row] != 0 ? "TRUE" : "FALSE");
      return;
    case TypeId::kDate:
      AppendDateText(ints_[row], out);
      return;
    case TypeId::kTimestamp:
      AppendTimestampText(ints_[row], type_.precision(), out);
      return;
    default:
      out->append(GetValue(row).ToString());
      return;
  }
}

Value Column::GetValue(size_t row) const {
  if (physical_ == PhysicalType::kNull || IsNull(row))
    return Value::Null(type_);
  switch (type_.id()) {
    case TypeId::kBoolean:
      return Value::Boolean(ints_[row] != 0);
    case TypeId::kInt:
      return Value::Int(static_cast<int32_t>(ints_[row]));
    case TypeId::kBigint:
      return Value::Bigint(ints_[row]);
    case TypeId::kDate:
      return Value::Date(ints_[row]);
    case TypeId::kTime:
      return Value::Time(ints_[row]);
    case TypeId::kTimestamp:
      return Value::Timestamp(ints_[row], type_.precision());
    case TypeId::kDouble:
      return Value::Double(doubles_[row]);
    case TypeId::kDecimal:
      return Value::Decimal(decimals_[row], type_);
    case TypeId::kVarchar:
      return Value::Varchar(std::string(StringAt(row)));
    case TypeId::kBytes:
      return Value::Bytes(std::string(StringAt(row)));
    case TypeId::kInterval:
      return Value::Interval(intervals_[row]);
    case TypeId::kNull:
      break;
  }
  return Value::Null(type_);
}

// ------------------------------------------------------------------- Batch

Batch::Batch(std::shared_ptr<const Schema> schema)
    : schema_(std::move(schema)) {
  columns_.reserve(schema_->size());
  for (const Field& f : schema_->fields()) columns_.emplace_back(f.type);
}

void Batch::SetChange(size_t row, ChangeKind kind) {
  if (changes_.empty()) {
    if (kind == ChangeKind::kInsert) return;
    changes_.assign(num_rows_, ChangeKind::kInsert);
  }
  changes_[row] = kind;
}

void Batch::SetSelection(SelectionVector selection) {
  selection_ = std::move(selection);
  has_selection_ = true;
}

void Batch::ClearSelection() {
  selection_.clear();
  has_selection_ = false;
}

void Batch::AppendRow(const std::vector<Value>& row, ChangeKind kind) {
  WEIR_CHECK(row.size() == columns_.size());
  WEIR_CHECK(!has_selection_);
  for (size_t i = 0; i < row.size(); ++i) columns_[i].Append(row[i]);
  ++num_rows_;
  if (kind != ChangeKind::kInsert || !changes_.empty()) {
    changes_.resize(num_rows_ - 1, ChangeKind::kInsert);
    changes_.push_back(kind);
  }
}

void Batch::SetNumRows(size_t n) {
  for (const Column& c : columns_) WEIR_CHECK(c.size() == n);
  num_rows_ = n;
  if (!changes_.empty()) changes_.resize(n, ChangeKind::kInsert);
}

void Batch::Clear() {
  for (Column& c : columns_) c.Clear();
  num_rows_ = 0;
  changes_.clear();
  ClearSelection();
}

std::vector<std::vector<Value>> Batch::ToRows() const {
  std::vector<std::vector<Value>> rows;
  auto add = [&](size_t r) {
    std::vector<Value> row;
    row.reserve(columns_.size());
    for (const Column& c : columns_) row.push_back(c.GetValue(r));
    rows.push_back(std::move(row));
  };
  if (has_selection_) {
    for (uint32_t r : selection_) add(r);
  } else {
    for (size_t r = 0; r < num_rows_; ++r) add(r);
  }
  return rows;
}

Batch Batch::Compact() const {
  Batch out(schema_);
  auto copy_row = [&](size_t r) {
    for (size_t c = 0; c < columns_.size(); ++c)
      out.columns_[c].Append(columns_[c].GetValue(r));
    ++out.num_rows_;
    if (!changes_.empty()) out.changes_.push_back(changes_[r]);
  };
  if (has_selection_) {
    for (uint32_t r : selection_) copy_row(r);
  } else {
    for (size_t r = 0; r < num_rows_; ++r) copy_row(r);
  }
  return out;
}

}  // namespace weir::types
