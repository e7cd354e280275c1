#include "connectors/formats/format.h"

#include <fmt/format.h>

#include <utility>

#include "connectors/formats/convert.h"
#include "connectors/formats/csv_format.h"
#include "connectors/formats/json_format.h"
#include "engine/base/status.h"

namespace weir::formats {
namespace {

using types::Batch;
using types::Schema;
using types::TypeId;

absl::Status CheckRawSchema(const Schema& schema) {
  if (schema.size() != 1 || (schema.field(0).type.id() != TypeId::kVarchar &&
                             schema.field(0).type.id() != TypeId::kBytes)) {
    return absl::InvalidArgumentError(fmt::format(
        "format 'raw' needs exactly one VARCHAR or BYTES column, got {}",
        schema.ToString()));
  }
  return absl::OkStatus();
}

/// The whole payload into the single column.
class RawDecoder final : public Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Create(
      std::shared_ptr<const Schema> schema) {
    WEIR_RETURN_IF_ERROR(CheckRawSchema(*schema));
    return std::unique_ptr<Decoder>(new RawDecoder(std::move(schema)));
  }

  absl::Status Decode(std::string_view payload, bool /*padded*/,
                      Batch* out) override {
    if (is_varchar_ && !internal::ValidUtf8(payload)) {
      return absl::InvalidArgumentError(
          fmt::format("field '{}': invalid UTF-8", schema_->field(0).name));
    }
    WEIR_CHECK(out->num_columns() == 1 && !out->has_selection());
    out->column(0).AppendString(std::string(payload));
    out->SetNumRows(out->num_rows() + 1);
    return absl::OkStatus();
  }

 private:
  explicit RawDecoder(std::shared_ptr<const Schema> schema)
      : schema_(std::move(schema)),
        is_varchar_(schema_->field(0).type.id() == TypeId::kVarchar) {}
  std::shared_ptr<const Schema> schema_;
  bool is_varchar_;
};

/// The single column's bytes; NULL as an empty payload.
class RawEncoder final : public Encoder {
 public:
  static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      std::shared_ptr<const Schema> schema) {
    WEIR_RETURN_IF_ERROR(CheckRawSchema(*schema));
    return std::unique_ptr<Encoder>(new RawEncoder());
  }

  absl::StatusOr<size_t> Encode(const Batch& in, size_t row,
                                std::string* out) override {
    out->clear();
    if (!in.column(0).IsNull(row)) out->append(in.column(0).StringAt(row));
    return 1;
  }
};

absl::Status UnknownFormat(std::string_view format) {
  if (format == "avro") {
    return absl::UnimplementedError("format 'avro' is not supported yet");
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown format '{}'; expected one of 'json', 'csv', 'raw', "
                  "'debezium-json'",
                  format));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(
    std::string_view format, std::shared_ptr<const Schema> schema,
    const FormatOptions& options) {
  if (format == "json") return MakeJsonDecoder(std::move(schema), options);
  if (format == "debezium-json") {
    return MakeDebeziumJsonDecoder(std::move(schema), options);
  }
  if (format == "csv") return MakeCsvDecoder(std::move(schema), options);
  if (format == "raw") return RawDecoder::Create(std::move(schema));
  return UnknownFormat(format);
}

absl::StatusOr<std::unique_ptr<Encoder>> MakeEncoder(
    std::string_view format, std::shared_ptr<const Schema> schema,
    const FormatOptions& options) {
  if (format == "json") return MakeJsonEncoder(std::move(schema), options);
  if (format == "debezium-json") {
    return MakeDebeziumJsonEncoder(std::move(schema), options);
  }
  if (format == "csv") return MakeCsvEncoder(std::move(schema), options);
  if (format == "raw") return RawEncoder::Create(std::move(schema));
  return UnknownFormat(format);
}

}  // namespace weir::formats
