#pragma once

// Decodes the row images of binlog rows events into Weir batches, exactly:
// the table map says how each column is packed, information_schema
// (ColumnInfo) says what the server does not put in the image (signedness,
// charset, ENUM/SET labels), and the target LogicalType (MapColumnType) says
// what Weir holds. docs/connectors/mysql-cdc-types.md lists the mapping.
//
// Behaviour the source relies on:
// - zero dates ('0000-00-00', a DATETIME/TIMESTAMP of zero, and dates with
//   a zero month or day) arrive as NULL (ZeroDate::kNull, the default) or
//   fail the Decode (kError);
// - a column absent from a minimal image (binlog_row_image = MINIMAL or
//   NOBLOB): an update's after-image takes it from the same row's
//   before-image when that has it (the column did not change); otherwise
//   Decode fails naming the column (AbsentColumn::kError, the default), or
//   the column is NULL (kNull: for a source that completes rows itself);
// - MariaDB's old fractional TIME/DATETIME/TIMESTAMP(n) formats carry no
//   metadata in the table map: their size comes from the target's
//   ColumnInfo::datetime_precision, so every such column of the table
//   needs a target (TargetsFor gives one per column);
// - errors (truncated or malformed images, a table map that no longer fits
//   the targets) name the table, the column and what was wrong; nothing is
//   ever read past the image or silently misdecoded.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/schema_reader.h"
#include "engine/types/batch.h"
#include "engine/types/logical_type.h"

namespace weir::connectors::mysql {

/// One Weir column fed from a MySQL column.
struct ColumnTarget {
  int mysql_index = 0;  // column ordinal in the table map
  ColumnInfo info;      // from information_schema
  types::LogicalType type;  // the Weir column type (MapColumnType(info))
};

/// The targets for every column of `schema`, in order (ordinal from
/// ColumnInfo::ordinal).
std::vector<ColumnTarget> TargetsFor(const TableSchema& schema);

struct RowDecoderOptions {
  enum class ZeroDate { kNull, kError };
  enum class AbsentColumn { kError, kNull };
  ZeroDate zero_date = ZeroDate::kNull;
  AbsentColumn absent_column = AbsentColumn::kError;
};

/// Decodes the rows events of one table map. Not thread-safe; cheap to
/// rebuild on every table map.
class RowDecoder {
 public:
  RowDecoder(TableMapEvent map, std::vector<ColumnTarget> targets,
             RowDecoderOptions options = {});

  /// Checks that the table map fits the targets: every mysql_index is a
  /// column of the map, and the map's type there decodes to the target's
  /// type (a column type changed by ALTER TABLE after the targets were read
  /// does not). FailedPrecondition naming the column otherwise. Decode
  /// calls it first.
  absl::Status Validate() const;

  /// Appends every row change of `rows` to `out` (a batch of the targets'
  /// types, in target order): +I for a write, -U then +U for an update,
  /// -D for a delete. On error `out` keeps the rows of the changes decoded
  /// before the bad one (whole rows only; an update's -U/+U pair is
  /// appended together).
  absl::Status Decode(const RowsEvent& rows, types::Batch* out);

  const TableMapEvent& map() const { return map_; }
  const std::vector<ColumnTarget>& targets() const { return targets_; }

 private:
  TableMapEvent map_;
  std::vector<ColumnTarget> targets_;
  RowDecoderOptions options_;
};

}  // namespace weir::connectors::mysql
