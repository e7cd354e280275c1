#pragma once

// The hot-state cache of one StateStore (internal to storage/): cached
// keys with their values, which of them differ from the database (dirty),
// a byte budget, and the choice of entries to evict (CLOCK, an LRU
// approximation whose hit costs one store to the entry). It does no I/O:
// the store reads misses from RocksDB and writes dirty victims back.
// Not thread-safe; owned by its store.
//
// Entries are also linked into buckets by their first kBucketPrefix bytes
// (a state key's operator id, key group and first byte after them), ordered by that
// prefix, so that a range operation (a scan's write-back, DeleteRanges)
// visits only the entries of the key groups its range covers instead of
// the whole cache: a window or session operator closes its windows key
// group by key group, and a pass over the whole cache per key group made
// closing cost (key groups x cache entries).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"

namespace weir::storage::internal {

struct CacheEntry;
/// A cached key and its entry. Its address is stable until Erase.
using CacheNode = std::pair<const std::string, CacheEntry>;

/// The entries whose keys share their first kBucketPrefix bytes (all of
/// a shorter key).
struct CacheBucket {
  CacheNode* head = nullptr;
  size_t size = 0;
};

struct CacheEntry {
  std::string value;
  bool present = false;     // false: the key has no value (deleted, a miss)
  bool dirty = false;       // differs from the database
  /// RocksDB may hold a value of the key (false: known not to, so deleting
  /// it needs no tombstone and the entry can simply go).
  bool maybe_in_db = false;
  bool referenced = false;  // CLOCK: used since the hand last passed
  bool picked = false;      // chosen by PickVictims, not yet erased
  size_t charged = 0;       // bytes counted against the budget
  CacheNode* ring_prev = nullptr;  // every entry, in CLOCK order
  CacheNode* ring_next = nullptr;
  CacheNode* dirty_prev = nullptr;  // dirty entries only
  CacheNode* dirty_next = nullptr;
  CacheBucket* bucket = nullptr;  // the bucket of the key's prefix
  CacheNode* bucket_prev = nullptr;
  CacheNode* bucket_next = nullptr;
};

class HotCache {
 public:
  /// What one entry costs besides its key and value bytes (hash slot, node,
  /// links), so that a budget bounds memory, not just payload.
  static constexpr size_t kEntryOverhead = 168;
  /// Operator id (4 bytes), key group (2 bytes; see key_codec.h) and the
  /// key's first byte after them, which some operators use to keep two
  /// kinds of entries apart (a session's timers from its sessions).
  static constexpr size_t kBucketPrefix = 7;

  HotCache() = default;
  HotCache(const HotCache&) = delete;
  HotCache& operator=(const HotCache&) = delete;

  /// The entry of `key`, marked referenced; nullptr when not cached.
  CacheNode* Find(std::string_view key) {
    auto it = map_.find(absl::string_view(key.data(), key.size()));
    if (it == map_.end()) return nullptr;
    it->second.referenced = true;
    return &*it;
  }

  /// A new entry for `key` (not cached), absent and clean, charged.
  CacheNode* Insert(std::string_view key);
  void MarkDirty(CacheNode* node);
  void MarkClean(CacheNode* node);
  /// Charges the entry for its current value size.
  void Recharge(CacheNode* node);
  /// Removes the entry (dirty or not; writing it back is the caller's job).
  void Erase(CacheNode* node);
  void Clear();

  /// Appends to `victims` entries to evict, chosen by CLOCK, until what is
  /// left would be at most `target` bytes; never `keep`. Picks, does not
  /// erase: the caller writes dirty victims back, then erases them, or
  /// gives them back with Unpick when it could not.
  void PickVictims(size_t target, const CacheNode* keep,
                   std::vector<CacheNode*>* victims);
  void Unpick(std::span<CacheNode* const> victims);

  /// Calls fn(node) for every entry whose key may be in [begin, end) (end
  /// empty: no bound): a superset, the caller checks each key. fn may
  /// Erase the node it is given, and only that one.
  template <typename Fn>
  void ForEachMaybeInRange(std::string_view begin, std::string_view end,
                           Fn&& fn) {
    // Truncating keys to the prefix keeps their order (not strictly), so
    // a key in [begin, end) has its bucket in [trunc(begin), trunc(end)].
    auto it = buckets_.lower_bound(Trunc(begin));
    while (it != buckets_.end() &&
           (end.empty() || std::string_view(it->first) <= Trunc(end))) {
      auto next = std::next(it);  // fn may empty (and erase) this bucket
      CacheNode* node = it->second.head;
      while (node != nullptr) {
        CacheNode* after = node->second.bucket_next;
        fn(node);
        node = after;
      }
      it = next;
    }
  }
  /// How many entries ForEachMaybeInRange(begin, end) would visit.
  size_t CountMaybeInRange(std::string_view begin, std::string_view end) const;

  /// The dirty entries, oldest first: for (n = first_dirty(); n; n = next).
  CacheNode* first_dirty() const { return dirty_head_; }
  static CacheNode* next_dirty(const CacheNode* node) {
    return node->second.dirty_next;
  }

  size_t bytes() const { return bytes_; }
  size_t entries() const { return map_.size(); }
  size_t dirty_entries() const { return dirty_count_; }

 private:
  static size_t Charge(const CacheNode& node);
  static std::string_view Trunc(std::string_view key) {
    return key.substr(0, std::min(key.size(), kBucketPrefix));
  }
  void BucketLink(CacheNode* node);
  void BucketUnlink(CacheNode* node);
  void RingUnlink(CacheNode* node);
  void DirtyUnlink(CacheNode* node);

  using Map = absl::node_hash_map<std::string, CacheEntry>;
  /// Erased nodes kept for the next inserts (at most this many): a cache
  /// over budget erases an entry per miss, and a node reused keeps its
  /// allocation and its key's and value's buffers, so a miss allocates
  /// nothing once the cache is full.
  static constexpr size_t kMaxSpareNodes = 4096;
  static constexpr size_t kMaxSpareValue = 256;

  // Debian's Abseil has its own string_view: lookups convert to it.
  Map map_;
  std::vector<Map::node_type> spare_;
  std::map<std::string, CacheBucket, std::less<>> buckets_;
  // CLOCK ring (circular); the hand is the next entry to examine, new
  // entries go just behind it (examined last).
  CacheNode* ring_head_ = nullptr;  // the hand
  CacheNode* dirty_head_ = nullptr;
  CacheNode* dirty_tail_ = nullptr;
  size_t dirty_count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace weir::storage::internal
