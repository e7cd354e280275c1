#include "connectors/formats/csv_format.h"

#include <fmt/format.h>

#include <utility>

#include "connectors/formats/convert.h"
#include "engine/base/status.h"

namespace weir::formats {
namespace {

using types::Batch;
using types::ChangeKind;
using types::Column;
using types::Schema;
using types::TypeId;

absl::StatusOr<char> DelimiterOption(const FormatOptions& options) {
  char delimiter = ',';
  for (const auto& [key, value] : options) {
    if (key != "csv.delimiter") continue;
    if (value == "\\t") {
      delimiter = '\t';
    } else if (value.size() == 1) {
      delimiter = value[0];
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "option 'csv.delimiter' must be a single character, got '{}'",
          value));
    }
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      return absl::InvalidArgumentError(
          "option 'csv.delimiter' cannot be a double quote or a line break");
    }
  }
  return delimiter;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

class CsvDecoder final : public Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Create(
      std::shared_ptr<const Schema> schema, const FormatOptions& options) {
    WEIR_RETURN_IF_ERROR(internal::CheckColumnTypes("csv", *schema));
    WEIR_ASSIGN_OR_RETURN(char delimiter, DelimiterOption(options));
    return std::unique_ptr<Decoder>(
        new CsvDecoder(std::move(schema), delimiter));
  }

  absl::Status Decode(std::string_view payload, bool /*padded*/,
                      Batch* out) override {
    rows_.Start(out);
    absl::Status s = DecodeLine(payload);
    if (!s.ok()) rows_.Rollback();
    return s;
  }

 private:
  CsvDecoder(std::shared_ptr<const Schema> schema, char delimiter)
      : schema_(std::move(schema)), delimiter_(delimiter), rows_(*schema_) {}

  absl::Status DecodeLine(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t row = rows_.BeginRow();
    size_t n = schema_->size();
    size_t col = 0, i = 0;
    while (true) {
      std::string_view text;
      bool quoted = i < line.size() && line[i] == '"';
      if (quoted) {
        scratch_.clear();
        size_t j = i + 1;
        while (true) {
          size_t q = line.find('"', j);
          if (q == std::string_view::npos) {
            return absl::InvalidArgumentError(fmt::format(
                "malformed CSV: unclosed quote in field {}", col + 1));
          }
          scratch_.append(line.data() + j, q - j);
          if (q + 1 < line.size() && line[q + 1] == '"') {  // "" is one quote
            scratch_.push_back('"');
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        if (i < line.size() && line[i] != delimiter_) {
          return absl::InvalidArgumentError(fmt::format(
              "malformed CSV: unexpected character after the closing quote "
              "of field {}",
              col + 1));
        }
        text = scratch_;
      } else {
        size_t end = line.find(delimiter_, i);
        if (end == std::string_view::npos) end = line.size();
        text = line.substr(i, end - i);
        i = end;
      }
      if (col < n) WEIR_RETURN_IF_ERROR(Convert(col, row, text, quoted));
      ++col;
      if (i >= line.size()) break;
      ++i;  // the delimiter
    }
    if (col != n) {
      return absl::InvalidArgumentError(
          fmt::format("expected {} fields, got {}", n, col));
    }
    return rows_.FinishRow(ChangeKind::kInsert);
  }

  absl::Status FieldError(size_t col, std::string_view what) {
    return absl::InvalidArgumentError(
        fmt::format("field '{}': {}", schema_->field(col).name, what));
  }
  absl::Status Invalid(size_t col, std::string_view text) {
    return FieldError(
        col, fmt::format("invalid {} '{}'", schema_->field(col).type.ToString(),
                         text));
  }
  absl::Status OutOfRange(size_t col, std::string_view text) {
    return absl::OutOfRangeError(fmt::format(
        "field '{}': {} is out of range for {}", schema_->field(col).name, text,
        schema_->field(col).type.ToString()));
  }

  absl::Status Convert(size_t col, size_t row, std::string_view text,
                       bool quoted) {
    const types::LogicalType& type = schema_->field(col).type;
    bool is_text = type.id() == TypeId::kVarchar || type.id() == TypeId::kBytes;
    if (text.empty() && (!quoted || !is_text)) {
      rows_.SetNull(col);
      return absl::OkStatus();
    }
    Column& c = rows_.batch()->column(col);
    int64_t* ints =
        c.physical() == types::PhysicalType::kInt64 ? &c.ints()[row] : nullptr;
    bool out_of_range = false;
    switch (type.id()) {
      case TypeId::kBoolean:
        if (EqualsIgnoreCase(text, "true")) {
          *ints = 1;
        } else if (EqualsIgnoreCase(text, "false")) {
          *ints = 0;
        } else {
          return Invalid(col, text);
        }
        break;
      case TypeId::kInt:
      case TypeId::kBigint: {
        bool is_int = type.id() == TypeId::kInt;
        if (!internal::ParseIntegerText(text, is_int ? INT32_MIN : INT64_MIN,
                                        is_int ? INT32_MAX : INT64_MAX, ints,
                                        &out_of_range)) {
          return out_of_range ? OutOfRange(col, text) : Invalid(col, text);
        }
        break;
      }
      case TypeId::kDouble:
        if (!internal::ParseDoubleText(text, &c.doubles()[row])) {
          return Invalid(col, text);
        }
        break;
      case TypeId::kDecimal:
        switch (internal::ParseDecimalText(text, type.precision(), type.scale(),
                                           &c.decimals()[row])) {
          case internal::DecimalParse::kOk:
            break;
          case internal::DecimalParse::kSyntax:
            return Invalid(col, text);
          case internal::DecimalParse::kOverflow:
            return OutOfRange(col, text);
        }
        break;
      case TypeId::kVarchar:
        if (!internal::ValidUtf8(text)) return FieldError(col, "invalid UTF-8");
        c.SetLastString(text);
        break;
      case TypeId::kBytes:
        if (!internal::Base64Decode(text, &decoded_)) {
          return FieldError(col, fmt::format("invalid base64 '{}'", text));
        }
        c.SetLastString(decoded_);
        break;
      case TypeId::kDate:
      case TypeId::kTime:
      case TypeId::kTimestamp: {
        int64_t n;
        if (internal::ParseIntegerText(text, INT64_MIN, INT64_MAX, &n,
                                       &out_of_range)) {
          bool ok =
              type.id() == TypeId::kDate ? (*ints = n, true)
              : type.id() == TypeId::kTime
                  ? internal::TimeFromMillis(n, ints)
                  : internal::TimestampFromMillis(n, type.precision(), ints);
          if (!ok) return OutOfRange(col, text);
          break;
        }
        if (out_of_range) return OutOfRange(col, text);
        bool ok =
            type.id() == TypeId::kDate ? internal::ParseDateText(text, ints)
            : type.id() == TypeId::kTime
                ? internal::ParseTimeText(text, ints)
                : internal::ParseTimestampText(text, type.precision(), ints);
        if (!ok) return Invalid(col, text);
        break;
      }
      case TypeId::kInterval:
      case TypeId::kNull:
        return FieldError(col, "unsupported column type");  // rejected at Make
    }
    rows_.SetValue(col);
    return absl::OkStatus();
  }

  std::shared_ptr<const Schema> schema_;
  char delimiter_;
  internal::RowAppender rows_;
  std::string scratch_;  // unescaped text of a quoted field
  std::string decoded_;  // a BYTES field's bytes
};

class CsvEncoder final : public Encoder {
 public:
  static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      std::shared_ptr<const Schema> schema, const FormatOptions& options) {
    WEIR_RETURN_IF_ERROR(internal::CheckColumnTypes("csv", *schema));
    WEIR_ASSIGN_OR_RETURN(char delimiter, DelimiterOption(options));
    return std::unique_ptr<Encoder>(
        new CsvEncoder(std::move(schema), delimiter));
  }

  absl::StatusOr<size_t> Encode(const Batch& in, size_t row,
                                std::string* out) override {
    out->clear();
    for (size_t i = 0; i < schema_->size(); ++i) {
      if (i > 0) out->push_back(delimiter_);
      const Column& c = in.column(i);
      if (c.IsNull(row)) continue;  // NULL: an empty unquoted field
      field_.clear();
      WEIR_RETURN_IF_ERROR(FieldText(c, i, row, &field_));
      AppendField(
          field_,
          c.type().id() == TypeId::kVarchar || c.type().id() == TypeId::kBytes,
          out);
    }
    return 1;
  }

 private:
  CsvEncoder(std::shared_ptr<const Schema> schema, char delimiter)
      : schema_(std::move(schema)), delimiter_(delimiter) {}

  absl::Status FieldText(const Column& c, size_t col, size_t row,
                         std::string* out) {
    const types::LogicalType& type = c.type();
    switch (type.id()) {
      case TypeId::kBoolean:
        out->append(c.ints()[row] ? "true" : "false");
        break;
      case TypeId::kInt:
      case TypeId::kBigint:
        internal::AppendInt(c.ints()[row], out);
        break;
      case TypeId::kDouble:
        internal::AppendDouble(c.doubles()[row], out);
        break;
      case TypeId::kDecimal:
        internal::AppendDecimal(c.decimals()[row], type.scale(), out);
        break;
      case TypeId::kVarchar:
        if (!internal::ValidUtf8(c.StringAt(row))) {
          return absl::InvalidArgumentError(
              fmt::format("column '{}': VARCHAR value is not valid UTF-8",
                          schema_->field(col).name));
        }
        out->append(c.StringAt(row));
        break;
      case TypeId::kBytes:
        internal::Base64Encode(c.StringAt(row), out);
        break;
      case TypeId::kDate:
        internal::AppendDate(c.ints()[row], out);
        break;
      case TypeId::kTime:
        internal::AppendTime(c.ints()[row], out);
        break;
      case TypeId::kTimestamp:
        internal::AppendTimestamp(c.ints()[row], type.precision(), out);
        break;
      case TypeId::kInterval:
      case TypeId::kNull:
        break;  // rejected at Make
    }
    return absl::OkStatus();
  }

  /// Quotes `text` when it holds the delimiter, a quote or a line break,
  /// or when it is an empty string (which must not read back as NULL).
  void AppendField(std::string_view text, bool is_text, std::string* out) {
    bool quote = (is_text && text.empty()) ||
                 text.find_first_of(specials_) != std::string_view::npos;
    if (!quote) {
      out->append(text);
      return;
    }
    out->push_back('"');
    for (char ch : text) {
      if (ch == '"') out->push_back('"');
      out->push_back(ch);
    }
    out->push_back('"');
  }

  std::shared_ptr<const Schema> schema_;
  char delimiter_;
  const std::string specials_{std::string("\"\r\n") + delimiter_};
  std::string field_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> MakeCsvDecoder(
    std::shared_ptr<const Schema> schema, const FormatOptions& options) {
  return CsvDecoder::Create(std::move(schema), options);
}
absl::StatusOr<std::unique_ptr<Encoder>> MakeCsvEncoder(
    std::shared_ptr<const Schema> schema, const FormatOptions& options) {
  return CsvEncoder::Create(std::move(schema), options);
}

}  // namespace weir::formats
