#pragma once

// RocksDB and file-system helpers of storage/ (internal; the only header
// of Weir that includes RocksDB). Every error names the path it is about.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/state_store.h"

namespace weir::storage::internal {

/// A RocksDB status as an absl::Status: "<what>: <RocksDB's message>"
/// (I/O errors Unavailable, corruption DataLoss).
absl::Status FromRocks(const rocksdb::Status& status, std::string_view what);

/// "<what> '<path>': <strerror(err)>" as an absl::Status.
absl::Status FileError(std::string_view what, const std::filesystem::path& path,
                       int err);

/// RocksDB resources shared by the stores of one backend.
struct SharedRocks {
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;

  explicit SharedRocks(const StateBackendOptions& options);
  /// The options of each store's database (see rocksdb_util.cc for why).
  rocksdb::Options DbOptions() const;
};

/// Opens (creating) the database in `dir`.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDb(
    const rocksdb::Options& options, const std::filesystem::path& dir);

/// A RocksDB checkpoint of `db` in `target` (which must not exist; a
/// leftover of a failed attempt is removed first), synced. `previous` is
/// the store's previous snapshot (or empty), to count the new bytes.
absl::StatusOr<SnapshotStats> MakeSnapshot(
    rocksdb::DB* db, const std::filesystem::path& target,
    const std::filesystem::path& previous);

/// Replaces `db_dir` with a database made from `snapshot`: SST files
/// hard-linked (they are immutable), everything else copied (RocksDB
/// appends to its MANIFEST, which the snapshot must keep as it is).
absl::Status RestoreSnapshot(const std::filesystem::path& snapshot,
                             const std::filesystem::path& db_dir);

/// Removes `path` and everything below it; OK when it does not exist.
absl::Status RemoveAll(const std::filesystem::path& path);
/// fsync of a directory, so that the names in it are durable.
absl::Status SyncDir(const std::filesystem::path& dir);
/// Writes `path` atomically and durably: a temporary file, fsync, rename
/// over `path`, fsync of the directory.
absl::Status WriteFileDurably(const std::filesystem::path& path,
                              std::string_view bytes);
/// The contents of `path`; nullopt when it does not exist.
absl::StatusOr<std::optional<std::string>> ReadFileIfExists(
    const std::filesystem::path& path);

/// An exclusive advisory lock (flock) on a file, held while the object
/// lives; released when the process dies, whatever the way.
class FileLock {
 public:
  /// FailedPrecondition when another process (or another open descriptor
  /// of this one) holds it.
  static absl::StatusOr<FileLock> Acquire(const std::filesystem::path& path,
                                          std::string_view holder);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace weir::storage::internal
