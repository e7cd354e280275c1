#include "storage/hot_cache.h"

#include "engine/base/check.h"

namespace weir::storage::internal {

size_t HotCache::Charge(const CacheNode& node) {
  // Heap bytes of a std::string beyond its inline buffer (libstdc++ keeps
  // up to 15 characters inline); an allocation costs about 16 more.
  auto heap = [](const std::string& s) -> size_t {
    return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0;
  };
  return kEntryOverhead + heap(node.first) + heap(node.second.value);
}

CacheNode* HotCache::Insert(std::string_view key) {
  CacheNode* node = nullptr;
  if (!spare_.empty()) {
    Map::node_type spare = std::move(spare_.back());
    spare_.pop_back();
    spare.key().assign(key);
    // A fresh entry, keeping the value's buffer.
    std::string value = std::move(spare.mapped().value);
    value.clear();
    spare.mapped() = CacheEntry();
    spare.mapped().value = std::move(value);
    auto result = map_.insert(std::move(spare));
    WEIR_CHECK(result.inserted);
    node = &*result.position;
  } else {
    auto [it, inserted] =
        map_.try_emplace(absl::string_view(key.data(), key.size()));
    WEIR_CHECK(inserted);
    node = &*it;
  }
  CacheEntry& e = node->second;
  if (ring_head_ == nullptr) {
    e.ring_prev = e.ring_next = node;
    ring_head_ = node;
  } else {
    // Just behind the hand: the last entry the hand will reach.
    CacheNode* tail = ring_head_->second.ring_prev;
    e.ring_prev = tail;
    e.ring_next = ring_head_;
    tail->second.ring_next = node;
    ring_head_->second.ring_prev = node;
  }
  BucketLink(node);
  e.referenced = true;
  e.charged = Charge(*node);
  bytes_ += e.charged;
  return node;
}

void HotCache::MarkDirty(CacheNode* node) {
  CacheEntry& e = node->second;
  if (e.dirty) return;
  e.dirty = true;
  e.dirty_prev = dirty_tail_;
  e.dirty_next = nullptr;
  if (dirty_tail_ != nullptr) {
    dirty_tail_->second.dirty_next = node;
  } else {
    dirty_head_ = node;
  }
  dirty_tail_ = node;
  ++dirty_count_;
}

void HotCache::DirtyUnlink(CacheNode* node) {
  CacheEntry& e = node->second;
  if (e.dirty_prev != nullptr) {
    e.dirty_prev->second.dirty_next = e.dirty_next;
  } else {
    dirty_head_ = e.dirty_next;
  }
  if (e.dirty_next != nullptr) {
    e.dirty_next->second.dirty_prev = e.dirty_prev;
  } else {
    dirty_tail_ = e.dirty_prev;
  }
  e.dirty_prev = e.dirty_next = nullptr;
  --dirty_count_;
}

void HotCache::MarkClean(CacheNode* node) {
  if (!node->second.dirty) return;
  DirtyUnlink(node);
  node->second.dirty = false;
}

void HotCache::Recharge(CacheNode* node) {
  size_t now = Charge(*node);
  bytes_ = bytes_ - node->second.charged + now;
  node->second.charged = now;
}

void HotCache::RingUnlink(CacheNode* node) {
  CacheEntry& e = node->second;
  if (e.ring_next == node) {
    ring_head_ = nullptr;
  } else {
    e.ring_prev->second.ring_next = e.ring_next;
    e.ring_next->second.ring_prev = e.ring_prev;
    if (ring_head_ == node) ring_head_ = e.ring_next;
  }
}

void HotCache::BucketLink(CacheNode* node) {
  const std::string_view prefix = Trunc(node->first);
  auto it = buckets_.find(prefix);
  if (it == buckets_.end()) it = buckets_.emplace(prefix, CacheBucket{}).first;
  CacheBucket& b = it->second;
  CacheEntry& e = node->second;
  e.bucket = &b;
  e.bucket_prev = nullptr;
  e.bucket_next = b.head;
  if (b.head != nullptr) b.head->second.bucket_prev = node;
  b.head = node;
  ++b.size;
}

void HotCache::BucketUnlink(CacheNode* node) {
  CacheEntry& e = node->second;
  CacheBucket& b = *e.bucket;
  if (e.bucket_prev != nullptr) {
    e.bucket_prev->second.bucket_next = e.bucket_next;
  } else {
    b.head = e.bucket_next;
  }
  if (e.bucket_next != nullptr) e.bucket_next->second.bucket_prev = e.bucket_prev;
  if (--b.size == 0) buckets_.erase(buckets_.find(Trunc(node->first)));
  e.bucket = nullptr;
  e.bucket_prev = e.bucket_next = nullptr;
}

size_t HotCache::CountMaybeInRange(std::string_view begin,
                                   std::string_view end) const {
  size_t n = 0;
  for (auto it = buckets_.lower_bound(Trunc(begin));
       it != buckets_.end() &&
       (end.empty() || std::string_view(it->first) <= Trunc(end));
       ++it) {
    n += it->second.size;
  }
  return n;
}

void HotCache::Erase(CacheNode* node) {
  if (node->second.dirty) DirtyUnlink(node);
  RingUnlink(node);
  BucketUnlink(node);
  bytes_ -= node->second.charged;
  auto it = map_.find(absl::string_view(node->first));
  WEIR_CHECK(it != map_.end() && &*it == node);
  if (spare_.size() < kMaxSpareNodes) {
    spare_.push_back(map_.extract(it));
    // Small buffers only: what spare nodes hold is not charged.
    std::string& value = spare_.back().mapped().value;
    if (value.capacity() > kMaxSpareValue) value = std::string();
  } else {
    map_.erase(it);
  }
}

void HotCache::Clear() {
  map_.clear();
  spare_.clear();
  buckets_.clear();
  ring_head_ = dirty_head_ = dirty_tail_ = nullptr;
  dirty_count_ = 0;
  bytes_ = 0;
}

void HotCache::PickVictims(size_t target, const CacheNode* keep,
                           std::vector<CacheNode*>* victims) {
  if (bytes_ <= target || ring_head_ == nullptr) return;
  size_t freed = 0;
  // Two full turns at most: the first clears every referenced bit, the
  // second then finds every entry unreferenced.
  size_t steps = 2 * map_.size();
  CacheNode* node = ring_head_;
  while (bytes_ - freed > target && steps-- > 0) {
    CacheEntry& e = node->second;
    if (node != keep && !e.picked) {
      if (e.referenced) {
        e.referenced = false;
      } else {
        e.picked = true;
        victims->push_back(node);
        freed += e.charged;
      }
    }
    node = e.ring_next;
  }
  ring_head_ = node;
}

void HotCache::Unpick(std::span<CacheNode* const> victims) {
  for (CacheNode* node : victims) node->second.picked = false;
}

}  // namespace weir::storage::internal
