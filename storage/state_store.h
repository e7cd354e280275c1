#pragma once

// The state store: where stateful operators keep their state, over RocksDB
// (storage/ is the only module that includes RocksDB; this header does
// not).
//
// Shape. A query opens one StateBackend on its state directory; each of
// its stateful tasks opens one StateStore (one RocksDB instance) for the
// key groups it owns:
//
//   <state.dir>/<query>/          StateBackend: LOCK, COMMIT (the record)
//     <store>/db/                 the store's working RocksDB
//     <store>/checkpoints/<id>/   its snapshots (hard links to db's files)
//
// One RocksDB per task rather than one per query, because a task must be
// able to snapshot its own state the moment its checkpoint barriers are
// aligned while other tasks of the same query are still before theirs or
// already past them: with one database per task that snapshot is exactly
// the task's state at its barrier (a RocksDB checkpoint of its database),
// with no writes held back and no locking between tasks. The stores of a
// backend share one RocksDB block cache, one memtable budget and
// RocksDB's background threads, so more tasks do not mean more memory.
// Keys carry their key group (key_codec.h), so a different task count
// later can regroup key ranges instead of rehashing.
//
// Keys and values are bytes. Keys are ordered by memcmp (key_codec.h
// makes that the SQL order of the encoded values): scans run in key
// order, and range deletion drops a key range at once (expired windows).
//
// The hot path. Each store caches hot entries in memory within a byte
// budget (`state.cache-size` divided among the query's stateful tasks) and
// writes them back to RocksDB in write batches: an aggregate that looks up
// its group, updates the accumulator and emits costs one hash lookup when
// the group is cached, and one RocksDB read when it is not (a key RocksDB
// never saw usually stops at its Bloom filters); Put and Delete never read
// RocksDB, and nothing is written to RocksDB per event. Entries are evicted
// (CLOCK, like LRU) when the cache is over budget, dirty ones written back
// in one batch; state larger than the cache, and larger than memory, lives
// in RocksDB, which the cache reads through. Writes go to RocksDB without
// its write-ahead log: durability comes only from checkpoints.
//
// Visibility. Within a store, every read sees every earlier write of that
// store (cache first, RocksDB behind it). A scan reads the cached entries
// of its range as they are at Seek merged with a RocksDB view taken at
// Seek (writing nothing back): it sees every write made before Seek and
// none made after, so the caller may write and delete while it scans.
//
// Thread-safety. A StateStore belongs to one task: it is used by one
// thread at a time and has no locks (the runtime gives each task its own
// key-group range, so tasks never share keys). A StateBackend may be used
// from any thread (OpenStore from tasks, Commit from a coordinator).
//
// Checkpoints (the protocol is docs/state.md and the next issue's; what the
// store offers for it):
//   1. At its aligned barrier each task calls StateStore::Checkpoint(id):
//      the cache's dirty entries go to RocksDB and a RocksDB checkpoint of
//      the task's database is made into <store>/checkpoints/<id> (hard
//      links to the immutable SST files, so only what changed since the
//      previous one is new on disk) and synced. Task-level metadata (source
//      positions, sink transactions) is ordinary state under the reserved
//      operator id kTaskMetadataOperator, written before this call, so it
//      is in the same snapshot as the state it belongs to.
//   2. When every task has, StateBackend::Commit(id, metadata) writes the
//      query's commit record (the checkpoint id, the snapshot of each
//      store, and the query's metadata) to a new file, syncs it and renames
//      it over COMMIT: the one atomic step that makes checkpoint `id` the
//      state of the query. Then older snapshots are deleted.
//   3. On restart, StateBackend::Open reads COMMIT (last_commit()) and
//      OpenStore restores each store from the snapshot the record names;
//      the working databases (anything written after that checkpoint) and
//      snapshots never committed are discarded -- unless the runtime first
//      rolls forward to the newest of them (RollForward: an exactly-once
//      sink committed it before the crash). With no record every store
//      starts empty. So after a crash at any moment the query sees the
//      state of its last completed checkpoint, and only that.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::storage {

/// The id of a checkpoint; increasing within a query.
struct CheckpointId {
  uint64_t value = 0;
  friend auto operator<=>(const CheckpointId&, const CheckpointId&) = default;
};

/// A half-open key range [begin, end); an empty `end` means no upper bound.
struct KeyRange {
  std::string begin;
  std::string end;
  /// Every key that starts with `prefix`.
  static KeyRange Prefix(std::string_view prefix);
};

inline constexpr size_t kMiB = size_t{1} << 20;

struct StateBackendOptions {
  /// The query's state directory; created (with its parents) if missing.
  std::filesystem::path dir;
  /// RocksDB's cache of data blocks, shared by the backend's stores.
  size_t block_cache_bytes = 32 * kMiB;
  /// RocksDB's memtables of all the backend's stores together.
  size_t memtable_bytes = 64 * kMiB;
};

struct StoreOptions {
  /// The hot-state cache budget of this store (approximate: key and value
  /// bytes plus about 170 bytes per entry).
  size_t cache_bytes = 64 * kMiB;
};

/// A completed checkpoint as the commit record holds it.
struct CommitRecord {
  CheckpointId id;
  /// The caller's metadata (opaque bytes; e.g. the plan fingerprint).
  std::string metadata;
  /// Each store of the query and the checkpoint its snapshot was taken at
  /// (`id` for stores open at the commit; earlier for stores closed before).
  struct Store {
    std::string name;
    CheckpointId snapshot;
  };
  std::vector<Store> stores;
};

/// What a store snapshot took.
struct SnapshotStats {
  size_t files = 0;
  uint64_t bytes = 0;      // every file of the snapshot
  uint64_t new_bytes = 0;  // files the store's previous snapshot lacked
};

/// Counters of one store (for SHOW QUERIES, tests and benchmarks).
struct StoreStats {
  size_t cached_entries = 0;
  size_t cached_bytes = 0;
  size_t dirty_entries = 0;
  uint64_t hits = 0;          // lookups answered by the cache
  uint64_t misses = 0;        // lookups that went to RocksDB
  uint64_t written_back = 0;  // entries written to RocksDB
  uint64_t evicted = 0;       // entries dropped from the cache for room
  uint64_t write_batches = 0;
  /// RocksDB's SST files and memtables (approximate state size).
  uint64_t disk_bytes = 0;
  uint64_t memtable_bytes = 0;
};

class StateStore;

/// The state of one query: its directory, the RocksDB resources its stores
/// share, and its commit record. Thread-safe. Must outlive its stores.
class StateBackend {
 public:
  /// Opens (creating) `options.dir` and reads its commit record. Errors
  /// name the path: a directory that cannot be created or locked (another
  /// process has it open: FailedPrecondition), an unreadable or damaged
  /// commit record (DataLoss).
  static absl::StatusOr<std::unique_ptr<StateBackend>> Open(
      StateBackendOptions options);
  ~StateBackend();
  StateBackend(const StateBackend&) = delete;
  StateBackend& operator=(const StateBackend&) = delete;

  const std::filesystem::path& dir() const;
  /// The last completed checkpoint, as found at Open or made by Commit.
  std::optional<CommitRecord> last_commit() const;

  /// Opens store `name` (letters, digits, '.', '_', '-'; e.g. "s2-t0"):
  /// restored from the snapshot the last commit record names for it, or
  /// empty when the record has none or there is no record. What the store
  /// held beyond that (writes after the checkpoint, snapshots of
  /// checkpoints never committed) is discarded. AlreadyExists when the
  /// store is open.
  absl::StatusOr<std::unique_ptr<StateStore>> OpenStore(
      std::string_view name, StoreOptions options = {});

  /// Roll forward (an exactly-once sink commits its transaction for a
  /// checkpoint before the commit record is written; a crash between the
  /// two leaves a checkpoint the sink made visible and no record). At Open
  /// the snapshots taken after the last completed checkpoint are kept
  /// until the first OpenStore, so the runtime decides first:
  ///  - newest_uncommitted(): the highest checkpoint after last_commit()
  ///    that some store has a snapshot of (nullopt: none);
  ///  - RollForward(id, metadata): completes checkpoint `id` from those
  ///    snapshots, as Commit would have (each store with a snapshot `id`
  ///    is named at it, the others at what the last record named);
  ///  - or open the stores, which discards them (the default).
  /// Scans the store directories; call it before opening any store.
  std::optional<CheckpointId> newest_uncommitted() const;
  /// FailedPrecondition when a store is or was open in this run, `id` is
  /// not after the last completed checkpoint, or no store has a snapshot
  /// of it and it was not prepared (a query without stores); errors writing the record as Commit's.
  absl::Status RollForward(CheckpointId id, std::string_view metadata);

  /// Records, durably, that checkpoint `id` (every store has taken its
  /// snapshot) is about to be committed with `metadata`: written before an
  /// exactly-once sink makes the checkpoint's output visible, so that a
  /// crash before Commit can roll forward to it with the metadata (source
  /// positions) it would have had. Replaced by the next Prepare; ignored
  /// once a commit record reaches `id`.
  absl::Status Prepare(CheckpointId id, std::string_view metadata);
  /// The checkpoint of the last Prepare (this run or one before) when it
  /// is after the last completed checkpoint, with its metadata.
  struct Prepared {
    CheckpointId id;
    std::string metadata;
  };
  absl::StatusOr<std::optional<Prepared>> prepared() const;

  /// Completes checkpoint `id`: every open store must have taken its
  /// snapshot (StateStore::Checkpoint(id)), else FailedPrecondition naming
  /// the store; ids must increase. Writes and syncs the commit record
  /// atomically (a new file renamed over the old), then deletes snapshots
  /// older than the ones it names.
  absl::Status Commit(CheckpointId id, std::string_view metadata);

  /// Deletes a query's state directory (DROP, a temporary directory of
  /// `weir -e`). FailedPrecondition when a backend has it open.
  static absl::Status Destroy(const std::filesystem::path& dir);

  struct Impl;

 private:
  explicit StateBackend(std::unique_ptr<Impl> impl);
  // prepared() with impl_->mu held.
  absl::StatusOr<std::optional<Prepared>> PreparedLocked() const;
  std::unique_ptr<Impl> impl_;
};

/// The state of one task: keyed byte values over its own RocksDB, with a
/// hot-state cache in front. Not thread-safe: one task uses it at a time.
///
/// Pointers returned by Get and Mutable stay valid until the next call of
/// any other method of the store (which may evict), or, inside a
/// BatchScope, until the scope ends (nothing is evicted inside one; only
/// DeleteRange(s) still drops the entries of its ranges).
/// Errors are RocksDB's I/O errors, naming the store's path; after an error
/// the store keeps its cached state (nothing written is dropped).
class StateStore {
 public:
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& name() const;

  /// The value of `key`, or nullptr when it has none.
  absl::StatusOr<const std::string*> Get(std::string_view key);

  /// The value of `key` for updating in place: the caller may change or
  /// replace *value as it likes (an absent key's value starts empty and
  /// exists once returned). The read-modify-write of an aggregate: one
  /// lookup, no copy, no RocksDB write.
  struct Slot {
    std::string* value = nullptr;
    bool existed = false;  // the key had a value before this call
  };
  absl::StatusOr<Slot> Mutable(std::string_view key);

  /// Brings the values of `keys` that are not cached into the cache with
  /// one batched RocksDB read (MultiGet) instead of one read per key, so
  /// that the Get and Mutable calls that follow hit: the lookups of a whole
  /// batch of events at once. Use it inside a BatchScope, which keeps the
  /// entries cached until the scope ends; outside one, later calls may
  /// evict them again. Keys may repeat. Free while RocksDB holds nothing.
  absl::Status Prefetch(std::span<const std::string_view> keys);

  /// Blind writes: never read RocksDB.
  absl::Status Put(std::string_view key, std::string_view value);
  absl::Status Delete(std::string_view key);

  /// Deletes every key in [begin, end) (both bounds given; nothing when
  /// begin >= end; an empty end is InvalidArgument). Costs a pass over
  /// the cached entries of the ranges' key groups (at most one over the
  /// whole cache) and one RocksDB seek per range, so drop many
  /// ranges (e.g. the expired windows of every key group a task owns) with
  /// one DeleteRanges, once per watermark step rather than per event. A
  /// range of up to 512 keys in RocksDB is deleted key by key, a larger
  /// one with a RocksDB range tombstone (which every later read of the
  /// memtable would otherwise pay for: RocksDB 7.8 fragments them again
  /// per read; after 32 of them the memtable is flushed).
  absl::Status DeleteRange(std::string_view begin, std::string_view end);
  absl::Status DeleteRanges(std::span<const KeyRange> ranges);

  /// Reads a key range in key order. Reusable: Seek again with the same
  /// scanner to avoid setting up a new RocksDB iterator. A scanner must not
  /// outlive the store that last seeked it.
  class Scanner {
   public:
    Scanner();
    ~Scanner();
    Scanner(Scanner&&) noexcept;
    Scanner& operator=(Scanner&&) noexcept;

    /// False at the end of the range or after an error (see status()).
    bool Valid() const;
    std::string_view key() const;
    std::string_view value() const;
    void Next();
    absl::Status status() const;

    struct Impl;

   private:
    friend class StateStore;
    std::unique_ptr<Impl> impl_;
  };
  /// Positions `scanner` at the first key of `range` (see Visibility).
  absl::Status Seek(const KeyRange& range, Scanner* scanner);

  /// Writes every dirty cached entry back to RocksDB (they stay cached).
  absl::Status Flush();

  /// Snapshot for checkpoint `id` (see the header comment): flushes, then
  /// makes <store>/checkpoints/<id> and syncs it. The checkpoint completes
  /// only with StateBackend::Commit.
  absl::StatusOr<SnapshotStats> Checkpoint(CheckpointId id);

  /// Inside a scope nothing is evicted, so every pointer Get and Mutable
  /// returned stays valid (an operator may look up a whole batch's groups,
  /// then update them); the cache may exceed its budget by what the scope
  /// touches, and evicts when it ends. Scopes do not nest.
  class BatchScope {
   public:
    explicit BatchScope(StateStore* store);
    ~BatchScope();
    BatchScope(const BatchScope&) = delete;
    BatchScope& operator=(const BatchScope&) = delete;
    /// The first eviction error at the end of the scope (OK otherwise);
    /// call Close to see it, else it shows at the store's next call.
    absl::Status Close();

   private:
    StateStore* store_;
    bool closed_ = false;
  };

  StoreStats stats() const;

  struct Impl;

 private:
  friend class StateBackend;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Where state lives when `state.dir` is not set: $XDG_DATA_HOME/weir/state
/// or ~/.local/share/weir/state (empty when neither variable is set).
std::filesystem::path DefaultStateDir();

/// A fresh private temporary directory for state that must not outlive the
/// process (`weir -e`): $TMPDIR (or /tmp)/weir-state-XXXXXX. The caller
/// removes it with StateBackend::Destroy.
absl::StatusOr<std::filesystem::path> MakeTemporaryStateDir();

}  // namespace weir::storage
