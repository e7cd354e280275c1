#pragma once

// Which task owns a key. A keyed exchange hashes the key columns of each
// row, maps the hash to one of a fixed number of *key groups*
// (`max-parallelism`, default 128) and the key group to the task that owns
// it, in contiguous ranges as Flink assigns them. State will be kept per
// key group, so its layout does not depend on how many tasks run: a query
// restarted with another parallelism hands whole key groups to other tasks.
//
// The hash is type-normalizing: keys that are equal in SQL hash equally
// whatever their types, so two sides of a join or a union whose key columns
// differ in type (INT 1, BIGINT 1, DECIMAL 1.0, DOUBLE 1.0) still meet in
// one task. Each value is cast to a canonical form first:
//   - numbers (BOOLEAN, INT, BIGINT, DECIMAL, DOUBLE): the nearest DOUBLE,
//     because Weir compares a DOUBLE with any number as DOUBLEs, and then
//     BIGINT 2^53 + 1 equals DOUBLE 2^53, which equals BIGINT 2^53: only
//     a hash of the DOUBLE keeps every such chain of equal values together.
//     Integers beyond 2^53 that round to one DOUBLE share a key group
//     (harmless: a hash may collide). -0.0 is 0.0; every NaN is one NaN.
//   - DATE and TIMESTAMP: microseconds since the epoch (DATE d equals
//     TIMESTAMP d 00:00:00); TIME: microseconds since midnight.
//   - INTERVAL: months as 30 days plus microseconds (as Weir compares
//     intervals).
//   - VARCHAR and BYTES: their bytes; NULL: a marker of its own.
// NOTE for the merge: the state store (storage/, being built beside this)
// is to offer the same kind of hash for its key groups; the exchange and
// the store must use one function. Until it lands this is that function;
// then one of the two goes.

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/types/batch.h"

namespace weir::exec {

/// Key groups of a query when `max-parallelism` is not set.
inline constexpr int kDefaultMaxParallelism = 128;
/// The largest `max-parallelism` (as Flink's).
inline constexpr int kMaxMaxParallelism = 32768;

/// The type-normalizing hash of the key columns of each live row of
/// `batch`, in selection order (one entry per live row). Equal keys hash
/// equally in every task, run and machine (XXH3 over the canonical forms
/// above). An empty `key_columns` gives every row the same hash.
void KeyHash(const types::Batch& batch, const std::vector<int>& key_columns,
             std::vector<uint64_t>* hashes);

/// The key group (0 .. max_parallelism-1) of a key hash.
inline int KeyGroupOf(uint64_t hash, int max_parallelism) {
  return static_cast<int>(hash % static_cast<uint64_t>(max_parallelism));
}

/// The task (0 .. tasks-1) that owns key group `group` when `tasks` tasks
/// share `max_parallelism` key groups (tasks <= max_parallelism): task t
/// owns the contiguous range KeyGroupRange(t, ...).
inline int TaskOfKeyGroup(int group, int tasks, int max_parallelism) {
  return static_cast<int>(static_cast<int64_t>(group) * tasks /
                          max_parallelism);
}

/// The key groups [first, end) task `task` of `tasks` owns.
std::pair<int, int> KeyGroupRange(int task, int tasks, int max_parallelism);

}  // namespace weir::exec
