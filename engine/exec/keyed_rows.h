#pragma once

// The rows of one input batch grouped by their state key, for the keyed
// operators behind a hash exchange (the aggregate, the changelog
// normalize). A state key is operator id | key group | the encoded key
// columns (storage/key_codec.h); the key group comes from the same hash
// the exchange routed the row by, so it is one the task owns.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/batch.h"
#include "storage/key_codec.h"

namespace weir::exec {

struct KeyedRows {
  /// The live rows (physical indexes), in order.
  std::vector<uint32_t> rows;
  /// The state key of each live row.
  std::vector<std::string> keys;
  /// The group (index into `first_row`) of each live row.
  std::vector<uint32_t> group_of;
  /// Per distinct key, in order of first appearance: its first live row
  /// (an index into `rows`).
  std::vector<uint32_t> first_row;

  size_t num_groups() const { return first_row.size(); }
  /// The key of group `g`.
  std::string_view group_key(size_t g) const { return keys[first_row[g]]; }
  /// Every group's key, in group order (for StateStore::Prefetch).
  std::vector<std::string_view> GroupKeys() const;
};

/// Groups the live rows of `batch` by `key_columns` under operator `op`.
KeyedRows GroupRowsByKey(const types::Batch& batch,
                         const std::vector<int>& key_columns,
                         storage::OperatorId op, int max_parallelism);

}  // namespace weir::exec
