#pragma once

// MySQL 8 binary JSON (the JSON column's storage and binlog format) to JSON
// text, as MySQL's own JSON_UNQUOTE-free output spells it: objects
// {"k": v, ...} with keys in stored order, arrays [a, b], strings with
// JSON escapes, numbers as stored (int/uint exactly, doubles shortest
// round-trip), true/false/null; opaque values (DECIMAL, DATE, TIME,
// DATETIME inside JSON) as their quoted text where decoded, else base64 of
// the raw bytes. MariaDB stores JSON as text and never needs this.
//
// Format: MySQL's sql-common/json_binary.h: a type byte, then the value;
// small (2-byte offsets) and large (4-byte) objects and arrays.

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace weir::connectors::mysql {

/// The JSON text of a binary JSON value; an empty input is JSON null (what
/// the server writes for an empty JSON column value). InvalidArgument on
/// truncated or malformed input (offsets out of bounds, unknown types,
/// nesting deeper than 100).
absl::StatusOr<std::string> MySqlJsonToText(std::span<const uint8_t> binary);

}  // namespace weir::connectors::mysql
