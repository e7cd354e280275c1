#include "storage/rocksdb_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "engine/base/status.h"
#include "fmt/format.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"

namespace weir::storage::internal {
namespace fs = std::filesystem;

namespace {

/// An owned file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  /// Closes now and reports close's error (0 when fine).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

absl::Status FsError(std::string_view what, const fs::path& path,
                     const std::error_code& ec) {
  return absl::UnavailableError(
      fmt::format("{} '{}': {}", what, path.string(), ec.message()));
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = fmt::format("{}: {}", what, status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsIOError()) return absl::UnavailableError(message);
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

absl::Status FileError(std::string_view what, const fs::path& path, int err) {
  return absl::UnavailableError(
      fmt::format("{} '{}': {}", what, path.string(), std::strerror(err)));
}

SharedRocks::SharedRocks(const StateBackendOptions& options)
    : block_cache(rocksdb::NewLRUCache(options.block_cache_bytes)),
      write_buffers(std::make_shared<rocksdb::WriteBufferManager>(
          options.memtable_bytes)) {}

rocksdb::Options SharedRocks::DbOptions() const {
  rocksdb::Options o;
  o.create_if_missing = true;
  // Durability comes from checkpoints (snapshots flush the memtables), and
  // a restart always restores the last committed snapshot, so a store
  // needs no write-ahead log (writes use disableWAL) and no flush at close.
  o.avoid_flush_during_shutdown = true;
  // Memtables: small per database, all of a backend's within one budget.
  o.write_buffer_manager = write_buffers;
  o.write_buffer_size = 16 << 20;
  o.max_write_buffer_number = 3;
  // Point lookups of keys a memtable lacks stop at a Bloom filter.
  o.memtable_whole_key_filtering = true;
  o.memtable_prefix_bloom_size_ratio = 0.05;
  // Two cores: flushes and compactions share two background jobs.
  o.max_background_jobs = 2;
  o.level_compaction_dynamic_level_bytes = true;
  o.compression = rocksdb::kLZ4Compression;
  o.max_open_files = 512;
  o.info_log_level = rocksdb::WARN_LEVEL;
  o.keep_log_file_num = 2;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache;
  // Misses of the hot-state cache are often keys never written (a new
  // group): 10 bits per key answer most of them without reading a block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDb(
    const rocksdb::Options& options, const fs::path& dir) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(options, dir.string(), &raw);
  std::unique_ptr<rocksdb::DB> db(raw);
  if (!st.ok()) {
    return FromRocks(st,
                     fmt::format("cannot open state store '{}'", dir.string()));
  }
  return db;
}

absl::StatusOr<SnapshotStats> MakeSnapshot(rocksdb::DB* db,
                                           const fs::path& target,
                                           const fs::path& previous) {
  WEIR_RETURN_IF_ERROR(RemoveAll(target));
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return FsError("cannot create checkpoint directory", target.parent_path(),
                   ec);
  }
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status st = rocksdb::Checkpoint::Create(db, &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (st.ok()) {
    // log_size_for_flush 0: always flush the memtables first (the store
    // writes without a WAL, so the memtables are the only copy).
    st = checkpoint->CreateCheckpoint(target.string(), 0);
  }
  WEIR_RETURN_IF_ERROR(FromRocks(
      st, fmt::format("cannot snapshot state into '{}'", target.string())));
  WEIR_RETURN_IF_ERROR(SyncDir(target));
  WEIR_RETURN_IF_ERROR(SyncDir(target.parent_path()));

  SnapshotStats stats;
  for (const fs::directory_entry& entry : fs::directory_iterator(target, ec)) {
    uint64_t size = entry.file_size(ec);
    if (ec) return FsError("cannot read", entry.path(), ec);
    ++stats.files;
    stats.bytes += size;
    if (previous.empty() || !fs::exists(previous / entry.path().filename())) {
      stats.new_bytes += size;
    }
  }
  if (ec) return FsError("cannot list", target, ec);
  return stats;
}

absl::Status RestoreSnapshot(const fs::path& snapshot, const fs::path& db_dir) {
  WEIR_RETURN_IF_ERROR(RemoveAll(db_dir));
  std::error_code ec;
  fs::create_directories(db_dir, ec);
  if (ec) return FsError("cannot create", db_dir, ec);
  for (const fs::directory_entry& entry :
       fs::directory_iterator(snapshot, ec)) {
    const fs::path to = db_dir / entry.path().filename();
    if (entry.path().extension() == ".sst") {
      fs::create_hard_link(entry.path(), to, ec);
      if (!ec) continue;
      ec.clear();  // another file system: copy instead
    }
    fs::copy_file(entry.path(), to, ec);
    if (ec) return FsError("cannot restore state file", entry.path(), ec);
  }
  if (ec) return FsError("cannot read snapshot", snapshot, ec);
  return absl::OkStatus();
}

absl::Status RemoveAll(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return FsError("cannot remove", path, ec);
  return absl::OkStatus();
}

absl::Status SyncDir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return FileError("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return FileError("cannot sync", dir, errno);
  return absl::OkStatus();
}

absl::Status WriteFileDurably(const fs::path& path, std::string_view bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    UniqueFd fd(
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return FileError("cannot create", tmp, errno);
    while (!bytes.empty()) {
      ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FileError("cannot write", tmp, errno);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    if (::fsync(fd.get()) != 0) return FileError("cannot sync", tmp, errno);
    if (int err = fd.Close(); err != 0) {
      return FileError("cannot close", tmp, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return FileError("cannot rename into", path, errno);
  }
  return SyncDir(path.parent_path());
}

absl::StatusOr<std::optional<std::string>> ReadFileIfExists(
    const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return FileError("cannot open", path, errno);
  }
  std::string text;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("cannot read", path, errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(text));
}

absl::StatusOr<FileLock> FileLock::Acquire(const fs::path& path,
                                           std::string_view holder) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("cannot create lock file", path, errno);
  FileLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(fmt::format(
          "{} '{}' is in use (another Weir process, or another query of "
          "this one, has it open)",
          holder, path.parent_path().string()));
    }
    return FileError("cannot lock", path, errno);
  }
  return lock;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // also releases the flock
}

}  // namespace weir::storage::internal
