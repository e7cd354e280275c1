#pragma once

// The rows of one input batch grouped by their state key, for the keyed
// operators behind a hash exchange (the aggregate, the changelog
// normalize). A state key is operator id | key group | the operator's key
// parts (storage/key_codec.h); the key group comes from the same hash
// the exchange routed the row by, so it is one the task owns.
//
// Per batch this runs once per row, so it allocates nothing once its
// buffers have grown: the keys live in one byte buffer, and the groups are
// found with an open-addressing table over the rows' key hashes (equal
// keys have equal hashes; keys with equal hashes are compared byte by
// byte). A KeyedRows kept by an operator is reused from batch to batch.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "engine/types/batch.h"
#include "storage/key_codec.h"

namespace weir::exec {

struct KeyedRows {
  /// The rows grouped (physical indexes), in order.
  std::vector<uint32_t> rows;
  /// The group (index into `first_row`) of each row.
  std::vector<uint32_t> group_of;
  /// Per distinct key, in order of first appearance: its first row (an
  /// index into `rows`).
  std::vector<uint32_t> first_row;
  /// Per group: its key group and its state key.
  std::vector<int> key_group;
  std::vector<std::string_view> group_keys;

  size_t num_groups() const { return first_row.size(); }
  /// The key of group `g`.
  std::string_view group_key(size_t g) const { return group_keys[g]; }
  /// Every group's key, in group order (for StateStore::Prefetch).
  const std::vector<std::string_view>& GroupKeys() const { return group_keys; }

  // Reused buffers.
  std::string key_bytes;            // every group's key, back to back
  std::vector<size_t> key_offsets;  // per group: where its key starts
  std::vector<uint64_t> group_hash;
  std::vector<uint32_t> slots;  // open addressing: group + 1, 0 = empty
  std::string scratch;          // the key of the row being grouped
};

/// Appends the key parts of physical row `row` after the prefix.
using KeyEncoder = absl::FunctionRef<void(uint32_t row, std::string* key)>;

/// Groups `rows` (physical indexes; `hashes[i]` the key hash of rows[i])
/// by the key operator `op` | key group | encode(row), into `out`
/// (cleared first; its buffers are reused).
void GroupRowsByKey(std::span<const uint32_t> rows,
                    std::span<const uint64_t> hashes, storage::OperatorId op,
                    int max_parallelism, KeyEncoder encode, KeyedRows* out);

/// Groups the live rows of `batch` by `key_columns` under operator `op`.
KeyedRows GroupRowsByKey(const types::Batch& batch,
                         const std::vector<int>& key_columns,
                         storage::OperatorId op, int max_parallelism);

}  // namespace weir::exec
