#include "engine/exec/keyed_rows.h"

#include <bit>

#include "engine/exec/key_hash.h"

namespace weir::exec {

void GroupRowsByKey(std::span<const uint32_t> rows,
                    std::span<const uint64_t> hashes, storage::OperatorId op,
                    int max_parallelism, KeyEncoder encode, KeyedRows* out) {
  const size_t n = rows.size();
  out->rows.assign(rows.begin(), rows.end());
  out->group_of.resize(n);
  out->first_row.clear();
  out->key_group.clear();
  out->group_keys.clear();
  out->key_bytes.clear();
  out->key_offsets.clear();
  out->group_hash.clear();
  // At most half full.
  const size_t capacity = std::bit_ceil(std::max<size_t>(16, 2 * n));
  out->slots.assign(capacity, 0);
  const size_t mask = capacity - 1;
  std::string& key = out->scratch;
  for (size_t i = 0; i < n; ++i) {
    const int kg = KeyGroupOf(hashes[i], max_parallelism);
    key.clear();
    storage::AppendKeyPrefix(&key, op, kg);
    encode(rows[i], &key);
    // The hash's low bits also pick the key group: mix before masking.
    size_t slot = (hashes[i] * 0x9E3779B97F4A7C15ull) >> 17 & mask;
    for (;; slot = (slot + 1) & mask) {
      const uint32_t g = out->slots[slot];
      if (g == 0) {
        const uint32_t group = static_cast<uint32_t>(out->first_row.size());
        out->slots[slot] = group + 1;
        out->first_row.push_back(static_cast<uint32_t>(i));
        out->key_group.push_back(kg);
        out->group_hash.push_back(hashes[i]);
        out->key_offsets.push_back(out->key_bytes.size());
        out->key_bytes.append(key);
        out->group_of[i] = group;
        break;
      }
      const size_t other = g - 1;
      if (out->group_hash[other] != hashes[i]) continue;
      const size_t begin = out->key_offsets[other];
      const size_t end = other + 1 < out->key_offsets.size()
                             ? out->key_offsets[other + 1]
                             : out->key_bytes.size();
      if (std::string_view(out->key_bytes).substr(begin, end - begin) == key) {
        out->group_of[i] = static_cast<uint32_t>(other);
        break;
      }
    }
  }
  // Views last: key_bytes may have moved while it grew.
  const std::string_view bytes = out->key_bytes;
  for (size_t g = 0; g < out->key_offsets.size(); ++g) {
    const size_t begin = out->key_offsets[g];
    const size_t end = g + 1 < out->key_offsets.size() ? out->key_offsets[g + 1]
                                                       : bytes.size();
    out->group_keys.push_back(bytes.substr(begin, end - begin));
  }
}

KeyedRows GroupRowsByKey(const types::Batch& batch,
                         const std::vector<int>& key_columns,
                         storage::OperatorId op, int max_parallelism) {
  const size_t live = batch.num_selected();
  std::vector<uint32_t> rows(live);
  for (size_t i = 0; i < live; ++i) {
    rows[i] = batch.has_selection() ? batch.selection()[i]
                                    : static_cast<uint32_t>(i);
  }
  std::vector<uint64_t> hashes;
  KeyHash(batch, key_columns, &hashes);
  KeyedRows out;
  GroupRowsByKey(rows, hashes, op, max_parallelism,
                 [&](uint32_t row, std::string* key) {
                   for (int k : key_columns) {
                     storage::AppendColumnValue(
                         key, batch.column(static_cast<size_t>(k)), row);
                   }
                 },
                 &out);
  return out;
}

}  // namespace weir::exec
