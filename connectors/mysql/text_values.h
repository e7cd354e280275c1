#pragma once

// The snapshot's side of the type mapping: reading a MySQL column through
// SELECT (the text protocol) into exactly the Weir value the binlog decoder
// (row_decoder.h) produces for the same stored value, so a snapshot row and
// a later binlog before-image of it compare equal.
//
// Requirements on the SELECT: the connection's character set is utf8mb4
// (the server converts latin1 text), the session time_zone is '+00:00'
// (TIMESTAMP as UTC), and each column is read through SnapshotSelectExpr
// (FLOAT's own text is rounded to 6 digits; BIT's is raw bytes).

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "connectors/mysql/row_decoder.h"
#include "engine/types/value.h"

namespace weir::connectors::mysql {

/// The SELECT expression for a column: `name` (backquoted), FLOAT as
/// CAST(`name` AS DOUBLE) (its exact value as a double, what the binlog
/// holds), BIT as `name` + 0 (its number).
std::string SnapshotSelectExpr(const ColumnInfo& column);

/// A cell of such a SELECT (nullopt = SQL NULL) as a value of the target's
/// type. Zero dates ('0000-00-00', and dates with a zero month or day)
/// follow options.zero_date like the decoder. InvalidArgument naming the
/// column when the text does not parse as the type.
absl::StatusOr<types::Value> ValueFromText(
    const ColumnTarget& target, std::optional<std::string_view> text,
    const RowDecoderOptions& options = {});

}  // namespace weir::connectors::mysql
