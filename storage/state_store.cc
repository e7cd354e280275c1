// StateStore: the hot-state cache in front of a task's RocksDB.

#include "storage/state_store.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/base/check.h"
#include "engine/base/status.h"
#include "storage/key_codec.h"
#include "storage/rocksdb_util.h"
#include "storage/store_impl.h"

namespace weir::storage {
namespace fs = std::filesystem;
using internal::CacheNode;
using internal::FromRocks;

namespace {

bool InRange(std::string_view key, std::string_view begin,
             std::string_view end) {
  return key >= begin && (end.empty() || key < end);
}

/// Adds the write-back of the dirty entries among `nodes` to `batch`, in
/// key order (sorts `nodes`): the memtable's skip list inserts keys in
/// order several times faster than in the hash order of the cache, since
/// each insert starts where the previous one ended. Returns how many.
size_t AddWriteBacks(rocksdb::WriteBatch* batch,
                     std::vector<CacheNode*>* nodes) {
  std::sort(nodes->begin(), nodes->end(),
            [](const CacheNode* a, const CacheNode* b) {
              return a->first < b->first;
            });
  size_t n = 0;
  for (const CacheNode* node : *nodes) {
    if (!node->second.dirty) continue;
    if (node->second.present) {
      batch->Put(node->first, node->second.value);
    } else {
      batch->Delete(node->first);
    }
    ++n;
  }
  return n;
}

/// A range of more keys than this in RocksDB is deleted by one range
/// tombstone, a smaller one key by key (StateStore::Impl::AddRangeDeletion).
constexpr size_t kMaxPointDeletions = 512;
/// The live memtable is let go after this many range tombstones.
constexpr size_t kMaxMemtableRangeTombstones = 32;

}  // namespace

KeyRange KeyRange::Prefix(std::string_view prefix) {
  return KeyRange{std::string(prefix), PrefixSuccessor(prefix)};
}

// ---- StateStore::Impl ----

StateStore::Impl::~Impl() {
  for (Scanner::Impl* s : scanners) {
    s->it.reset();
    s->owner = nullptr;
    s->valid = false;
  }
}

void StateStore::Impl::Settle() {
  for (CacheNode* node : touched) cache.Recharge(node);
  touched.clear();
}

absl::StatusOr<CacheNode*> StateStore::Impl::Lookup(std::string_view key) {
  if (CacheNode* node = cache.Find(key)) {
    ++counters.hits;
    return node;
  }
  CacheNode* node = cache.Insert(key);
  if (db_has_data) {
    ++counters.misses;
    rocksdb::Status st =
        db->Get(read_options, node->first, &node->second.value);
    if (st.ok()) {
      node->second.present = true;
      node->second.maybe_in_db = true;
    } else if (st.IsNotFound()) {
      node->second.value.clear();
    } else {
      cache.Erase(node);
      return FromRocks(st, Where());
    }
    cache.Recharge(node);
  }
  return node;
}

CacheNode* StateStore::Impl::Entry(std::string_view key) {
  CacheNode* node = cache.Find(key);
  if (node != nullptr) {
    ++counters.hits;
    return node;
  }
  node = cache.Insert(key);
  node->second.maybe_in_db = db_has_data;  // not read: unknown
  return node;
}

absl::Status StateStore::Impl::WriteBatchToDb() {
  rocksdb::Status st = db->Write(write_options, &batch);
  batch.Clear();
  WEIR_RETURN_IF_ERROR(FromRocks(st, Where()));
  db_has_data = true;
  ++db_version;
  ++counters.write_batches;
  return absl::OkStatus();
}

absl::Status StateStore::Impl::AddRangeDeletion(rocksdb::Iterator* it,
                                                std::string_view begin,
                                                std::string_view end) {
  // RocksDB 7.8 fragments the range tombstones of the live memtable again
  // at every read that meets them (Get and iterators alike), so a window
  // operator that drops its expired windows at each watermark would make
  // every read slower and slower. A range of few keys (the usual case:
  // the windows that just closed) is deleted key by key instead; only a
  // large one becomes a range tombstone.
  const rocksdb::Slice b(begin.data(), begin.size());
  const rocksdb::Slice e(end.data(), end.size());
  batch.SetSavePoint();
  size_t keys = 0;
  for (it->Seek(b); it->Valid() && it->key().compare(e) < 0; it->Next()) {
    if (++keys > kMaxPointDeletions) break;
    batch.Delete(it->key());
  }
  WEIR_RETURN_IF_ERROR(FromRocks(it->status(), Where()));
  if (keys > kMaxPointDeletions) {
    WEIR_RETURN_IF_ERROR(FromRocks(batch.RollbackToSavePoint(), Where()));
    batch.DeleteRange(b, e);
    ++range_tombstones;
  } else {
    WEIR_RETURN_IF_ERROR(FromRocks(batch.PopSavePoint(), Where()));
  }
  return absl::OkStatus();
}

absl::Status StateStore::Impl::MaybeEvict(const CacheNode* keep) {
  if (in_scope || cache.bytes() <= budget) return absl::OkStatus();
  // Evict an eighth of the budget at once, so that write-backs come in
  // batches rather than one per event.
  victims.clear();
  cache.PickVictims(budget - budget / 8, keep, &victims);
  batch.Clear();
  const size_t dirty = AddWriteBacks(&batch, &victims);
  if (dirty > 0) {
    absl::Status st = WriteBatchToDb();
    if (!st.ok()) {
      cache.Unpick(victims);  // kept, still dirty: nothing is lost
      return st;
    }
  }
  counters.written_back += dirty;
  counters.evicted += victims.size();
  for (CacheNode* node : victims) cache.Erase(node);
  victims.clear();
  return absl::OkStatus();
}

absl::Status StateStore::Impl::FlushRange(std::string_view begin,
                                          std::string_view end) {
  const bool all = begin.empty() && end.empty();
  victims.clear();  // here: the entries written back
  batch.Clear();
  if (all || cache.dirty_entries() <= cache.CountMaybeInRange(begin, end)) {
    for (CacheNode* node = cache.first_dirty(); node != nullptr;
         node = internal::HotCache::next_dirty(node)) {
      if (!all && !InRange(node->first, begin, end)) continue;
      victims.push_back(node);
    }
  } else {
    // Fewer entries in the range's buckets than dirty ones overall (a
    // scan of one key group): visit those.
    cache.ForEachMaybeInRange(begin, end, [&](CacheNode* node) {
      if (node->second.dirty && InRange(node->first, begin, end))
        victims.push_back(node);
    });
  }
  if (victims.empty()) return absl::OkStatus();
  AddWriteBacks(&batch, &victims);
  WEIR_RETURN_IF_ERROR(WriteBatchToDb());
  counters.written_back += victims.size();
  for (CacheNode* node : victims) {
    cache.MarkClean(node);
    node->second.maybe_in_db = node->second.present;
  }
  victims.clear();
  return absl::OkStatus();
}

// ---- StateStore ----

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StateStore::~StateStore() {
  if (impl_ && impl_->on_close) impl_->on_close();
}

const std::string& StateStore::name() const { return impl_->name; }

absl::StatusOr<const std::string*> StateStore::Get(std::string_view key) {
  impl_->Settle();
  WEIR_ASSIGN_OR_RETURN(CacheNode * node, impl_->Lookup(key));
  WEIR_RETURN_IF_ERROR(impl_->MaybeEvict(node));
  return node->second.present ? &node->second.value : nullptr;
}

absl::StatusOr<StateStore::Slot> StateStore::Mutable(std::string_view key) {
  impl_->Settle();
  WEIR_ASSIGN_OR_RETURN(CacheNode * node, impl_->Lookup(key));
  Slot slot{&node->second.value, node->second.present};
  node->second.present = true;
  impl_->cache.MarkDirty(node);
  impl_->touched.push_back(node);
  WEIR_RETURN_IF_ERROR(impl_->MaybeEvict(node));
  return slot;
}

absl::Status StateStore::Prefetch(std::span<const std::string_view> keys) {
  impl_->Settle();
  if (!impl_->db_has_data) return absl::OkStatus();
  std::vector<CacheNode*>& fetched = impl_->fetched;
  fetched.clear();
  impl_->fetch_keys.clear();
  for (std::string_view key : keys) {
    if (impl_->cache.Find(key) != nullptr) {  // also a repeat
      ++impl_->counters.hits;
      continue;
    }
    CacheNode* node = impl_->cache.Insert(key);
    fetched.push_back(node);
    impl_->fetch_keys.emplace_back(node->first);
  }
  if (fetched.empty()) return absl::OkStatus();
  const size_t n = fetched.size();
  impl_->fetch_values.resize(n);
  impl_->fetch_statuses.resize(n);
  impl_->db->MultiGet(impl_->read_options, impl_->db->DefaultColumnFamily(), n,
                      impl_->fetch_keys.data(), impl_->fetch_values.data(),
                      impl_->fetch_statuses.data());
  absl::Status error;
  for (size_t i = 0; i < n; ++i) {
    const rocksdb::Status& st = impl_->fetch_statuses[i];
    rocksdb::PinnableSlice& value = impl_->fetch_values[i];
    if (st.ok()) {
      fetched[i]->second.value.assign(value.data(), value.size());
      fetched[i]->second.present = true;
      fetched[i]->second.maybe_in_db = true;
      impl_->cache.Recharge(fetched[i]);
    } else if (!st.IsNotFound() && error.ok()) {
      error = FromRocks(st, impl_->Where());
    }
    value.Reset();  // unpins RocksDB's block
  }
  impl_->counters.misses += n;
  if (!error.ok()) {
    // Nothing half-read stays cached (they are all clean).
    for (CacheNode* node : fetched) impl_->cache.Erase(node);
    fetched.clear();
    return error;
  }
  fetched.clear();
  return impl_->MaybeEvict(nullptr);
}

absl::Status StateStore::Put(std::string_view key, std::string_view value) {
  impl_->Settle();
  CacheNode* node = impl_->Entry(key);
  node->second.value.assign(value);
  node->second.present = true;
  impl_->cache.MarkDirty(node);
  impl_->cache.Recharge(node);
  return impl_->MaybeEvict(node);
}

absl::Status StateStore::Delete(std::string_view key) {
  impl_->Settle();
  CacheNode* node = impl_->Entry(key);
  node->second.value.clear();
  node->second.value.shrink_to_fit();
  node->second.present = false;
  if (node->second.maybe_in_db) {
    impl_->cache.MarkDirty(node);  // a tombstone to write back
    impl_->cache.Recharge(node);
    return impl_->MaybeEvict(node);
  }
  // RocksDB holds no value of the key: it is simply absent, and its entry
  // goes (a session's moved timers would else fill the cache with
  // entries of nothing). Inside a BatchScope pointers must stay valid, so
  // the entry goes when the scope ends.
  impl_->cache.MarkClean(node);
  if (impl_->in_scope) {
    impl_->cache.Recharge(node);
    if (impl_->absent_count == impl_->absent.size()) impl_->absent.emplace_back();
    impl_->absent[impl_->absent_count++].assign(key);
    return absl::OkStatus();
  }
  impl_->cache.Erase(node);
  return absl::OkStatus();
}

absl::Status StateStore::DeleteRange(std::string_view begin,
                                     std::string_view end) {
  KeyRange range{std::string(begin), std::string(end)};
  return DeleteRanges(std::span<const KeyRange>(&range, 1));
}

absl::Status StateStore::DeleteRanges(std::span<const KeyRange> ranges) {
  impl_->Settle();
  // Sorted, without empty ranges, overlapping ones merged: then a key is in
  // some range iff it is in the last range that begins at or before it.
  std::vector<std::pair<std::string_view, std::string_view>> merged;
  for (const KeyRange& r : ranges) {
    if (r.end.empty()) {
      return absl::InvalidArgumentError(
          "DeleteRange needs an end key (an empty end means no bound)");
    }
    if (r.begin < r.end) merged.emplace_back(r.begin, r.end);
  }
  if (merged.empty()) return absl::OkStatus();
  std::sort(merged.begin(), merged.end());
  size_t n = 0;
  for (size_t i = 1; i < merged.size(); ++i) {
    if (merged[i].first <= merged[n].second) {
      merged[n].second = std::max(merged[n].second, merged[i].second);
    } else {
      merged[++n] = merged[i];
    }
  }
  merged.resize(n + 1);

  // RocksDB first: if that fails, nothing has changed.
  if (impl_->db_has_data) {
    impl_->batch.Clear();
    for (const auto& [b, e] : merged) {
      // A fresh view (an iterator kept would pin old memtables and files),
      // bounded by the range's end: unbounded, a Seek into a range that
      // holds nothing walks on over every deleted key after it (the closed
      // windows of the next key groups) looking for a live one.
      rocksdb::ReadOptions bounded = impl_->read_options;
      const rocksdb::Slice upper(e.data(), e.size());
      bounded.iterate_upper_bound = &upper;
      std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(bounded));
      absl::Status st = impl_->AddRangeDeletion(it.get(), b, e);
      if (!st.ok()) {
        impl_->batch.Clear();
        return st;
      }
    }
    if (impl_->batch.Count() > 0) WEIR_RETURN_IF_ERROR(impl_->WriteBatchToDb());
    if (impl_->range_tombstones >= kMaxMemtableRangeTombstones) {
      // Let the memtable go (flushed in the background): its tombstones
      // are then fragmented once, not at every read.
      rocksdb::FlushOptions flush;
      flush.wait = false;
      WEIR_RETURN_IF_ERROR(FromRocks(impl_->db->Flush(flush), impl_->Where()));
      impl_->range_tombstones = 0;
    }
  }
  // The cached entries of the ranges' buckets (key groups) when they are
  // fewer than the whole cache (the ranges are disjoint, so an entry is
  // erased at most once), else one pass over every entry.
  size_t visits = 0;
  for (const auto& [b, e] : merged) visits += impl_->cache.CountMaybeInRange(b, e);
  if (visits <= impl_->cache.entries()) {
    for (const auto& range : merged) {
      // Not a structured binding: clang 14 cannot capture those.
      const auto& b = range.first;
      const auto& e = range.second;
      impl_->cache.ForEachMaybeInRange(b, e, [&](CacheNode* node) {
        if (InRange(node->first, b, e)) impl_->cache.Erase(node);
      });
    }
  } else {
    impl_->cache.ForEachMaybeInRange("", "", [&](CacheNode* node) {
      std::string_view key = node->first;
      auto it = std::upper_bound(
          merged.begin(), merged.end(), key,
          [](std::string_view k, const auto& r) { return k < r.first; });
      if (it != merged.begin() && key < std::prev(it)->second) {
        impl_->cache.Erase(node);
      }
    });
  }
  return absl::OkStatus();
}

absl::Status StateStore::Seek(const KeyRange& range, Scanner* scanner) {
  impl_->Settle();
  Scanner::Impl* s = scanner->impl_.get();
  if (s->owner != impl_.get()) {
    if (s->owner != nullptr) {
      std::erase(s->owner->scanners, s);
      s->it.reset();
    }
    s->owner = impl_.get();
    impl_->scanners.push_back(s);
  }
  // The cached entries of the range, copied and sorted.
  s->bytes.clear();
  s->cached.clear();
  s->next_cached = 0;
  impl_->cache.ForEachMaybeInRange(
      range.begin, range.end, [&](CacheNode* node) {
        if (!InRange(node->first, range.begin, range.end)) return;
        Scanner::Impl::Cached c;
        c.key = s->bytes.size();
        c.key_size = node->first.size();
        s->bytes.append(node->first);
        c.value = s->bytes.size();
        c.value_size = node->second.value.size();
        s->bytes.append(node->second.value);
        c.present = node->second.present;
        s->cached.push_back(c);
      });
  std::sort(s->cached.begin(), s->cached.end(),
            [s](const Scanner::Impl::Cached& a, const Scanner::Impl::Cached& b) {
              return s->CachedKey(a) < s->CachedKey(b);
            });
  s->use_db = impl_->db_has_data;
  if (s->use_db) {
    // The iterator is bounded by the range's end (see DeleteRanges): one
    // made for another end is made again.
    if (s->it != nullptr && s->end != range.end) s->it.reset();
    if (s->it != nullptr && s->version != impl_->db_version) {
      // A newer view of the same database; recreate if Refresh cannot.
      if (!s->it->Refresh().ok()) s->it.reset();
    }
    s->end = range.end;
    if (s->it == nullptr) {
      rocksdb::ReadOptions options = impl_->read_options;
      s->upper = rocksdb::Slice(s->end);
      if (!s->end.empty()) options.iterate_upper_bound = &s->upper;
      s->it.reset(impl_->db->NewIterator(options));
    }
    s->version = impl_->db_version;
    s->it->Seek(range.begin);
  } else {
    s->it.reset();  // its bound points into `end`
    s->end = range.end;
  }
  s->Settle();
  return s->status;
}

absl::Status StateStore::Flush() {
  impl_->Settle();
  return impl_->FlushRange("", "");
}

absl::StatusOr<SnapshotStats> StateStore::Checkpoint(CheckpointId id) {
  WEIR_RETURN_IF_ERROR(Flush());
  const fs::path checkpoints = impl_->dir / "checkpoints";
  fs::path previous;
  if (impl_->last_snapshot && *impl_->last_snapshot != id) {
    previous = checkpoints / SnapshotDirName(*impl_->last_snapshot);
    if (!fs::exists(previous)) previous.clear();
  }
  WEIR_ASSIGN_OR_RETURN(
      SnapshotStats stats,
      internal::MakeSnapshot(impl_->db.get(), checkpoints / SnapshotDirName(id),
                             previous));
  impl_->last_snapshot = id;
  if (impl_->on_snapshot) impl_->on_snapshot(id);
  return stats;
}

StoreStats StateStore::stats() const {
  StoreStats s = impl_->counters;
  s.cached_entries = impl_->cache.entries();
  s.cached_bytes = impl_->cache.bytes();
  s.dirty_entries = impl_->cache.dirty_entries();
  uint64_t v = 0;
  if (impl_->db->GetIntProperty("rocksdb.total-sst-files-size", &v)) {
    s.disk_bytes = v;
  }
  if (impl_->db->GetIntProperty("rocksdb.cur-size-all-mem-tables", &v)) {
    s.memtable_bytes = v;
  }
  return s;
}

// ---- BatchScope ----

StateStore::BatchScope::BatchScope(StateStore* store) : store_(store) {
  WEIR_CHECK_MSG(!store_->impl_->in_scope, "BatchScopes do not nest");
  store_->impl_->in_scope = true;
}

absl::Status StateStore::BatchScope::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  Impl* impl = store_->impl_.get();
  impl->in_scope = false;
  impl->Settle();
  // The entries of keys deleted in the scope that RocksDB lacks (Delete),
  // unless written again since.
  for (size_t i = 0; i < impl->absent_count; ++i) {
    CacheNode* node = impl->cache.Find(impl->absent[i]);
    if (node != nullptr && !node->second.present && !node->second.dirty &&
        !node->second.maybe_in_db) {
      impl->cache.Erase(node);
    }
  }
  impl->absent_count = 0;
  // On error the entries stay cached (and dirty); the next call retries.
  return impl->MaybeEvict(nullptr);
}

StateStore::BatchScope::~BatchScope() { Close().IgnoreError(); }

// ---- Scanner ----

void StateStore::Scanner::Impl::Settle() {
  valid = false;
  from_cache = false;
  status = absl::OkStatus();
  for (;;) {
    bool db_ok = false;
    std::string_view db_key;
    if (use_db && it != nullptr) {
      if (it->Valid()) {
        rocksdb::Slice k = it->key();
        db_key = std::string_view(k.data(), k.size());
        db_ok = end.empty() || db_key < end;
      } else {
        status =
            FromRocks(it->status(), owner != nullptr ? owner->Where() : "state store");
        if (!status.ok()) return;
      }
    }
    const bool cache_ok = next_cached < cached.size();
    if (!db_ok && !cache_ok) return;
    if (cache_ok) {
      const Cached& c = cached[next_cached];
      const std::string_view key = CachedKey(c);
      if (!db_ok || key <= db_key) {
        if (db_ok && key == db_key) it->Next();  // the cache overrides it
        if (!c.present) {  // deleted (or known absent): hides RocksDB's
          ++next_cached;
          continue;
        }
        from_cache = true;
        valid = true;
        return;
      }
    }
    valid = true;  // RocksDB's entry
    return;
  }
}

StateStore::Scanner::Scanner() : impl_(std::make_unique<Impl>()) {}

StateStore::Scanner::~Scanner() {
  if (impl_ && impl_->owner != nullptr) {
    std::erase(impl_->owner->scanners, impl_.get());
  }
}

StateStore::Scanner::Scanner(Scanner&&) noexcept = default;
StateStore::Scanner& StateStore::Scanner::operator=(Scanner&& other) noexcept {
  if (this != &other) {
    if (impl_ && impl_->owner != nullptr) {
      std::erase(impl_->owner->scanners, impl_.get());
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}

bool StateStore::Scanner::Valid() const { return impl_ && impl_->valid; }

std::string_view StateStore::Scanner::key() const {
  if (impl_->from_cache)
    return impl_->CachedKey(impl_->cached[impl_->next_cached]);
  rocksdb::Slice k = impl_->it->key();
  return {k.data(), k.size()};
}

std::string_view StateStore::Scanner::value() const {
  if (impl_->from_cache) {
    const Impl::Cached& c = impl_->cached[impl_->next_cached];
    return std::string_view(impl_->bytes).substr(c.value, c.value_size);
  }
  rocksdb::Slice v = impl_->it->value();
  return {v.data(), v.size()};
}

void StateStore::Scanner::Next() {
  if (!Valid()) return;
  if (impl_->from_cache) {
    ++impl_->next_cached;
  } else {
    impl_->it->Next();
  }
  impl_->Settle();
}

absl::Status StateStore::Scanner::status() const {
  return impl_ ? impl_->status : absl::OkStatus();
}

}  // namespace weir::storage
