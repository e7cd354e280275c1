// StateBackend: a query's state directory, its stores and commit record.

#include <stdlib.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <system_error>

#include "engine/base/check.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "storage/rocksdb_util.h"
#include "storage/state_store.h"
#include "storage/store_impl.h"
#include "xxhash.h"

namespace weir::storage {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kCommitFile = "COMMIT";
// Prepare's record: the checkpoint id on the first line, then the metadata.
constexpr std::string_view kPreparedFile = "PREPARED";
constexpr std::string_view kLockFile = "LOCK";
constexpr std::string_view kCommitMagic = "WEIRCMT1";

// ---- The commit record: little-endian fields, then an XXH64 of them ----
//   magic "WEIRCMT1" | u64 checkpoint id | u32 stores |
//   per store: u32 name length, name, u64 snapshot id |
//   u32 metadata length, metadata | u64 XXH64(everything before)

void PutU32(std::string* out, uint32_t v) {
  for (int k = 0; k < 4; ++k) out->push_back(static_cast<char>(v >> (8 * k)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int k = 0; k < 8; ++k) out->push_back(static_cast<char>(v >> (8 * k)));
}

std::string EncodeCommitRecord(const CommitRecord& r) {
  std::string out(kCommitMagic);
  PutU64(&out, r.id.value);
  PutU32(&out, static_cast<uint32_t>(r.stores.size()));
  for (const CommitRecord::Store& s : r.stores) {
    PutU32(&out, static_cast<uint32_t>(s.name.size()));
    out += s.name;
    PutU64(&out, s.snapshot.value);
  }
  PutU32(&out, static_cast<uint32_t>(r.metadata.size()));
  out += r.metadata;
  PutU64(&out, XXH64(out.data(), out.size(), 0));
  return out;
}

/// Reads the fields of a record; false when the bytes end too soon.
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}
  bool U32(uint32_t* v) { return Fixed(4, v); }
  bool U64(uint64_t* v) { return Fixed(8, v); }
  bool Bytes(size_t n, std::string* out) {
    if (in_.size() < n) return false;
    out->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  size_t left() const { return in_.size(); }

 private:
  template <typename T>
  bool Fixed(int n, T* v) {
    if (in_.size() < static_cast<size_t>(n)) return false;
    *v = 0;
    for (int k = 0; k < n; ++k) {
      *v |= static_cast<T>(static_cast<unsigned char>(in_[k])) << (8 * k);
    }
    in_.remove_prefix(n);
    return true;
  }
  std::string_view in_;
};

absl::StatusOr<CommitRecord> DecodeCommitRecord(std::string_view bytes,
                                                const fs::path& path) {
  auto damaged = [&](std::string_view why) {
    return absl::DataLossError(fmt::format(
        "the commit record '{}' is damaged ({}); the query's state cannot "
        "be trusted: remove the directory '{}' to start the query afresh",
        path.string(), why, path.parent_path().string()));
  };
  if (bytes.size() < kCommitMagic.size() + 8 ||
      bytes.substr(0, kCommitMagic.size()) != kCommitMagic) {
    return damaged("not a Weir commit record");
  }
  std::string_view body = bytes.substr(0, bytes.size() - 8);
  RecordReader sum(bytes.substr(bytes.size() - 8));
  uint64_t expected = 0;
  sum.U64(&expected);
  if (XXH64(body.data(), body.size(), 0) != expected) {
    return damaged("checksum mismatch");
  }
  RecordReader in(body.substr(kCommitMagic.size()));
  CommitRecord r;
  uint32_t stores = 0, md_len = 0;
  if (!in.U64(&r.id.value) || !in.U32(&stores)) return damaged("cut short");
  for (uint32_t i = 0; i < stores; ++i) {
    CommitRecord::Store s;
    uint32_t len = 0;
    if (!in.U32(&len) || !in.Bytes(len, &s.name) ||
        !in.U64(&s.snapshot.value)) {
      return damaged("cut short");
    }
    r.stores.push_back(std::move(s));
  }
  if (!in.U32(&md_len) || !in.Bytes(md_len, &r.metadata) || in.left() != 0) {
    return damaged("bad length");
  }
  return r;
}

bool ValidStoreName(std::string_view name) {
  if (name.empty() || name.size() > 100 || name == "." || name == "..") {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/// The snapshot ids in a store's checkpoints directory (names that are
/// not ids are left alone).
std::vector<std::pair<uint64_t, fs::path>> ListSnapshots(
    const fs::path& checkpoints) {
  std::vector<std::pair<uint64_t, fs::path>> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(checkpoints, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() != 20 ||
        name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    out.emplace_back(std::strtoull(name.c_str(), nullptr, 10), e.path());
  }
  return out;
}

}  // namespace

struct StateBackend::Impl {
  StateBackendOptions options;
  internal::FileLock lock;
  internal::SharedRocks rocks;

  mutable std::mutex mu;
  std::optional<CommitRecord> last_commit;  // guarded by mu
  struct StoreState {
    bool open = false;
    /// The snapshot that holds its state: taken in this run, or the one
    /// it was restored from.
    std::optional<CheckpointId> snapshot;
    /// Snapshots taken in this run and not yet named by a commit record:
    /// a task may take its final snapshot while an earlier checkpoint it
    /// took part in is still completing, and that checkpoint's record
    /// must name the earlier one (its directory stays until a record
    /// names a later one).
    std::set<uint64_t> taken;
  };
  std::map<std::string, StoreState, std::less<>> stores;  // guarded by mu

  Impl(StateBackendOptions o, internal::FileLock l)
      : options(std::move(o)), lock(std::move(l)), rocks(options) {}

  /// Deletes each store's snapshots older than the one `record` names.
  void DropOldSnapshots(const CommitRecord& record) {
    for (const CommitRecord::Store& s : record.stores) {
      for (const auto& [id, path] :
           ListSnapshots(options.dir / s.name / "checkpoints")) {
        if (id >= s.snapshot.value) continue;
        absl::Status st = internal::RemoveAll(path);
        if (!st.ok()) {
          Log(LogLevel::kWarning,
              fmt::format("old state snapshot not removed: {}",
                          std::string(st.message())));
        }
      }
    }
  }
};

StateBackend::StateBackend(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

StateBackend::~StateBackend() {
  std::lock_guard<std::mutex> guard(impl_->mu);
  for (const auto& [name, state] : impl_->stores) {
    WEIR_CHECK_MSG(!state.open, "a StateStore outlived its StateBackend");
  }
}

absl::StatusOr<std::unique_ptr<StateBackend>> StateBackend::Open(
    StateBackendOptions options) {
  if (options.dir.empty()) {
    return absl::InvalidArgumentError("the state directory is not set");
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("cannot create state directory '{}': {}",
                    options.dir.string(), ec.message()));
  }
  WEIR_ASSIGN_OR_RETURN(
      internal::FileLock lock,
      internal::FileLock::Acquire(options.dir / kLockFile, "state directory"));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(lock));
  const fs::path commit = impl->options.dir / kCommitFile;
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                        internal::ReadFileIfExists(commit));
  if (bytes) {
    WEIR_ASSIGN_OR_RETURN(CommitRecord record,
                          DecodeCommitRecord(*bytes, commit));
    impl->last_commit = std::move(record);
  }
  // A record being written when the process died never counted.
  fs::path tmp = commit;
  tmp += ".tmp";
  WEIR_RETURN_IF_ERROR(internal::RemoveAll(tmp));
  return std::unique_ptr<StateBackend>(new StateBackend(std::move(impl)));
}

const fs::path& StateBackend::dir() const { return impl_->options.dir; }

std::optional<CommitRecord> StateBackend::last_commit() const {
  std::lock_guard<std::mutex> guard(impl_->mu);
  return impl_->last_commit;
}

absl::StatusOr<std::unique_ptr<StateStore>> StateBackend::OpenStore(
    std::string_view name, StoreOptions options) {
  if (!ValidStoreName(name)) {
    return absl::InvalidArgumentError(fmt::format(
        "bad state store name '{}' (letters, digits, '.', '_', '-')", name));
  }
  std::lock_guard<std::mutex> guard(impl_->mu);
  Impl::StoreState& state = impl_->stores[std::string(name)];
  if (state.open) {
    return absl::AlreadyExistsError(
        fmt::format("state store '{}' of '{}' is already open", name,
                    impl_->options.dir.string()));
  }
  auto store = std::make_unique<StateStore::Impl>();
  store->name = std::string(name);
  store->dir = impl_->options.dir / store->name;
  store->db_dir = store->dir / "db";
  store->budget = options.cache_bytes;
  store->write_options.disableWAL = true;
  const fs::path checkpoints = store->dir / "checkpoints";
  std::error_code ec;
  fs::create_directories(checkpoints, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("cannot create state directory '{}': {}",
                    checkpoints.string(), ec.message()));
  }

  // The snapshot this store's state is: the one the last completed
  // checkpoint names, also for a store closed and opened again in this
  // run (a snapshot it took for a checkpoint that has not completed must
  // not count: the sources would replay from the completed one).
  std::optional<CheckpointId> restore;
  if (impl_->last_commit) {
    for (const CommitRecord::Store& s : impl_->last_commit->stores) {
      if (s.name == name) restore = s.snapshot;
    }
  }
  // Everything else goes: the working database and snapshots never
  // committed (or superseded).
  WEIR_RETURN_IF_ERROR(internal::RemoveAll(store->db_dir));
  for (const auto& [id, path] : ListSnapshots(checkpoints)) {
    if (!restore || id != restore->value) {
      WEIR_RETURN_IF_ERROR(internal::RemoveAll(path));
    }
  }
  if (restore) {
    const fs::path snapshot = checkpoints / SnapshotDirName(*restore);
    if (!fs::exists(snapshot)) {
      return absl::DataLossError(fmt::format(
          "the state of store '{}' lacks its snapshot '{}' named by the "
          "commit record of '{}'; remove that directory to start the query "
          "afresh",
          name, snapshot.string(), impl_->options.dir.string()));
    }
    WEIR_RETURN_IF_ERROR(internal::RestoreSnapshot(snapshot, store->db_dir));
    store->db_has_data = true;
    store->last_snapshot = restore;
  }
  WEIR_ASSIGN_OR_RETURN(
      store->db, internal::OpenDb(impl_->rocks.DbOptions(), store->db_dir));

  Impl* backend = impl_.get();
  std::string key(name);
  store->on_snapshot = [backend, key](CheckpointId id) {
    std::lock_guard<std::mutex> g(backend->mu);
    auto& s = backend->stores[key];
    s.snapshot = id;
    s.taken.insert(id.value);
  };
  store->on_close = [backend, key] {
    std::lock_guard<std::mutex> g(backend->mu);
    backend->stores[key].open = false;
  };
  state.open = true;
  state.snapshot = restore;
  return std::unique_ptr<StateStore>(new StateStore(std::move(store)));
}

namespace {

/// The store directories of a query's directory (those with snapshots).
std::vector<std::string> StoreDirs(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (ValidStoreName(name) && fs::is_directory(e.path() / "checkpoints", ec))
      out.push_back(name);
  }
  return out;
}

}  // namespace

std::optional<CheckpointId> StateBackend::newest_uncommitted() const {
  std::lock_guard<std::mutex> guard(impl_->mu);
  const uint64_t after = impl_->last_commit ? impl_->last_commit->id.value : 0;
  std::optional<CheckpointId> newest;
  for (const std::string& name : StoreDirs(impl_->options.dir)) {
    for (const auto& [id, path] :
         ListSnapshots(impl_->options.dir / name / "checkpoints")) {
      if (id > after && (!newest || id > newest->value))
        newest = CheckpointId{id};
    }
  }
  return newest;
}

absl::Status StateBackend::RollForward(CheckpointId id,
                                       std::string_view metadata) {
  CommitRecord record;
  {
    std::lock_guard<std::mutex> guard(impl_->mu);
    if (!impl_->stores.empty()) {
      return absl::FailedPreconditionError(fmt::format(
          "cannot roll '{}' forward to checkpoint {}: its stores were opened "
          "(which discarded the snapshots after the last commit)",
          impl_->options.dir.string(), id.value));
    }
    if (impl_->last_commit && id <= impl_->last_commit->id) {
      return absl::FailedPreconditionError(fmt::format(
          "checkpoint {} is not after the last completed checkpoint {}",
          id.value, impl_->last_commit->id.value));
    }
    std::map<std::string, CheckpointId, std::less<>> snapshots;
    if (impl_->last_commit) {
      for (const CommitRecord::Store& s : impl_->last_commit->stores)
        snapshots[s.name] = s.snapshot;
    }
    bool any = false;
    for (const std::string& name : StoreDirs(impl_->options.dir)) {
      if (fs::exists(impl_->options.dir / name / "checkpoints" /
                     SnapshotDirName(id))) {
        snapshots[name] = id;
        any = true;
      }
    }
    if (!any) {
      // A query without stores rolls forward to what it prepared.
      absl::StatusOr<std::optional<Prepared>> p = PreparedLocked();
      any = p.ok() && *p && (*p)->id == id;
    }
    if (!any) {
      return absl::FailedPreconditionError(fmt::format(
          "cannot roll '{}' forward to checkpoint {}: no store has its "
          "snapshot",
          impl_->options.dir.string(), id.value));
    }
    record.id = id;
    record.metadata = std::string(metadata);
    for (const auto& [name, snapshot] : snapshots)
      record.stores.push_back({name, snapshot});
    WEIR_RETURN_IF_ERROR(internal::WriteFileDurably(
        impl_->options.dir / kCommitFile, EncodeCommitRecord(record)));
    impl_->last_commit = record;
    for (auto& [name, state] : impl_->stores) {
      state.taken.erase(state.taken.begin(),
                        state.taken.upper_bound(id.value));
    }
  }
  impl_->DropOldSnapshots(record);
  return absl::OkStatus();
}

absl::Status StateBackend::Prepare(CheckpointId id, std::string_view metadata) {
  return internal::WriteFileDurably(
      impl_->options.dir / kPreparedFile,
      fmt::format("{}\n{}", id.value, metadata));
}

absl::StatusOr<std::optional<StateBackend::Prepared>> StateBackend::prepared()
    const {
  std::lock_guard<std::mutex> guard(impl_->mu);
  return PreparedLocked();
}

absl::StatusOr<std::optional<StateBackend::Prepared>>
StateBackend::PreparedLocked() const {
  const fs::path path = impl_->options.dir / kPreparedFile;
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                        internal::ReadFileIfExists(path));
  if (!bytes) return std::optional<Prepared>();
  const size_t nl = bytes->find('\n');
  Prepared p;
  const std::string first = bytes->substr(0, nl);
  char* end = nullptr;
  p.id.value = std::strtoull(first.c_str(), &end, 10);
  if (nl == std::string::npos || first.empty() || *end != '\0') {
    return absl::DataLossError(
        fmt::format("'{}' is damaged: no checkpoint id", path.string()));
  }
  if (impl_->last_commit && p.id <= impl_->last_commit->id)
    return std::optional<Prepared>();
  p.metadata = bytes->substr(nl + 1);
  return std::optional<Prepared>(std::move(p));
}

absl::Status StateBackend::Commit(CheckpointId id, std::string_view metadata) {
  CommitRecord record;
  {
    std::lock_guard<std::mutex> guard(impl_->mu);
    if (impl_->last_commit && id <= impl_->last_commit->id) {
      return absl::FailedPreconditionError(fmt::format(
          "checkpoint {} is not after the last completed checkpoint {}",
          id.value, impl_->last_commit->id.value));
    }
    // The previous record's stores, updated by what this run did.
    std::map<std::string, CheckpointId, std::less<>> snapshots;
    if (impl_->last_commit) {
      for (const CommitRecord::Store& s : impl_->last_commit->stores) {
        snapshots[s.name] = s.snapshot;
      }
    }
    for (const auto& [name, state] : impl_->stores) {
      if (state.taken.count(id.value) > 0) {
        snapshots[name] = id;
        continue;
      }
      if (state.open && state.snapshot != id) {
        return absl::FailedPreconditionError(fmt::format(
            "cannot complete checkpoint {}: state store '{}' has not taken "
            "its snapshot",
            id.value, name));
      }
      if (state.snapshot && *state.snapshot <= id) {
        snapshots[name] = *state.snapshot;
      }
    }
    record.id = id;
    record.metadata = std::string(metadata);
    for (const auto& [name, snapshot] : snapshots) {
      record.stores.push_back({name, snapshot});
    }
    WEIR_RETURN_IF_ERROR(internal::WriteFileDurably(
        impl_->options.dir / kCommitFile, EncodeCommitRecord(record)));
    impl_->last_commit = record;
  }
  impl_->DropOldSnapshots(record);
  return absl::OkStatus();
}

absl::Status StateBackend::Destroy(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return absl::OkStatus();
  // Refuse while a backend holds it (its lock dies with us right after).
  WEIR_ASSIGN_OR_RETURN(
      internal::FileLock lock,
      internal::FileLock::Acquire(dir / kLockFile, "state directory"));
  return internal::RemoveAll(dir);
}

fs::path DefaultStateDir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return fs::path(xdg) / "weir" / "state";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') {
    return fs::path(home) / ".local" / "share" / "weir" / "state";
  }
  return {};
}

absl::StatusOr<fs::path> MakeTemporaryStateDir() {
  const char* tmpdir = std::getenv("TMPDIR");
  fs::path base = tmpdir != nullptr && tmpdir[0] != '\0' ? tmpdir : "/tmp";
  std::string pattern = (base / "weir-state-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return internal::FileError("cannot create a temporary state directory in",
                               base, errno);
  }
  return fs::path(pattern);
}

}  // namespace weir::storage
