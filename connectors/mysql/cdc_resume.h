#pragma once

// Where a mysql-cdc snapshot has got to, kept in the split's state store
// (so it is in every checkpoint with the position it belongs to), so that
// a snapshot interrupted by a restart (or by the server going away)
// continues after the last row it returned instead of starting over.
//
// A consistent-snapshot transaction cannot be reopened, so the rest of
// the table is read by a *new* snapshot, as of a later binlog position.
// The table is then covered by segments of primary-key order, each read
// as of its own position: keys up to k1 as of P1 (the first snapshot),
// keys in (k1, k2] as of P2 (the first continuation), ..., and the keys
// after the last bound as of the last snapshot's position. The binlog is
// read from P1, the oldest, and a row change (in a transaction that starts
// at T) is returned only when its key's segment was read before T
// (T >= that segment's position); a change the segment's rows already
// hold is dropped (Covered). Once T reaches the last snapshot's position
// every change is returned and the segments are dropped. The update of a
// primary key is judged per row: its -U by the old key's segment, its +U
// by the new key's.
//
// Keys are compared in Weir's key encoding (storage/key_codec.h), which
// orders integers, DECIMAL, dates and times, and binary strings as MySQL
// does; a key with another column (a character string under a collation,
// ENUM, FLOAT, BIT) cannot be compared so and the snapshot is not
// continued (KeyOrderMatchesMySql).
//
// Layout (keys under KeyPrefix(kTaskMetadataOperator, 0)):
//   's' -> the snapshot that runs: its position, the text of the last
//          returned row's key columns (for WHERE (pk) > (...)) and that
//          key encoded;
//   'g' -> the segments already done: (position, last key encoded)...
// Not thread-safe: used by the task that reads the split.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/mysql/schema_reader.h"

namespace weir::storage {
class StateStore;
}  // namespace weir::storage

namespace weir::connectors::mysql {

/// Whether Weir's key encoding of `column` orders its values as MySQL's
/// ORDER BY does (integers, DECIMAL, DATE, DATETIME, TIMESTAMP, TIME,
/// YEAR, BINARY, VARBINARY).
bool KeyOrderMatchesMySql(const ColumnInfo& column);

/// A binlog position as one ordered number: (file sequence << 32) |
/// offset, as checkpoints store it.
using PackedPosition = uint64_t;

class SnapshotResume {
 public:
  explicit SnapshotResume(std::shared_ptr<storage::StateStore> store);
  ~SnapshotResume();

  /// The snapshot that runs.
  struct Current {
    PackedPosition position = 0;
    std::vector<std::string> key_text;  // as MySQL printed the key columns
    std::string key;                    // encoded
  };
  /// Notes the last row returned by the snapshot taken at `position`.
  absl::Status SetCurrent(const Current& current);
  absl::StatusOr<std::optional<Current>> ReadCurrent();

  /// Reads the segments done (for a resumed split); then Covered answers.
  absl::Status Load();
  /// The snapshot that ran stopped: its rows so far become a segment (up
  /// to its last key, at its position), and the next snapshot continues
  /// after that key. FailedPrecondition when no row was noted.
  absl::StatusOr<Current> CloseCurrent();
  /// The position of the snapshot that now runs (or ran last): changes in
  /// transactions from it on are all returned.
  void SetLast(PackedPosition position) { last_ = position; }

  /// Whether changes are still judged (some segment was read after the
  /// oldest position).
  bool active() const { return !segments_.empty(); }
  /// Whether a change of the row with encoded key `key` in a transaction
  /// that starts at `txn` is already in the snapshot's rows.
  bool Covered(std::string_view key, PackedPosition txn) const;
  /// Whether `txn` is at or after the last snapshot's position: nothing
  /// is covered any more.
  bool Past(PackedPosition txn) const { return txn >= last_; }
  /// Forgets everything (the snapshot is over and the binlog has passed
  /// it, or a new snapshot starts from scratch).
  absl::Status Clear();

 private:
  struct Segment {
    PackedPosition position = 0;
    std::string last_key;  // encoded, inclusive
  };
  absl::Status WriteSegments();

  std::shared_ptr<storage::StateStore> store_;
  std::vector<Segment> segments_;  // ascending keys (and positions)
  PackedPosition last_ = 0;
};

}  // namespace weir::connectors::mysql
