#pragma once

// The JSON and Debezium-JSON formats (simdjson On-Demand for decoding).
// Prefer MakeDecoder/MakeEncoder in format.h; these are what they call.

#include <memory>

#include "absl/status/statusor.h"
#include "connectors/formats/format.h"

namespace weir::formats {

/// One JSON object per record, fields matched to columns by name.
absl::StatusOr<std::unique_ptr<Decoder>> MakeJsonDecoder(
    std::shared_ptr<const types::Schema> schema, const FormatOptions& options);
absl::StatusOr<std::unique_ptr<Encoder>> MakeJsonEncoder(
    std::shared_ptr<const types::Schema> schema, const FormatOptions& options);

/// Debezium change events {"before", "after", "op"} (optionally wrapped in
/// {"schema", "payload"}) to and from changelog rows.
absl::StatusOr<std::unique_ptr<Decoder>> MakeDebeziumJsonDecoder(
    std::shared_ptr<const types::Schema> schema, const FormatOptions& options);
absl::StatusOr<std::unique_ptr<Encoder>> MakeDebeziumJsonEncoder(
    std::shared_ptr<const types::Schema> schema, const FormatOptions& options);

}  // namespace weir::formats
