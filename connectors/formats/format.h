#pragma once

// Record formats: how the payload of one Kafka record (a JSON object, a CSV
// line, raw bytes, a Debezium change event) becomes rows of a columnar batch,
// and how rows become payloads again. docs/formats.md has the rules.
//
// A decoder or encoder is made once per task for one schema and reused for
// every record; the per-record path does no virtual call per field and no
// heap allocation beyond string values.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"

namespace weir::formats {

/// Format options as written in WITH (...), e.g. {"csv.delimiter", ";"}.
/// Options that a format does not use are ignored (the catalog validated
/// them already).
using FormatOptions = std::vector<std::pair<std::string, std::string>>;

/// Bytes that must be readable after a payload for a decoder to parse it in
/// place (see Decoder::Decode). Equal to simdjson's SIMDJSON_PADDING.
inline constexpr size_t kPayloadPadding = 64;

/// Decodes record payloads into rows of the schema it was made for.
/// One decoder per task; not thread-safe (it owns reused parse buffers).
class Decoder {
 public:
  virtual ~Decoder() = default;

  /// Decodes one record and appends its rows to `out`, whose schema must be
  /// the decoder's (same columns in the same order) and which must have no
  /// selection vector. json, csv and raw append exactly one insert row;
  /// debezium-json appends one row (insert or delete), two rows for an
  /// update (update-before then update-after), or none for a tombstone.
  ///
  /// `padded`: the caller promises that kPayloadPadding bytes after
  /// `payload` are readable (their content does not matter), so JSON can be
  /// parsed in place; otherwise the payload is copied into a padded buffer
  /// the decoder reuses (one memcpy, no allocation once it has grown).
  ///
  /// Errors: InvalidArgument for a malformed record, with a message that
  /// says what is wrong and where, e.g. "field 'price': expected a number,
  /// got a string"; OutOfRange for a number that does not fit its column.
  /// On error `out` is left exactly as it was (no partial row). The caller
  /// adds topic/partition/offset and applies format.on-error.
  virtual absl::Status Decode(std::string_view payload, bool padded,
                              types::Batch* out) = 0;
  absl::Status Decode(std::string_view payload, types::Batch* out) {
    return Decode(payload, /*padded=*/false, out);
  }

  /// Projection pushdown, set before the first Decode: only the columns
  /// `read` flags (one flag per column of the schema) are needed; the
  /// others may be appended as NULL without being decoded. json and
  /// debezium-json then treat an unread column's field as an unknown field:
  /// skipped, its value not converted or checked (a wrong type or a missing
  /// NOT NULL value there is no error), while the record as a whole must
  /// still be well-formed JSON. The other formats decode every column (the
  /// default: the flags are ignored).
  virtual void ReadOnly(const std::vector<bool>& read) { (void)read; }
};

/// Encodes rows into record payloads. One encoder per task; not
/// thread-safe.
class Encoder {
 public:
  virtual ~Encoder() = default;

  /// Encodes the physical row `row` of `in` (a live row when `in` has a
  /// selection) into one payload, replacing the contents of `*out` (its
  /// capacity is reused). Returns how many live rows the payload consumed:
  /// 1, or 2 when debezium-json pairs an update-before with the
  /// update-after that is the next live row into one "u" event; the caller
  /// then continues after that row.
  ///
  /// json, csv and raw encode the row's values whatever its change kind:
  /// mapping retractions (rejecting them, or tombstones for an upsert
  /// topic) is the sink's business. debezium-json encodes the change kind.
  ///
  /// Errors: InvalidArgument for a value the format cannot represent (a
  /// VARCHAR with invalid UTF-8 in JSON); `*out` is then unspecified.
  virtual absl::StatusOr<size_t> Encode(const types::Batch& in, size_t row,
                                        std::string* out) = 0;
};

/// A decoder for `format`: "json", "csv", "raw" or "debezium-json".
/// Errors: InvalidArgument for an unknown format, a column type the format
/// cannot hold (INTERVAL), a raw schema that is not a single VARCHAR or
/// BYTES column, or a bad csv.delimiter; Unimplemented for "avro".
absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(
    std::string_view format, std::shared_ptr<const types::Schema> schema,
    const FormatOptions& options);

/// An encoder for `format`; same formats and errors as MakeDecoder.
absl::StatusOr<std::unique_ptr<Encoder>> MakeEncoder(
    std::string_view format, std::shared_ptr<const types::Schema> schema,
    const FormatOptions& options);

}  // namespace weir::formats
