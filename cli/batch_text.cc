#include "cli/batch_text.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "cli/table_printer.h"
#include "engine/types/value.h"

namespace weir::cli {
namespace {

using types::Column;
using types::TypeId;

constexpr std::string_view kNull = "NULL";
constexpr std::string_view kSeparator = " | ";

// True for the types whose text (Column::AppendCellText) is digits, signs,
// letters, '.', ':' and spaces only: nothing AppendEscapedCell would change.
bool TextNeedsNoEscape(TypeId id) {
  switch (id) {
    case TypeId::kBoolean:
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDouble:
    case TypeId::kDecimal:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      return true;
    default:
      return false;
  }
}

// A packed VARCHAR column without NULLs whose bytes, all rows together,
// need no escape: its cells are its own bytes. Empty otherwise.
std::string_view PlainPackedBytes(const Column& column, size_t rows) {
  if (rows == 0 || column.type().id() != TypeId::kVarchar ||
      column.string_objects() != nullptr || column.MayHaveNulls()) {
    return {};
  }
  // Packed rows lie back to back in one buffer (batch.h).
  const char* begin = column.StringAt(0).data();
  const std::string_view last = column.StringAt(rows - 1);
  const std::string_view all(
      begin, static_cast<size_t>(last.data() + last.size() - begin));
  if (!IsPlainCell(all)) return {};
  return all;
}

char* PutTwoDigits(char* p, int64_t v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// The cells of a TIMESTAMP column as types::AppendTimestampText writes
// them ("YYYY-MM-DD HH:MM:SS", then the first `precision` digits of the
// microseconds), each made in a buffer and appended once. The date's text
// is kept while neighbouring rows share their day, as they mostly do.
void AppendTimestampCells(const Column& column, size_t rows, bool nulls,
                          std::string* out, size_t* ends) {
  constexpr int64_t kMicrosPerSecond = 1000000;
  constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
  constexpr int64_t kPowersOfTen[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  const int precision = std::min(column.type().precision(), 6);
  const int64_t* values = column.ints();
  int64_t day = INT64_MIN;
  std::string date;
  char buffer[64];  // the date, then " HH:MM:SS.ffffff"
  for (size_t r = 0; r < rows; ++r) {
    if (nulls && column.IsNull(r)) {
      out->append(kNull);
      ends[r] = out->size();
      continue;
    }
    int64_t d = values[r] / kMicrosPerDay;
    int64_t rest = values[r] % kMicrosPerDay;
    if (rest < 0) {  // floored: the time of day is never negative
      rest += kMicrosPerDay;
      --d;
    }
    if (d != day) {
      date.clear();
      types::AppendDateText(d, &date);
      // At most "-292277-01-10": an int64 of microseconds is +-292277 years.
      WEIR_CHECK(date.size() <= 32);
      day = d;
    }
    std::memcpy(buffer, date.data(), date.size());
    char* p = buffer + date.size();
    const int64_t seconds = rest / kMicrosPerSecond;
    *p++ = ' ';
    p = PutTwoDigits(p, seconds / 3600);
    *p++ = ':';
    p = PutTwoDigits(p, seconds / 60 % 60);
    *p++ = ':';
    p = PutTwoDigits(p, seconds % 60);
    if (precision > 0) {
      *p++ = '.';
      int64_t fraction =
          rest % kMicrosPerSecond / kPowersOfTen[6 - precision];
      for (int i = precision - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
      }
      p += precision;
    }
    out->append(buffer, static_cast<size_t>(p - buffer));
    ends[r] = out->size();
  }
}

}  // namespace

void BatchTextWriter::MakeColumnText(const Column& column, size_t rows,
                                     ColumnText* text) {
  text->ends.resize(rows);
  size_t* ends = text->ends.data();
  if (const std::string_view all = PlainPackedBytes(column, rows);
      !all.empty()) {
    text->data = all.data();
    for (size_t r = 0; r < rows; ++r) {
      const std::string_view cell = column.StringAt(r);
      ends[r] = static_cast<size_t>(cell.data() + cell.size() - all.data());
    }
    return;
  }
  std::string& out = text->owned;
  out.clear();
  const TypeId id = column.type().id();
  const bool nulls = column.MayHaveNulls() ||
                     column.physical() == types::PhysicalType::kNull;
  switch (id) {
    case TypeId::kInt:
    case TypeId::kBigint: {
      const int64_t* values = column.ints();
      for (size_t r = 0; r < rows; ++r) {
        if (nulls && column.IsNull(r)) {
          out.append(kNull);
        } else {
          char digits[24];
          const auto result =
              std::to_chars(digits, digits + sizeof digits, values[r]);
          out.append(digits, result.ptr);
        }
        ends[r] = out.size();
      }
      break;
    }
    case TypeId::kTimestamp:
      AppendTimestampCells(column, rows, nulls, &out, ends);
      break;
    case TypeId::kVarchar:
      for (size_t r = 0; r < rows; ++r) {
        if (nulls && column.IsNull(r)) {
          out.append(kNull);
        } else {
          AppendEscapedCell(column.StringAt(r), &out);
        }
        ends[r] = out.size();
      }
      break;
    default:
      if (TextNeedsNoEscape(id)) {
        for (size_t r = 0; r < rows; ++r) {
          column.AppendCellText(r, &out);
          ends[r] = out.size();
        }
      } else {
        for (size_t r = 0; r < rows; ++r) {
          scratch_.clear();
          column.AppendCellText(r, &scratch_);
          AppendEscapedCell(scratch_, &out);
          ends[r] = out.size();
        }
      }
      break;
  }
  text->data = out.data();
}

std::string_view BatchTextWriter::Format(const types::Batch& batch,
                                         bool changelog) {
  const size_t rows = batch.num_rows();
  const size_t n = batch.num_columns();
  if (rows == 0) return {};
  if (columns_.size() < n) columns_.resize(n);
  size_t total = 0;
  for (size_t c = 0; c < n; ++c) {
    MakeColumnText(batch.column(c), rows, &columns_[c]);
    total += columns_[c].ends[rows - 1];
  }
  // Separators and newlines: one " | " fewer than cells per line.
  const size_t cells = n + (changelog ? 1 : 0);
  total += rows * (1 + (cells > 0 ? (cells - 1) * kSeparator.size() : 0));
  if (changelog) {
    for (size_t r = 0; r < rows; ++r) {
      total += std::strlen(types::ChangeKindSymbol(batch.change(r)));
    }
  }
  if (lines_capacity_ < total) {
    lines_capacity_ = std::max(total, 2 * lines_capacity_);
    lines_ = std::make_unique_for_overwrite<char[]>(lines_capacity_);
  }
  char* p = lines_.get();
  auto put = [&p](const char* data, size_t size) {
    std::memcpy(p, data, size);
    p += size;
  };
  auto separator = [&p] {
    p[0] = ' ';
    p[1] = '|';
    p[2] = ' ';
    p += 3;
  };
  for (size_t r = 0; r < rows; ++r) {
    if (changelog) {
      const char* op = types::ChangeKindSymbol(batch.change(r));
      put(op, std::strlen(op));
      if (n > 0) separator();
    }
    for (size_t c = 0; c < n; ++c) {
      if (c > 0) separator();
      const ColumnText& text = columns_[c];
      const size_t begin = r == 0 ? 0 : text.ends[r - 1];
      put(text.data + begin, text.ends[r] - begin);
    }
    *p++ = '\n';
  }
  WEIR_CHECK(p == lines_.get() + total);
  return std::string_view(lines_.get(), total);
}

}  // namespace weir::cli
