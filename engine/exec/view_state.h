#pragma once

// A materialized view's current contents, as pull queries read them.
//
// Where a view's rows live. CREATE MATERIALIZED VIEW starts a persistent
// query whose last operator, the view store (view_store.h), applies the
// query's changes to two places:
//   - the task's StateStore (storage/state_store.h): the durable copy,
//     snapshotted at every checkpoint with the rest of the query's state,
//     so a view with `state.dir` resumes from its last checkpoint;
//   - this ViewState: one ordered in-memory index of the whole view (all
//     tasks), keyed by the view's unique key, which pull queries read.
//
// Why a second copy rather than reading the StateStore. A StateStore
// belongs to its task and has no locks (its cache changes even on reads),
// and the task snapshots it at barriers outside any operator; reading it
// from the session's thread while the task writes would race. Holding a
// lock around every store call of the task would make each pull query
// stall the view's tasks for a whole scan and would still miss the
// snapshot calls. The index costs memory (the view's rows twice: in the
// store's cache/RocksDB and here), and buys pull queries that never touch
// the task's store, a key order independent of key groups (prefix and
// range scans over the view's key, across all tasks), and reads that are
// consistent across tasks.
//
// Concurrency (the argument for the lock). Writers (the view's tasks, on
// worker threads) take the lock exclusively once per batch of changes; a
// reader (a pull query, on the session's thread) takes it shared for as
// long as it copies the rows it wants out. So a reader sees each task's
// batches whole -- never half of a batch's changes -- and sees one moment
// of the whole view: every batch applied before it took the lock, none
// after. A reader holds the lock for a copy of the rows it selects (a
// point lookup: one row), so a large scan delays the view's tasks by that
// copy; the rows are then filtered, projected and sorted without the lock.
//
// Consistency. A pull query sees what the view's query had processed when
// it ran: the latest input, not the last checkpoint. After a restart from
// a checkpoint the view's contents go back to that checkpoint and the
// input after it is processed again, so a pull query may see a row
// disappear for that while (at-least-once between checkpoint and crash,
// replayed on resume); the rows converge to the same contents.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"

namespace weir::exec {

/// One row of a view.
using ViewRow = std::vector<types::Value>;

/// Appends `row` to `out`, each column with storage/key_codec.h's
/// AppendValue (how the view store and a view's readers keep rows).
void AppendViewRow(const ViewRow& row, std::string* out);
/// The row of `schema` AppendViewRow wrote as `in`; nullopt when `in`
/// does not decode to exactly one such row.
std::optional<ViewRow> DecodeViewRow(const types::Schema& schema,
                                     std::string_view in);

/// A key range of a view, in the order of its encoded key: [begin, end);
/// empty `end` means no upper bound. Keys encode the view's key columns
/// with storage's order-preserving codec (ViewState::KeyOf), so a prefix
/// of the key columns is a prefix of the encoded key.
struct ViewKeyRange {
  std::string begin;
  std::string end;
};

/// One change of a view as a reader of its changelog sees it: the row
/// under `key` before (-U, -D) or after (+I, +U) a step of the view.
struct ViewChange {
  types::ChangeKind kind = types::ChangeKind::kInsert;
  std::string key;
  ViewRow row;
};

/// A reader's queue of a view's changes (ViewState::Subscribe), filled by
/// the view's writers, emptied by the reader. Thread-safe.
///
/// Bounded, and a full queue never holds the view's writer back: the
/// writer's tasks share the worker pool with the reader's, so a writer
/// waiting for a reader could wait for a thread the writer itself holds.
/// Instead a change that does not fit marks the queue overflowed, empties
/// it and stops filling it; the reader then copies the view again (a new
/// Subscribe) and emits the difference between what it emitted and that
/// copy (view_source.h). No change is dropped from what the reader's
/// downstream ends up with: it converges to the view's contents.
class ViewSubscription {
 public:
  explicit ViewSubscription(size_t capacity) : capacity_(capacity) {}
  /// Moves up to `max` queued changes to the end of `out`, oldest first.
  void Take(size_t max, std::vector<ViewChange>* out);
  /// Whether changes were lost to a full queue (the reader must re-copy).
  bool overflowed() const;
  /// Whether the view's query finished and every change of it was queued.
  bool ended() const;

 private:
  friend class ViewState;
  /// Queues `changes` (one step of the view), or overflows; false when
  /// the queue overflowed (now or before) and wants nothing more.
  bool Push(const std::vector<ViewChange>& changes);
  void End();

  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<ViewChange> queue_;  // guarded by mu_
  bool overflowed_ = false;       // guarded by mu_
  bool ended_ = false;            // guarded by mu_
};

/// The rows of one view. Thread-safe (see the file comment).
class ViewState {
 public:
  /// Rows of `schema` keyed by `key_columns`; an empty key means an
  /// append-only view, whose rows are keyed by (task, sequence) instead.
  ViewState(std::shared_ptr<const types::Schema> schema,
            std::vector<int> key_columns);

  const std::shared_ptr<const types::Schema>& schema() const { return schema_; }
  const std::vector<int>& key_columns() const { return key_columns_; }

  /// The index key of `row`: its key columns encoded in key order.
  std::string KeyOf(const ViewRow& row) const;
  /// The index key of an append-only view's row number `sequence` of task
  /// `task`.
  static std::string SequenceKey(int task, uint64_t sequence);

  /// One change to apply: `row` under `key`, or the key's deletion.
  struct Change {
    std::string key;
    std::optional<ViewRow> row;  // nullopt: delete
  };
  /// Applies `changes` in order, as one step (readers see all or none).
  void Apply(std::vector<Change> changes);

  /// Copies of the rows whose keys are in `range`, in key order.
  std::vector<ViewRow> Read(const ViewKeyRange& range) const;

  /// A reader of the view's changelog: copies every row into `*copy` (key
  /// -> row) and registers a queue of `capacity` changes, in one step under
  /// the view's lock, so every change applied after the copy is queued and
  /// none before it. The view keeps only a weak reference: dropping the
  /// subscription unsubscribes.
  std::shared_ptr<ViewSubscription> Subscribe(
      size_t capacity, std::map<std::string, ViewRow>* copy);

  /// The view's query has `writers` more tasks applying changes (each
  /// calls WriterFinished when its input ended).
  void AddWriters(int writers);
  /// One writer's input ended; after the last, readers' queues end.
  void WriterFinished();

  /// Rows held.
  size_t size() const;
  /// Drops every row (DROP MATERIALIZED VIEW frees them).
  void Clear();

 private:
  std::shared_ptr<const types::Schema> schema_;
  std::vector<int> key_columns_;
  mutable std::shared_mutex mu_;
  std::map<std::string, ViewRow, std::less<>> rows_;  // guarded by mu_
  // Readers of the changelog; guarded by mu_.
  std::vector<std::weak_ptr<ViewSubscription>> subscribers_;
  int writers_ = 0;     // guarded by mu_
  int finished_ = 0;    // guarded by mu_
  bool ended_ = false;  // guarded by mu_: every writer finished, or Clear
};

}  // namespace weir::exec
