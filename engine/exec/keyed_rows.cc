#include "engine/exec/keyed_rows.h"

#include <unordered_map>

#include "engine/exec/key_hash.h"

namespace weir::exec {

std::vector<std::string_view> KeyedRows::GroupKeys() const {
  std::vector<std::string_view> out;
  out.reserve(first_row.size());
  for (uint32_t i : first_row) out.emplace_back(keys[i]);
  return out;
}

KeyedRows GroupRowsByKey(const types::Batch& batch,
                         const std::vector<int>& key_columns,
                         storage::OperatorId op, int max_parallelism) {
  KeyedRows out;
  const size_t live = batch.num_selected();
  out.rows.resize(live);
  for (size_t i = 0; i < live; ++i) {
    out.rows[i] = batch.has_selection() ? batch.selection()[i]
                                        : static_cast<uint32_t>(i);
  }
  std::vector<uint64_t> hashes;
  KeyHash(batch, key_columns, &hashes);
  out.keys.reserve(live);
  for (size_t i = 0; i < live; ++i) {
    std::string key;
    storage::AppendKeyPrefix(&key, op, KeyGroupOf(hashes[i], max_parallelism));
    for (int k : key_columns) {
      storage::AppendColumnValue(&key, batch.column(static_cast<size_t>(k)),
                                 out.rows[i]);
    }
    out.keys.push_back(std::move(key));
  }
  out.group_of.resize(live);
  std::unordered_map<std::string_view, uint32_t> index;
  for (size_t i = 0; i < live; ++i) {
    auto [it, added] = index.emplace(std::string_view(out.keys[i]),
                                     static_cast<uint32_t>(out.first_row.size()));
    if (added) out.first_row.push_back(static_cast<uint32_t>(i));
    out.group_of[i] = it->second;
  }
  return out;
}

}  // namespace weir::exec
