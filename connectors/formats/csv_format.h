#pragma once

// The CSV format: one RFC 4180 line per record, columns by position.
// Prefer MakeDecoder/MakeEncoder in format.h; these are what they call.

#include <memory>

#include "absl/status/statusor.h"
#include "connectors/formats/format.h"

namespace weir::formats {

/// Options: csv.delimiter (one character, "\t" for a tab; default ',').
absl::StatusOr<std::unique_ptr<Decoder>> MakeCsvDecoder(
    std::shared_ptr<const types::Schema> schema, const FormatOptions& options);
absl::StatusOr<std::unique_ptr<Encoder>> MakeCsvEncoder(
    std::shared_ptr<const types::Schema> schema, const FormatOptions& options);

}  // namespace weir::formats
