#pragma once

// Which task owns a key. A keyed exchange hashes the key columns of each
// row, maps the hash to one of a fixed number of *key groups*
// (`max-parallelism`, default 128) and the key group to the task that owns
// it, in contiguous ranges as Flink assigns them. State is kept per key
// group, so its layout does not depend on how many tasks run: a query
// restarted with another parallelism hands whole key groups to other tasks.
//
// The exchange and the state store must agree on a key's group, so these
// are the store's functions (storage/key_codec.h, which depends only on
// engine/types): its hash is stable across runs and machines and
// type-normalizing (INT 1, BIGINT 1, DECIMAL 1.0 and DOUBLE 1.0 are one
// key). A DOUBLE that is no exact decimal meets a DECIMAL only once both
// are cast to their common type, DOUBLE, which the binder does for the
// sides of a UNION or a join condition.

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/types/batch.h"
#include "storage/key_codec.h"

namespace weir::exec {

using storage::kDefaultMaxParallelism;
using storage::KeyGroupOf;
using storage::kMaxMaxParallelism;

/// The key hash of the key columns of each live row of `batch`, in
/// selection order (one entry per live row). An empty `key_columns` gives
/// every row the same hash.
inline void KeyHash(const types::Batch& batch,
                    const std::vector<int>& key_columns,
                    std::vector<uint64_t>* hashes) {
  storage::HashKeyColumns(batch, key_columns, hashes);
}

/// The task (0 .. tasks-1) that owns key group `group` when `tasks` tasks
/// share `max_parallelism` key groups (tasks <= max_parallelism).
inline int TaskOfKeyGroup(int group, int tasks, int max_parallelism) {
  return storage::TaskForKeyGroup(group, tasks, max_parallelism);
}

/// The key groups [first, end) task `task` of `tasks` owns.
inline std::pair<int, int> KeyGroupRange(int task, int tasks,
                                         int max_parallelism) {
  storage::KeyGroupRange r =
      storage::KeyGroupRangeForTask(task, tasks, max_parallelism);
  return {r.first, r.last + 1};
}

}  // namespace weir::exec
