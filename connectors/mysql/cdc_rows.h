#pragma once

// The rows a mysql-cdc source's changelog holds (what a downstream that
// folds it by primary key has), kept in the split's own state store so
// that they are in every checkpoint with the position they belong to.
// Used for 'on-binlog-gap' = 'resnapshot': when the binlog a resumed
// source needs is purged, a new snapshot is diffed against these rows and
// only the differences are emitted (+I new keys, -U/+U changed rows, -D
// vanished keys), so the changelog arrives at the table's current state.
//
// Layout (one store per split, storage/key_codec.h):
//   KeyPrefix(kTaskMetadataOperator, 0) | 'r' | key columns (AppendValue)
//       -> every column of the row (AppendColumnValue, in schema order)
//   KeyPrefix(kTaskMetadataOperator, 0) | 'c'  -> "" : the store followed
//       the changelog from its first row (a store that did not cannot
//       tell which rows to delete).
// Not thread-safe: used by the task that reads the split.

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types/batch.h"

namespace weir::storage {
class StateStore;
}  // namespace weir::storage

namespace weir::connectors::mysql {

class ChangelogRows {
 public:
  /// `key`: indexes into `schema` of the primary key.
  ChangelogRows(std::shared_ptr<storage::StateStore> store,
                std::shared_ptr<const types::Schema> schema,
                std::vector<int> key);
  ~ChangelogRows();

  /// Follows rows [from, to) of the changelog batch `batch` (of the
  /// schema): +I and +U hold their row, -U and -D drop their key.
  absl::Status Apply(const types::Batch& batch, size_t from, size_t to);

  /// Whether the rows were followed from the changelog's first row
  /// (MarkComplete was called when it started afresh).
  absl::StatusOr<bool> Complete();
  absl::Status MarkComplete();

  /// A new snapshot begins: forgets the keys seen by Diff.
  void BeginDiff() { seen_.clear(); }
  /// Appends to `out` the changes that bring the held rows to the rows of
  /// `snapshot` (a batch of +I of the schema): +I for a key not held,
  /// -U (the held row) and +U for a changed row, nothing for an equal one.
  /// Notes each key as seen. Changes nothing held: Apply does when the
  /// changes are returned.
  absl::Status Diff(const types::Batch& snapshot, types::Batch* out);
  /// Appends -D for every held row whose key Diff did not see since
  /// BeginDiff (a row deleted while the binlog was lost); then forgets the
  /// seen keys. Returns how many.
  absl::StatusOr<size_t> DeleteUnseen(types::Batch* out);

  /// How many keys Diff saw since BeginDiff.
  size_t seen() const { return seen_.size(); }

 private:
  std::string RowKey(const types::Batch& batch, size_t row) const;
  std::string RowValue(const types::Batch& batch, size_t row) const;
  absl::Status AppendHeld(std::string_view value, types::ChangeKind kind,
                          types::Batch* out) const;

  std::shared_ptr<storage::StateStore> store_;
  std::shared_ptr<const types::Schema> schema_;
  std::vector<int> key_;
  std::string prefix_;  // of the rows' keys
  std::unordered_set<std::string> seen_;
};

}  // namespace weir::connectors::mysql
