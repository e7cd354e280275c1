// The MySQL sink's tasks (compaction per key, hand-over at barriers) and
// its committer (one transaction per checkpoint, retried while MySQL is
// unreachable).

#include "connectors/mysql/mysql_sink.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "connectors/mysql/mysql_bulk.h"
#include "engine/base/duration.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

/// Each execution's values stay well under MariaDB's default
/// max_allowed_packet (16 MB).
constexpr size_t kMaxStatementBytes = 4 << 20;
/// Input rows a task holds while it waits for a checkpoint's commit before
/// Ready() says false (backpressure while MySQL is slow or unreachable).
constexpr int64_t kMaxHeldRows = 100000;
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

/// Every connection's first statement. Text parameters are read in the
/// session's character set, so NAMES utf8mb4 (the client library asks for
/// it at the handshake too, which a server started with
/// --skip-character-set-client-handshake ignores); strict mode makes a
/// value MySQL cannot store an error, not a truncation.
const char* kSessionSetup =
    "SET NAMES utf8mb4, "
    "SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', "
    "time_zone = '+00:00'";

/// Text that stays where it is put: chunks that never move, so views into
/// them stay valid while more text is added and when the holder moves.
class TextArena {
 public:
  TextArena() = default;
  TextArena(TextArena&& other) noexcept { *this = std::move(other); }
  TextArena& operator=(TextArena&& other) noexcept {
    chunks_ = std::move(other.chunks_);
    other.chunks_.clear();
    next_ = std::exchange(other.next_, nullptr);
    left_ = std::exchange(other.left_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
    return *this;
  }

  /// A copy of `text` in the arena.
  std::string_view Store(std::string_view text) {
    if (text.size() > left_) {
      const size_t size = std::max(kChunkBytes, text.size());
      chunks_.emplace_back(new char[size]);
      next_ = chunks_.back().get();
      left_ = size;
      bytes_ += size;
    }
    if (!text.empty()) std::memcpy(next_, text.data(), text.size());
    const std::string_view stored(next_, text.size());
    next_ += text.size();
    left_ -= text.size();
    return stored;
  }

  /// Gives back `stored`, the last text Store returned.
  void Unstore(std::string_view stored) {
    next_ -= stored.size();
    left_ += stored.size();
  }

  /// Takes `other`'s chunks (views into them stay valid).
  void Adopt(TextArena&& other) {
    for (auto& chunk : other.chunks_) chunks_.push_back(std::move(chunk));
    bytes_ += other.bytes_;
    other = TextArena();
  }

  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kChunkBytes = 256 << 10;
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* next_ = nullptr;
  size_t left_ = 0;
  size_t bytes_ = 0;  // allocated
};

/// The last change of one key: its row (an upsert) or a delete. Views
/// into the arena of the Changes that holds it.
struct Change {
  std::string_view key;  // the key's cells (AppendCell)
  std::string_view row;  // the row's cells; empty for a delete
  bool upsert = false;
};

/// What a task took between two barriers, compacted per key: each change
/// is rendered once into one arena, and the index maps a key's cells
/// (its encoding: different keys never have the same cells) to its last
/// change. Keys keep the order they first came in (InnoDB inserts
/// rows in key order much faster than in a hash table's order, and input
/// often comes in key order).
struct Changes {
  TextArena text;
  absl::flat_hash_map<std::string_view, uint32_t> index;  // key -> keyed
  std::vector<Change> keyed;
  std::vector<std::string_view> appended;  // append mode: every row
  int64_t rows = 0;                        // input rows taken
  size_t live_bytes = 0;                   // text of keyed's changes

  bool empty() const { return rows == 0; }

  /// Room for `keys` keys without growing (a task expects about as many
  /// as in its last span).
  void Reserve(size_t keys) {
    index.reserve(keys);
    keyed.reserve(keys);
  }

  /// Stores `record` (a change's cells: the row's, the key's within or
  /// after them) and makes it the last change of its
  /// key. `key_at` and `key_size` place the key in `record`; `row_size`
  /// is 0 for a delete.
  void Set(std::string_view record, size_t row_size, size_t key_at,
           size_t key_size, bool upsert) {
    const std::string_view stored = text.Store(record);
    const Change change{stored.substr(key_at, key_size),
                        stored.substr(0, row_size), upsert};
    auto [it, added] =
        index.try_emplace(change.key, static_cast<uint32_t>(keyed.size()));
    if (added) {
      keyed.push_back(change);
      live_bytes += record.size();
      return;
    }
    Change& last = keyed[it->second];
    const size_t last_size = RecordSize(last);
    if (last_size == record.size() && last.key.data() - RecordStart(last) ==
                                          static_cast<std::ptrdiff_t>(key_at)) {
      // Same length, key at the same place: overwrite the older text (the
      // key's bytes, which the index points at, stay the same).
      char* at = const_cast<char*>(RecordStart(last));
      std::memcpy(at, record.data(), record.size());
      text.Unstore(stored);
      last.row = std::string_view(at, row_size);
      last.upsert = upsert;
      return;
    }
    live_bytes += record.size() - last_size;
    last = change;
    // The index keeps pointing at the older text (the same key bytes);
    // the rest of it is garbage until Compact.
    if (text.bytes() > (8u << 20) && text.bytes() > 3 * live_bytes) Compact();
  }

  /// Takes `other`'s changes as later than this one's (no text copied).
  void Absorb(Changes&& other) {
    text.Adopt(std::move(other.text));
    for (const Change& c : other.keyed) {
      auto [it, added] =
          index.try_emplace(c.key, static_cast<uint32_t>(keyed.size()));
      if (added) {
        keyed.push_back(c);
        live_bytes += RecordSize(c);
      } else {
        live_bytes += RecordSize(c) - RecordSize(keyed[it->second]);
        keyed[it->second] = c;
      }
    }
    appended.insert(appended.end(), other.appended.begin(),
                    other.appended.end());
    rows += other.rows;
    other = Changes();
  }

 private:
  static const char* RecordStart(const Change& c) {
    return c.row.empty() ? c.key.data() : std::min(c.row.data(), c.key.data());
  }
  static size_t RecordSize(const Change& c) {
    if (c.row.empty()) return c.key.size();
    const char* end =
        std::max(c.row.data() + c.row.size(), c.key.data() + c.key.size());
    return static_cast<size_t>(end - RecordStart(c));
  }

  /// Copies the live changes into a new arena, leaving the garbage of
  /// replaced ones behind (keeps memory within ~3x the live text).
  void Compact() {
    TextArena fresh;
    index.clear();
    for (size_t i = 0; i < keyed.size(); ++i) {
      Change& c = keyed[i];
      const char* start = RecordStart(c);
      const std::string_view stored =
          fresh.Store(std::string_view(start, RecordSize(c)));
      c.key = stored.substr(static_cast<size_t>(c.key.data() - start),
                            c.key.size());
      if (!c.row.empty()) {
        c.row = stored.substr(static_cast<size_t>(c.row.data() - start),
                              c.row.size());
      }
      index.emplace(c.key, static_cast<uint32_t>(i));
    }
    text = std::move(fresh);
  }
};

/// A failed statement: MySQL's error number with the status.
struct Failure {
  absl::Status status;
  unsigned int error_number = 0;
  bool during_commit = false;  // the COMMIT itself: it may have happened
};

/// The sink's one writer, shared by its tasks. Tasks hand over their
/// changes (HandOver, any worker thread); the checkpoint coordinator
/// commits them (CommitCheckpoint). Thread-safe.
class MySqlCommitter final : public exec::SinkCommitter {
 public:
  explicit MySqlCommitter(std::shared_ptr<const MySqlSinkConfig> config)
      : config_(std::move(config)) {
    std::random_device random;
    run_id_ = (static_cast<uint64_t>(random()) << 32) ^ random();
    if (run_id_ == 0) run_id_ = 1;
  }

  /// Takes a task's changes for the next commit.
  void HandOver(Changes changes) {
    std::lock_guard lock(mu_);
    handed_.push_back(std::move(changes));
  }

  /// The last checkpoint that is over (CheckpointDone).
  uint64_t released() const { return released_.load(); }

  /// Why rows are not being written now ("" when they are).
  std::string problem() const {
    std::lock_guard lock(problem_mu_);
    return problem_;
  }

  absl::Status CommitCheckpoint(uint64_t id) override {
    std::lock_guard commit_lock(commit_mu_);
    std::vector<Changes> handed;
    {
      std::lock_guard lock(mu_);
      handed.swap(handed_);
    }
    // In hand-over order: a later change of a key replaces an earlier one.
    Changes all;
    for (size_t i = 0; i < handed.size(); ++i) {
      if (i == 0) {
        all = std::move(handed[0]);
      } else {
        all.Absorb(std::move(handed[i]));
      }
    }
    return WriteWithRetry(all, id);
  }

  absl::StatusOr<uint64_t> LastCommittedCheckpoint() override {
    std::lock_guard commit_lock(commit_mu_);
    Failure f;
    std::optional<std::pair<uint64_t, uint64_t>> progress;
    if (!Connected(&f) || !ReadProgress(&progress, &f)) {
      conn_.reset();
      return Permanent(f);
    }
    return progress ? progress->first : 0;
  }

  void CheckpointDone(uint64_t id) override {
    uint64_t was = released_.load();
    while (was < id && !released_.compare_exchange_weak(was, id)) {
    }
  }

 private:
  /// Opens the connection when there is none; false with `*f` set when it
  /// cannot.
  bool Connected(Failure* f) {
    if (conn_) return true;
    unsigned int error_number = 0;
    absl::StatusOr<std::unique_ptr<Connection>> c =
        Connection::Open(config_->connection, &error_number);
    if (!c.ok()) {
      *f = {c.status(), error_number == 0 ? 2003u : error_number, false};
      return false;
    }
    conn_ = *std::move(c);
    if (!Run(kSessionSetup, f)) {
      conn_.reset();
      return false;
    }
    return true;
  }

  /// Runs `sql` on the connection; false with `*f` set on an error.
  bool Run(std::string_view sql, Failure* f, std::vector<Row>* rows = nullptr) {
    absl::StatusOr<std::vector<Row>> r = conn_->Query(sql);
    if (!r.ok()) {
      *f = {r.status(), conn_->error_number(), false};
      return false;
    }
    if (rows != nullptr) *rows = *std::move(r);
    return true;
  }

  bool ReadProgress(std::optional<std::pair<uint64_t, uint64_t>>* out,
                    Failure* f) {
    std::vector<Row> rows;
    if (!Run(ProgressReadSql(config_->database, config_->sink_name,
                             config_->table),
             f, &rows)) {
      return false;
    }
    out->reset();
    if (!rows.empty() && rows[0].size() == 2 && rows[0][0] && rows[0][1]) {
      *out = std::make_pair(std::stoull(*rows[0][0]), std::stoull(*rows[0][1]));
    }
    return true;
  }

  /// One attempt at checkpoint `id`'s transaction.
  bool WriteOnce(const Changes& all, uint64_t id, Failure* f) {
    if (!Connected(f)) return false;
    if (!Run("START TRANSACTION", f)) return false;
    // Every row through one prepared statement with array binding.
    auto bulk = [&](const std::string& sql, const std::vector<CellKind>& kinds,
                    const std::vector<std::string_view>& records) {
      unsigned int error_number = 0;
      absl::Status st =
          ExecuteBulk(*conn_, sql, kinds, records, config_->batch_rows,
                      kMaxStatementBytes, &error_number);
      if (st.ok()) return true;
      *f = {std::move(st), error_number, false};
      return false;
    };
    const SinkStatements& s = config_->statements;
    if (config_->mode == SinkMode::kAppend) {
      if (!bulk(s.insert_bulk, config_->kinds, all.appended)) return false;
    } else if (config_->mode == SinkMode::kOneRow) {
      // The input's one row (under the empty key), when it changed: the
      // table's rows out, its last version in.
      for (const Change& change : all.keyed) {  // at most one
        if (!Run("DELETE FROM " + config_->qualified, f)) return false;
        if (change.upsert && !bulk(s.insert_bulk, config_->kinds, {change.row}))
          return false;
      }
    } else {
      std::vector<std::string_view> deletes;
      std::vector<std::string_view> upserts;
      upserts.reserve(all.keyed.size());
      for (const Change& change : all.keyed) {
        if (change.upsert) {
          upserts.push_back(change.row);
        } else {
          deletes.push_back(change.key);
        }
      }
      if (!bulk(s.delete_bulk, config_->key_kinds, deletes)) return false;
      if (!bulk(s.insert_bulk, config_->kinds, upserts)) return false;
    }
    if (!Run(ProgressUpsertSql(config_->database, config_->sink_name,
                               config_->table, id, run_id_),
             f))
      return false;
    if (!Run("COMMIT", f)) {
      f->during_commit = true;
      return false;
    }
    return true;
  }

  /// Checkpoint `id`'s transaction, attempted again (whole) after a
  /// failure that may pass, with growing pauses, for up to the retry
  /// timeout. A COMMIT whose answer was lost is looked up in the progress
  /// table before the next attempt, so that it is never applied twice.
  absl::Status WriteWithRetry(const Changes& all, uint64_t id) {
    const auto deadline =
        std::chrono::steady_clock::now() + config_->retry_timeout;
    std::chrono::milliseconds backoff = kFirstBackoff;
    bool maybe_committed = false;
    int attempts = 0;
    while (true) {
      Failure f;
      bool done = false;
      if (maybe_committed) {
        std::optional<std::pair<uint64_t, uint64_t>> progress;
        if (Connected(&f) && ReadProgress(&progress, &f)) {
          maybe_committed = false;
          done =
              progress && progress->first == id && progress->second == run_id_;
        }
      }
      if (!done && !maybe_committed) {
        ++attempts;
        done = WriteOnce(all, id, &f);
      }
      if (done) {
        if (attempts > 1) {
          Log(LogLevel::kInfo,
              fmt::format("sink '{}': checkpoint {} written to MySQL table "
                          "'{}.{}' after {} attempts",
                          config_->sink_name, id, config_->database,
                          config_->table, attempts));
        }
        SetProblem("");
        return absl::OkStatus();
      }
      if (!f.during_commit && !IsTransientError(f.error_number)) {
        // A permanent error (table dropped, access denied, a value MySQL
        // refuses): closing the connection rolls the transaction back.
        conn_.reset();
        return Permanent(f);
      }
      conn_.reset();  // a new connection for the next attempt
      maybe_committed |= f.during_commit;
      SetProblem(fmt::format("MySQL unavailable, retrying: {}",
                             std::string(f.status.message())));
      if (std::chrono::steady_clock::now() + backoff > deadline) {
        return absl::UnavailableError(fmt::format(
            "sink '{}' gave up writing checkpoint {} to MySQL table '{}.{}' "
            "at {} after {} attempts: {}",
            config_->sink_name, id, config_->database, config_->table,
            config_->connection.Describe(), attempts,
            std::string(f.status.message())));
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  absl::Status Permanent(const Failure& f) const {
    return absl::Status(
        f.status.code() == absl::StatusCode::kUnavailable
            ? absl::StatusCode::kFailedPrecondition
            : f.status.code(),
        fmt::format("sink '{}' cannot write MySQL table '{}.{}' at {}: {}{}",
                    config_->sink_name, config_->database, config_->table,
                    config_->connection.Describe(),
                    std::string(f.status.message()),
                    f.error_number != 0
                        ? fmt::format(" (MySQL error {})", f.error_number)
                        : std::string()));
  }

  void SetProblem(std::string problem) {
    std::lock_guard lock(problem_mu_);
    problem_ = std::move(problem);
  }

  std::shared_ptr<const MySqlSinkConfig> config_;
  uint64_t run_id_ = 1;
  std::mutex mu_;  // handed_
  std::vector<Changes> handed_;
  std::atomic<uint64_t> released_{0};
  std::mutex commit_mu_;  // conn_; one commit at a time
  std::unique_ptr<Connection> conn_;
  mutable std::mutex problem_mu_;
  std::string problem_;
};

/// One task's writer: renders each row's cells, keeps the last change
/// per key, and hands them to the committer at each barrier (or at the end
/// of its input). What it takes after barrier n stays here until
/// checkpoint n is over, so n's transaction holds nothing of n + 1.
class MySqlSink final : public exec::Sink {
 public:
  MySqlSink(std::shared_ptr<const MySqlSinkConfig> config,
            std::shared_ptr<const types::Schema> schema,
            std::shared_ptr<MySqlCommitter> committer)
      : config_(std::move(config)),
        schema_(std::move(schema)),
        committer_(std::move(committer)) {
    key_leads_ = !config_->key.empty();
    for (size_t i = 0; i < config_->key.size(); ++i)
      key_leads_ &= config_->key[i] == static_cast<int>(i);
  }

  absl::Status Write(const types::Batch& batch) override {
    const size_t n = batch.num_selected();
    for (size_t i = 0; i < n; ++i) {
      const size_t r = batch.has_selection() ? batch.selection()[i] : i;
      WEIR_RETURN_IF_ERROR(WriteRow(batch, r));
    }
    rows_written_ += static_cast<int64_t>(n);
    local_.rows += static_cast<int64_t>(n);
    return absl::OkStatus();
  }

  bool Ready() override { return !(Gated() && local_.rows >= kMaxHeldRows); }

  absl::Status Flush(std::chrono::milliseconds) override {
    if (Gated()) {
      return absl::DeadlineExceededError(fmt::format(
          "{}: waiting for checkpoint {} to commit", Describe(), prepared_));
    }
    HandOver();
    return absl::OkStatus();
  }

  absl::Status PrepareCheckpoint(uint64_t id,
                                 std::chrono::milliseconds) override {
    if (id <= prepared_) return absl::OkStatus();
    HandOver();
    prepared_ = id;
    return absl::OkStatus();
  }

  std::shared_ptr<exec::SinkCommitter> Committer() override {
    return committer_;
  }

  /// As the exactly-once Kafka sink counts: a row is delivered once it is
  /// in the sink's transaction (handed to the committer, which commits it
  /// with the checkpoint), pending while the task holds it; the problem is
  /// the committer's while it retries.
  std::optional<exec::SinkDelivery> Delivery() override {
    exec::SinkDelivery d;
    d.delivered = rows_handed_;
    d.pending = rows_written_ - rows_handed_;
    d.problem = committer_->problem();
    return d;
  }

  std::string Describe() const override {
    return fmt::format("MySQL table '{}.{}' at {}", config_->database,
                       config_->table, config_->connection.Describe());
  }

 private:
  bool Gated() const { return prepared_ > committer_->released(); }

  void HandOver() {
    if (local_.empty()) return;
    rows_handed_ += local_.rows;
    const size_t keys = local_.keyed.size();
    committer_->HandOver(std::exchange(local_, {}));
    local_.Reserve(keys);
  }

  /// Appends row `r`'s cells to `record_`; returns the length of
  /// `record_` after the first `key_columns` of them.
  absl::StatusOr<size_t> AppendRow(const types::Batch& batch, size_t r,
                                   size_t key_columns) {
    size_t key_end = 0;
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      WEIR_RETURN_IF_ERROR(
          AppendCell(batch.column(c), r, schema_->field(c).name, &record_));
      if (c + 1 == key_columns) key_end = record_.size();
    }
    return key_end;
  }

  /// Appends row `r`'s key cells to `record_`.
  absl::Status AppendKey(const types::Batch& batch, size_t r) {
    for (size_t i = 0; i < config_->key.size(); ++i) {
      const int c = config_->key[i];
      WEIR_RETURN_IF_ERROR(
          AppendCell(batch.column(c), r, schema_->field(c).name, &record_));
    }
    return absl::OkStatus();
  }

  /// Renders row `r` once into `record_` (its key's cells are a prefix
  /// of the row's when the key columns lead the schema, else follow them)
  /// and stores it in `local_`.
  absl::Status WriteRow(const types::Batch& batch, size_t r) {
    const types::ChangeKind kind = batch.change(r);
    const bool adds = kind == types::ChangeKind::kInsert ||
                      kind == types::ChangeKind::kUpdateAfter;
    record_.clear();
    if (config_->mode == SinkMode::kAppend) {
      if (!adds) {
        return absl::InvalidArgumentError(fmt::format(
            "{} has no key, so it takes only inserts, but its input sent a "
            "{} change",
            Describe(), types::ChangeKindSymbol(kind)));
      }
      WEIR_RETURN_IF_ERROR(AppendRow(batch, r, 0).status());
      local_.appended.push_back(local_.text.Store(record_));
      return absl::OkStatus();
    }
    // An update-before retracts its key's row; the update-after that
    // usually follows replaces the delete.
    if (!adds) {
      WEIR_RETURN_IF_ERROR(AppendKey(batch, r));
      local_.Set(record_, 0, 0, record_.size(), false);
      return absl::OkStatus();
    }
    WEIR_ASSIGN_OR_RETURN(
        const size_t key_end,
        AppendRow(batch, r, key_leads_ ? config_->key.size() : 0));
    const size_t row_size = record_.size();
    if (key_leads_) {
      local_.Set(record_, row_size, 0, key_end, true);
      return absl::OkStatus();
    }
    WEIR_RETURN_IF_ERROR(AppendKey(batch, r));
    local_.Set(record_, row_size, row_size, record_.size() - row_size, true);
    return absl::OkStatus();
  }

  std::shared_ptr<const MySqlSinkConfig> config_;
  std::shared_ptr<const types::Schema> schema_;
  std::shared_ptr<MySqlCommitter> committer_;
  /// The key columns are the schema's first ones, in order (the key's
  /// cells are then a prefix of the row's).
  bool key_leads_ = false;
  Changes local_;
  uint64_t prepared_ = 0;
  std::string record_;  // one change's text, reused per row
  int64_t rows_written_ = 0;
  int64_t rows_handed_ = 0;
};

/// A connection for readying the sink; errors name the server.
absl::StatusOr<std::unique_ptr<Connection>> OpenForPrepare(
    const MySqlSinkConfig& config) {
  absl::StatusOr<std::unique_ptr<Connection>> c =
      Connection::Open(config.connection);
  if (!c.ok()) {
    return absl::Status(c.status().code(),
                        fmt::format("sink '{}': {}", config.sink_name,
                                    std::string(c.status().message())));
  }
  WEIR_RETURN_IF_ERROR((*c)->Query(kSessionSetup).status());
  return c;
}

/// The collation of created tables: binary and without padding, so that
/// keys Weir tells apart ('a', 'A', 'a ') stay apart in MySQL.
std::string KeyCollation(Connection& c) {
  absl::StatusOr<std::vector<Row>> rows = c.Query(
      "SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE "
      "COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')");
  if (rows.ok() && !rows->empty() && (*rows)[0][0]) return *(*rows)[0][0];
  return "utf8mb4_bin";
}

}  // namespace

absl::StatusOr<MySqlSinkConfig> PrepareMySqlSink(const catalog::Entry& target) {
  MySqlSinkConfig config;
  config.connection = ConnectionOptions::FromOptions(target.options);
  config.sink_name = target.name;
  config.database = config.connection.database;
  config.table = target.Option("table").value_or(target.name);
  config.qualified = QualifiedName(config.database, config.table);
  if (std::optional<std::string> b = target.Option("sink.batch-size"))
    config.batch_rows = static_cast<size_t>(std::max(1, std::atoi(b->c_str())));
  if (std::optional<std::string> t = target.Option("sink.retry-timeout")) {
    if (std::optional<std::chrono::milliseconds> d = ParseDuration(*t))
      config.retry_timeout = *d;
  }
  std::string create = target.Option("sink.create-table").value_or("true");
  for (char& ch : create) ch = static_cast<char>(std::tolower(ch));
  const std::string where =
      fmt::format("MySQL table '{}.{}' at {}", config.database, config.table,
                  config.connection.Describe());
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                        OpenForPrepare(config));
  WEIR_ASSIGN_OR_RETURN(
      std::vector<Row> column_rows,
      conn->Query(ReadColumnsSql(config.database, config.table)));
  const std::vector<ColumnInfo> columns = ColumnsFromRows(column_rows);
  if (columns.empty()) {
    if (create == "false") {
      return absl::NotFoundError(fmt::format(
          "sink '{}': {} does not exist, and 'sink.create-table' is false",
          target.name, where));
    }
    WEIR_ASSIGN_OR_RETURN(std::string ddl,
                          CreateTableSql(config.qualified, target.schema,
                                         target.key, KeyCollation(*conn)));
    if (absl::Status st = conn->Query(ddl).status(); !st.ok()) {
      return absl::Status(
          st.code(), fmt::format("sink '{}' cannot create {}: {}", target.name,
                                 where, std::string(st.message())));
    }
    config.created = true;
    config.mode = !target.key.empty()  ? SinkMode::kUpsert
                  : target.append_only ? SinkMode::kAppend
                                       : SinkMode::kOneRow;
  } else {
    WEIR_ASSIGN_OR_RETURN(
        std::vector<Row> key_rows,
        conn->Query(ReadPrimaryKeySql(config.database, config.table)));
    std::vector<std::string> primary_key;
    for (const Row& r : key_rows) primary_key.push_back(r[0].value_or(""));
    absl::StatusOr<SinkMode> mode = CheckExistingTable(
        config.database + "." + config.table, target.schema, target.key,
        target.append_only, columns, primary_key);
    if (!mode.ok()) {
      return absl::Status(mode.status().code(),
                          fmt::format("sink '{}': {}", target.name,
                                      std::string(mode.status().message())));
    }
    config.mode = *mode;
  }
  if (absl::Status st =
          conn->Query(CreateProgressTableSql(config.database)).status();
      !st.ok()) {
    return absl::Status(
        st.code(),
        fmt::format("sink '{}' cannot create its progress table "
                    "{}.{} at {}: {}",
                    target.name, config.database, kProgressTable,
                    config.connection.Describe(), std::string(st.message())));
  }
  config.key =
      config.mode == SinkMode::kUpsert ? target.key : std::vector<int>{};
  config.statements = SinkStatements::For(config.qualified, target.schema,
                                          config.key, config.mode);
  WEIR_ASSIGN_OR_RETURN(config.kinds, CellKinds(target.schema));
  for (int k : config.key)
    config.key_kinds.push_back(config.kinds[static_cast<size_t>(k)]);
  return config;
}

absl::StatusOr<std::unique_ptr<exec::Sink>> OpenMySqlSink(
    std::shared_ptr<const MySqlSinkConfig> config,
    std::shared_ptr<const types::Schema> schema,
    std::shared_ptr<exec::SinkCommitter>* committer) {
  if (*committer == nullptr)
    *committer = std::make_shared<MySqlCommitter>(config);
  return std::unique_ptr<exec::Sink>(
      new MySqlSink(config, std::move(schema),
                    std::static_pointer_cast<MySqlCommitter>(*committer)));
}

}  // namespace weir::connectors::mysql
