#pragma once

// The inside of a StateStore, shared by state_store.cc (its methods) and
// state_backend.cc (which opens stores). Internal to storage/.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/hot_cache.h"
#include "storage/state_store.h"

namespace weir::storage {

/// The directory name of a snapshot: the id, zero-padded so that names
/// sort like ids.
inline std::string SnapshotDirName(CheckpointId id) {
  return fmt::format("{:020}", id.value);
}

// A scan merges two sorted sources: the cached entries of its range as
// they were at Seek (copied, so the caller may write while it scans) and a
// RocksDB iterator over the range (a view taken at Seek); a cached entry
// overrides RocksDB's value of its key, and one without a value hides it.
// Nothing is written back for a scan, so a window that is read and then
// deleted while it is still cached never reaches RocksDB.
struct StateStore::Scanner::Impl {
  StateStore::Impl* owner = nullptr;  // the store the iterator reads
  std::unique_ptr<rocksdb::Iterator> it;
  bool use_db = false;   // RocksDB held data at Seek
  uint64_t version = 0;  // the store's db_version the iterator reflects
  std::string end;       // empty: no upper bound
  rocksdb::Slice upper;  // `end`, the iterator's iterate_upper_bound
  bool valid = false;
  absl::Status status;

  /// The cached entries of the range at Seek, sorted by key; their bytes
  /// are in `bytes` (reused from scan to scan).
  struct Cached {
    size_t key = 0;  // offset in bytes
    size_t key_size = 0;
    size_t value = 0;
    size_t value_size = 0;
    bool present = false;
  };
  std::string bytes;
  std::vector<Cached> cached;
  size_t next_cached = 0;
  bool from_cache = false;  // the current entry is cached[next_cached]

  std::string_view CachedKey(const Cached& c) const {
    return std::string_view(bytes).substr(c.key, c.key_size);
  }
  /// Moves to the first visible entry at or after the sources' positions.
  void Settle();
};

struct StateStore::Impl {
  std::string name;
  std::filesystem::path dir;  // <backend dir>/<name>
  std::filesystem::path db_dir;
  std::unique_ptr<rocksdb::DB> db;
  size_t budget = 0;
  internal::HotCache cache;

  /// False while RocksDB holds nothing (a fresh store before its first
  /// write-back): a miss then needs no read.
  bool db_has_data = false;
  /// Bumped at every write to RocksDB, so a reused scanner knows to
  /// refresh its view.
  uint64_t db_version = 0;
  bool in_scope = false;
  /// Entries handed out by Mutable whose size may have changed since
  /// (charged again at the next call).
  std::vector<internal::CacheNode*> touched;
  std::vector<internal::CacheNode*> victims;  // reused by MaybeEvict
  /// Keys deleted inside the BatchScope whose entries go at its end
  /// (the first absent_count; the strings are reused).
  std::vector<std::string> absent;
  size_t absent_count = 0;
  rocksdb::WriteBatch batch;                  // reused for every write
  // Reused by Prefetch.
  std::vector<internal::CacheNode*> fetched;
  std::vector<rocksdb::Slice> fetch_keys;
  std::vector<rocksdb::PinnableSlice> fetch_values;
  std::vector<rocksdb::Status> fetch_statuses;
  rocksdb::WriteOptions write_options;
  rocksdb::ReadOptions read_options;
  /// Range tombstones written since the memtable was last flushed for
  /// them (see DeleteRanges).
  size_t range_tombstones = 0;
  std::optional<CheckpointId> last_snapshot;
  std::vector<Scanner::Impl*> scanners;  // attached, detached at close
  StoreStats counters;

  /// Told to the backend (which outlives the store).
  std::function<void(CheckpointId)> on_snapshot;
  std::function<void()> on_close;

  ~Impl();

  void Settle();
  /// The cached entry of `key`, read from RocksDB when not cached.
  absl::StatusOr<internal::CacheNode*> Lookup(std::string_view key);
  /// The entry of `key` without reading RocksDB (blind writes).
  internal::CacheNode* Entry(std::string_view key);
  absl::Status MaybeEvict(const internal::CacheNode* keep);
  /// Writes back the dirty entries in [begin, end) (end empty: no bound).
  absl::Status FlushRange(std::string_view begin, std::string_view end);
  absl::Status WriteBatchToDb();
  /// Adds to `batch` the deletion of RocksDB's keys in [begin, end), found
  /// with `it`.
  absl::Status AddRangeDeletion(rocksdb::Iterator* it, std::string_view begin,
                                std::string_view end);
  std::string Where() const {
    return fmt::format("state store '{}'", db_dir.string());
  }
};

}  // namespace weir::storage
