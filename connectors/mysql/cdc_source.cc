#include "connectors/mysql/cdc_source.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <span>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/cdc_resume.h"
#include "connectors/mysql/cdc_rows.h"
#include "connectors/mysql/gtid.h"
#include "connectors/mysql/row_decoder.h"
#include "connectors/mysql/shared_binlog.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "fmt/format.h"
#include "storage/key_codec.h"

namespace weir::connectors::mysql {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint8_t kGtidStandalone = 1;  // MariaDB GTID flag FL_STANDALONE

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string SnapshotProgressText(const SnapshotProgress& progress,
                                 std::chrono::steady_clock::duration elapsed) {
  const int64_t copied = progress.rows_copied.load();
  const int64_t estimate = progress.rows_estimate.load();
  if (estimate < 0) return "snapshot starting";
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const int64_t rate =
      seconds > 0 ? static_cast<int64_t>(static_cast<double>(copied) / seconds)
                  : 0;
  return fmt::format("snapshot {} of ~{} rows, {} rows/s", copied,
                     std::max(copied, estimate), rate);
}

namespace {

/// Copies row `row` of `from` to the end of `to` (same column types).
void CopyRow(const types::Batch& from, size_t row, types::Batch* to) {
  for (size_t c = 0; c < from.num_columns(); ++c) {
    const types::Column& src = from.column(c);
    types::Column& dst = to->column(c);
    if (src.IsNull(row)) {
      dst.AppendNull();
      continue;
    }
    switch (src.physical()) {
      case types::PhysicalType::kInt64:
        dst.AppendInt(src.ints()[row]);
        break;
      case types::PhysicalType::kDouble:
        dst.AppendDouble(src.doubles()[row]);
        break;
      case types::PhysicalType::kInt128:
        dst.AppendDecimal(src.decimals()[row]);
        break;
      case types::PhysicalType::kString:
        dst.AppendBytes(src.StringAt(row));
        break;
      case types::PhysicalType::kInterval:
        dst.AppendInterval(src.intervals()[row]);
        break;
      case types::PhysicalType::kNull:
        dst.AppendNull();
        break;
    }
  }
  const size_t n = to->num_rows();
  to->SetNumRows(n + 1);
  to->SetChange(n, from.change(row));
}

/// The targets of `schema`'s columns: the columns of `mysql` with their
/// names, which must read as the declared types.
absl::StatusOr<std::vector<ColumnTarget>> TargetsByName(
    const TableSchema& mysql, const types::Schema& schema,
    const std::string& database, const std::string& table) {
  std::vector<ColumnTarget> targets;
  for (const types::Field& field : schema.fields()) {
    auto it = std::find_if(
        mysql.columns.begin(), mysql.columns.end(),
        [&](const ColumnInfo& c) { return Lower(c.name) == Lower(field.name); });
    if (it == mysql.columns.end()) {
      return absl::FailedPreconditionError(fmt::format(
          "MySQL table '{}.{}' has no column '{}'",
          database, table, field.name));
    }
    WEIR_ASSIGN_OR_RETURN(types::LogicalType type, MapColumnType(*it));
    if (!(type == field.type)) {
      return absl::FailedPreconditionError(fmt::format(
          "column '{}' is declared {} but MySQL's {} reads as {}; declare it "
          "{} (or leave the column list out)",
          field.name, field.type.ToString(), it->column_type, type.ToString(),
          type.ToString()));
    }
    targets.push_back(ColumnTarget{it->ordinal, *it, type});
  }
  return targets;
}

/// The splits after the first: a binlog is one stream, read by one task.
class FinishedSource : public exec::Source {
 public:
  absl::StatusOr<size_t> Next(types::Batch*, size_t) override { return 0; }
  bool finished() const override { return true; }
  std::optional<exec::SourcePosition> checkpoint_position() const override {
    return exec::SourcePosition{};
  }
  absl::Status StartAt(const exec::SourcePosition&) override {
    return absl::OkStatus();
  }
};

class CdcSource : public exec::Source {
 public:
  CdcSource(CdcSourceConfig config, std::shared_ptr<const types::Schema> schema,
            std::vector<ColumnTarget> targets, std::vector<int> key,
            std::shared_ptr<SnapshotProgress> progress)
      : config_(std::move(config)),
        schema_(std::move(schema)),
        targets_(std::move(targets)),
        key_(std::move(key)),
        progress_(std::move(progress)),
        staging_(schema_) {
    server_id_ = config_.server_id.value_or(
        GenerateServerId(config_.connection, config_.table));
    reader_ = SharedBinlogReader::For(config_.connection, server_id_,
                                      config_.heartbeat_ms);
    keys_ordered_ = !key_.empty();
    for (int k : key_) {
      if (!KeyOrderMatchesMySql(targets_[static_cast<size_t>(k)].info)) {
        keys_ordered_ = false;
      }
    }
  }

  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    if (!error_.ok()) return error_;
    if (!client_) {
      if (Clock::now() < reconnect_at_) return 0;
      StartClient();
      if (!error_.ok()) return error_;
    }
    if (snapshotting_) ReportSnapshotProgress();
    size_t n = 0;
    while (n < max_rows) {
      if (staged_ < staging_.num_rows()) {
        const size_t take = std::min(max_rows - n, staging_.num_rows() - staged_);
        if (rows_) {
          // What the changelog holds follows what it returns.
          absl::Status st = rows_->Apply(staging_, staged_, staged_ + take);
          if (!st.ok()) {
            error_ = absl::Status(
                st.code(), fmt::format("mysql-cdc table '{}': its state: {}",
                                       TableName(), std::string(st.message())));
            if (n == 0) return error_;
            break;
          }
        }
        for (size_t i = 0; i < take; ++i) CopyRow(staging_, staged_ + i, out);
        staged_ += take;
        n += take;
        if (!staging_snapshot_) {
          rows_in_txn_ += static_cast<int64_t>(take);
        } else if (!resnapshotting_) {
          snapshot_rows_ += static_cast<int64_t>(take);
          if (absl::Status st = NoteSnapshotRow(staged_ - 1); !st.ok()) {
            error_ = st;
            return error_;  // the rows in `out` are never delivered
          }
        }
        continue;
      }
      if (resnapshotting_ && streaming_) {
        // Every change of the re-snapshot is returned: the position is the
        // new snapshot's from now on.
        resnapshotting_ = false;
      }
      std::optional<BinlogItem> item = client_->Poll();
      if (!item) break;
      absl::Status st = Handle(*item);
      if (!st.ok()) {
        error_ = std::move(st);
        if (n == 0) return error_;
        break;
      }
      if (!client_) break;  // reconnecting
    }
    return n;
  }

  bool finished() const override { return false; }

  bool wants_store() const override {
    return config_.resnapshot_on_gap ||
           config_.startup == CdcSourceConfig::Startup::kInitial;
  }

  void AttachStore(std::shared_ptr<storage::StateStore> store) override {
    if (config_.resnapshot_on_gap) {
      rows_ = std::make_unique<ChangelogRows>(store, schema_, key_);
    }
    if (config_.startup == CdcSourceConfig::Startup::kInitial) {
      snapshot_state_ = std::make_unique<SnapshotResume>(std::move(store));
    }
  }

  std::optional<std::string> Progress() const override {
    if (!snapshotting_ || progress_->done.load()) return std::nullopt;
    return SnapshotProgressText(*progress_, Clock::now() - snapshot_started_);
  }

  std::optional<exec::SourcePosition> checkpoint_position() const override {
    exec::SourcePosition p;
    // Where the stream is; else, before a resumed stream has started,
    // where it will start (with the rows it will skip).
    const BinlogStart* at = nullptr;
    int64_t rows = rows_in_txn_;
    if (resnapshotting_) {
      // Until the re-snapshot's changes are all returned: the position it
      // replaces (a resume from it re-snapshots again).
      at = &gap_position_;
      rows = gap_skip_;
    } else if (streaming_ && position_known_) {
      at = &boundary_;
    } else if (resume_) {
      at = &*resume_;
    }
    std::optional<uint32_t> seq =
        at ? BinlogFileSequence(at->file) : std::nullopt;
    if (!seq) {
      p[0] = -1;
      if (snapshot_rows_ > 0) {
        p[2] = snapshot_rows_;
        // Where the binlog is read from once the snapshot is done: the
        // first snapshot's position (a continued one reads from there).
        if (dump_from_) p[3] = static_cast<int64_t>(*dump_from_);
      }
      return p;
    }
    p[0] = (static_cast<int64_t>(*seq) << 32) |
           static_cast<int64_t>(at->position & 0xffffffffu);
    if (rows > 0) p[1] = rows;
    return p;
  }

  absl::Status StartAt(const exec::SourcePosition& position) override {
    if (auto snapshot = position.find(2); snapshot != position.end()) {
      auto refuse = [&](std::string_view why) {
        return absl::FailedPreconditionError(fmt::format(
            "the checkpoint was taken while the snapshot of MySQL table '{}' "
            "ran ({} rows read) and {}; start the query without its saved "
            "state",
            TableName(), snapshot->second, why));
      };
      auto from = position.find(3);
      if (!snapshot_state_ || from == position.end()) {
        return refuse("holds no snapshot progress to continue from");
      }
      if (!keys_ordered_) {
        return refuse(
            "the table's primary key has a column whose order Weir cannot "
            "compare as MySQL does (a character string under a collation, "
            "ENUM, SET, FLOAT, BIT), so the snapshot cannot be continued");
      }
      snapshot_rows_ = snapshot->second;
      dump_from_ = static_cast<PackedPosition>(from->second);
      resumed_ = true;
      return ContinueSnapshot();
    }
    if (snapshot_state_) {
      // A continued snapshot's binlog may still overlap its rows.
      WEIR_RETURN_IF_ERROR(snapshot_state_->Load());
    }
    auto it = position.find(0);
    if (it == position.end() || it->second < 0) return absl::OkStatus();
    const uint32_t seq = static_cast<uint32_t>(it->second >> 32);
    resume_ = BinlogStart::At(
        BinlogFileWithSequence(config_.binlog_file_example, seq),
        static_cast<uint64_t>(it->second & 0xffffffff));
    auto rows = position.find(1);
    resume_skip_ = rows == position.end() ? 0 : rows->second;
    rows_in_txn_ = resume_skip_;  // the position until the stream starts
    resumed_ = true;
    return absl::OkStatus();
  }

 private:
  std::string TableName() const {
    return fmt::format("{}.{}", config_.connection.database, config_.table);
  }

  void StartClient() {
    BinlogClientOptions options;
    options.connection = config_.connection;
    options.server_id = server_id_;
    options.heartbeat_ms = config_.heartbeat_ms;
    options.only_database = config_.connection.database;
    options.only_table = config_.table;
    options.start_delay_ms = 0;
    options.shared = reader_;
    staging_.Clear();
    staged_ = 0;
    decoder_.reset();
    in_txn_ = false;
    if (rows_ && !rows_marked_) {
      // Started afresh, the held rows follow the changelog from its first
      // row; resumed, they are what the checkpoint says.
      rows_marked_ = true;
      if (!resumed_) {
        if (absl::Status st = rows_->MarkComplete(); !st.ok()) {
          error_ = st;
          return;
        }
      }
    }
    if (resnapshotting_) {
      StartSnapshot(std::move(options));
      return;
    }
    if (resume_) {  // a checkpoint, or a reconnect
      skip_ = resume_skip_;
      rows_in_txn_ = resume_skip_;
      client_ = std::make_unique<BinlogClient>(std::move(options), *resume_);
      return;
    }
    switch (config_.startup) {
      case CdcSourceConfig::Startup::kInitial:
        StartSnapshot(std::move(options));
        return;
      case CdcSourceConfig::Startup::kLatest:
        client_ = std::make_unique<BinlogClient>(std::move(options),
                                                 BinlogStart{});
        return;
      case CdcSourceConfig::Startup::kBinlogPosition:
      case CdcSourceConfig::Startup::kGtid:
        client_ = std::make_unique<BinlogClient>(std::move(options),
                                                 config_.start);
        return;
    }
  }

  /// Starts a client that takes a snapshot, then reads the binlog from its
  /// position (mode 'initial', or a re-snapshot after a binlog gap).
  void StartSnapshot(BinlogClientOptions options) {
    snapshotting_ = true;
    last_progress_log_ = Clock::now();
    snapshot_started_ = last_progress_log_;
    progress_->rows_copied = continuing_ ? snapshot_rows_ : 0;
    progress_->rows_estimate = -1;
    progress_->done = false;
    if (resnapshotting_) rows_->BeginDiff();
    if (snapshot_state_ && !continuing_) {
      // From the first row: no earlier snapshot's progress applies.
      if (absl::Status st = snapshot_state_->Clear(); !st.ok()) {
        error_ = st;
        return;
      }
    }
    SnapshotSpec spec;
    spec.connection = config_.connection;
    spec.table = config_.table;
    spec.schema = schema_;
    spec.columns = targets_;
    spec.decoding = config_.decoding;
    spec.key = key_;
    spec.chunk_size = config_.chunk_size;
    spec.progress = progress_;
    if (!continuing_) {
      client_ = std::make_unique<BinlogClient>(
          std::move(options), BinlogStart{},
          [spec = std::move(spec)](const PreludeContext& context) {
            return RunSnapshot(spec, context);
          });
      return;
    }
    // The rows after the last one returned, from a new snapshot; then the
    // binlog from the first snapshot's position (cdc_resume.h).
    spec.after = continue_after_;
    const BinlogStart from = Unpack(*dump_from_);
    client_ = std::make_unique<BinlogClient>(
        std::move(options), BinlogStart{},
        [spec = std::move(spec),
         from](const PreludeContext& context) -> absl::StatusOr<BinlogStart> {
          absl::StatusOr<BinlogStart> at = RunSnapshot(spec, context);
          if (!at.ok()) return at.status();
          return from;
        });
  }

  /// The snapshot stopped after snapshot_rows_ rows (a restart, or the
  /// server went away): the next one continues after the last row
  /// returned (cdc_resume.h).
  absl::Status ContinueSnapshot() {
    WEIR_RETURN_IF_ERROR(snapshot_state_->Load());
    WEIR_ASSIGN_OR_RETURN(SnapshotResume::Current current,
                          snapshot_state_->CloseCurrent());
    continuing_ = true;
    continue_after_ = std::move(current.key_text);
    continue_key_ = std::move(current.key);
    Log(LogLevel::kInfo,
        fmt::format("mysql-cdc table '{}': continuing the snapshot after {} "
                    "rows with a new one; the binlog is read from the first "
                    "snapshot's position {}",
                    TableName(), snapshot_rows_,
                    Unpack(*dump_from_).file + ":" +
                        std::to_string(Unpack(*dump_from_).position)));
    return absl::OkStatus();
  }

  /// Notes row `row` of staging_ (a snapshot row just returned) as the
  /// snapshot's last, for a continuation.
  absl::Status NoteSnapshotRow(size_t row) {
    if (!snapshot_state_ || !snapshot_at_ || !keys_ordered_) {
      return absl::OkStatus();
    }
    const size_t k = key_.size();
    if (staging_keys_.size() < (row + 1) * k) return absl::OkStatus();
    SnapshotResume::Current current;
    current.position = *snapshot_at_;
    current.key_text.assign(
        staging_keys_.begin() + static_cast<std::ptrdiff_t>(row * k),
        staging_keys_.begin() + static_cast<std::ptrdiff_t>((row + 1) * k));
    current.key = EncodedKey(staging_, row);
    return snapshot_state_->SetCurrent(current);
  }

  std::string EncodedKey(const types::Batch& batch, size_t row) const {
    std::string key;
    for (int k : key_) {
      storage::AppendColumnValue(&key, batch.column(static_cast<size_t>(k)),
                                 row);
    }
    return key;
  }

  std::optional<PackedPosition> Pack(const BinlogStart& at) const {
    std::optional<uint32_t> seq = BinlogFileSequence(at.file);
    if (!seq) return std::nullopt;
    return (static_cast<PackedPosition>(*seq) << 32) |
           (at.position & 0xffffffffu);
  }

  BinlogStart Unpack(PackedPosition at) const {
    return BinlogStart::At(
        BinlogFileWithSequence(config_.binlog_file_example,
                               static_cast<uint32_t>(at >> 32)),
        at & 0xffffffffu);
  }

  /// Drops the rows of staging_ that a continued snapshot's rows already
  /// hold (cdc_resume.h); once the binlog has passed the last snapshot,
  /// forgets the snapshots.
  absl::Status DropCoveredRows() {
    if (!snapshot_state_ || !snapshot_state_->active()) return absl::OkStatus();
    const std::optional<PackedPosition> txn = Pack(boundary_);
    if (!txn) return absl::OkStatus();
    if (snapshot_state_->Past(*txn)) return snapshot_state_->Clear();
    types::Batch kept(schema_);
    for (size_t r = 0; r < staging_.num_rows(); ++r) {
      if (!snapshot_state_->Covered(EncodedKey(staging_, r), *txn)) {
        CopyRow(staging_, r, &kept);
      }
    }
    staging_ = std::move(kept);
    return absl::OkStatus();
  }

  /// The binlog position the source resumes from is gone ('on-binlog-gap'
  /// = 'resnapshot'): a new snapshot, diffed against the rows the
  /// changelog holds, then the binlog from the new snapshot's position.
  absl::Status Resnapshot(const absl::Status& why) {
    auto refuse = [&](std::string_view reason) {
      return absl::FailedPreconditionError(fmt::format(
          "mysql-cdc table '{}': {}; 'on-binlog-gap' = 'resnapshot' cannot "
          "re-snapshot: {}",
          TableName(), std::string(why.message()), reason));
    };
    if (!rows_) {
      return refuse(
          "it needs the rows the changelog holds, which the source keeps in "
          "the query's state, and this query keeps none (run it as a "
          "persistent query, which takes checkpoints)");
    }
    absl::StatusOr<bool> complete = rows_->Complete();
    if (!complete.ok()) return complete.status();
    if (!*complete) {
      return refuse(
          "the checkpoint it resumed from was taken without 'on-binlog-gap' "
          "= 'resnapshot', so its state does not hold the rows the changelog "
          "holds; start the query afresh");
    }
    if (!resnapshotting_) {
      gap_position_ = resume_ ? *resume_ : boundary_;
      gap_skip_ = resume_ ? resume_skip_ : rows_in_txn_;
      Log(LogLevel::kWarning,
          fmt::format("mysql-cdc table '{}': the binlog at {}:{} is gone "
                      "(purged); taking a new snapshot and returning the "
                      "changes since ('on-binlog-gap' = 'resnapshot')",
                      TableName(), gap_position_.file, gap_position_.position));
    }
    resnapshotting_ = true;
    continuing_ = false;
    if (snapshot_state_) WEIR_RETURN_IF_ERROR(snapshot_state_->Clear());
    resume_.reset();
    resume_skip_ = 0;
    position_known_ = false;
    streaming_ = false;
    rows_in_txn_ = 0;
    skip_ = 0;
    client_.reset();
    reconnect_at_ = Clock::now();
    return absl::OkStatus();
  }

  /// A log line every 10 s while the snapshot runs: rows copied of the
  /// table's estimated size.
  void ReportSnapshotProgress() {
    const Clock::time_point now = Clock::now();
    if (now - last_progress_log_ < std::chrono::seconds(10)) return;
    last_progress_log_ = now;
    Log(LogLevel::kInfo,
        fmt::format("mysql-cdc table '{}': {}", TableName(),
                    SnapshotProgressText(*progress_, now - snapshot_started_)));
  }

  /// The server went away: reconnect from the last transaction boundary,
  /// skipping the rows of the next transaction already returned.
  absl::Status Reconnect(const absl::Status& why) {
    // A re-snapshot starts over: diffed against the rows the changelog
    // holds, it repeats nothing.
    const bool in_resnapshot = resnapshotting_ && !streaming_;
    const bool in_snapshot =
        !in_resnapshot && !position_known_ && !resume_ &&
        config_.startup == CdcSourceConfig::Startup::kInitial;
    if (in_snapshot && snapshot_rows_ > 0 && snapshot_state_ &&
        keys_ordered_ && dump_from_) {
      // The rows returned so far stay; a new snapshot reads the rest.
      WEIR_RETURN_IF_ERROR(ContinueSnapshot());
    } else if (in_snapshot && snapshot_rows_ > 0) {
      // Its transaction is gone; a new snapshot would repeat the rows.
      return absl::UnavailableError(fmt::format(
          "the snapshot of MySQL table '{}' was interrupted after {} rows: {}",
          TableName(), snapshot_rows_, std::string(why.message())));
    }
    const Clock::time_point now = Clock::now();
    if (!reconnecting_since_) {
      reconnecting_since_ = now;
      std::string from = "as the options say";
      if (position_known_) {
        from = fmt::format("from {}:{}", boundary_.file, boundary_.position);
      } else if (resume_ && !in_resnapshot) {
        from = fmt::format("from {}:{}", resume_->file, resume_->position);
      } else if (in_snapshot || in_resnapshot) {
        from = "to go on with the snapshot";
      }
      Log(LogLevel::kWarning,
          fmt::format("mysql-cdc table '{}': {}; reconnecting {}", TableName(),
                      std::string(why.message()), from));
    }
    announce_reconnect_ = true;
    if (now - *reconnecting_since_ >
        std::chrono::milliseconds(config_.reconnect_ms)) {
      return absl::UnavailableError(fmt::format(
          "lost the binlog of MySQL table '{}' and could not reconnect for "
          "{} s: {}",
          TableName(), config_.reconnect_ms / 1000, std::string(why.message())));
    }
    backoff_ms_ = backoff_ms_ == 0 ? 100 : std::min(backoff_ms_ * 2, 5000);
    reconnect_at_ = now + std::chrono::milliseconds(backoff_ms_);
    // Before the first position is known: as the options say (a snapshot
    // that returned nothing yet starts over).
    if (in_resnapshot) {
      resume_.reset();
    } else if (position_known_) {
      resume_ = boundary_;
    } else if (!resume_ && !in_snapshot) {
      resume_ = config_.start;
    }
    resume_skip_ = rows_in_txn_;
    client_.reset();
    return absl::OkStatus();
  }

  void SetBoundary(std::string file, uint64_t position) {
    boundary_ = BinlogStart::At(std::move(file), position);
    position_known_ = true;
  }

  void EndTransaction(const BinlogItem& item) {
    if (item.next_position != 0) SetBoundary(item.file, item.next_position);
    rows_in_txn_ = 0;
    skip_ = 0;
    in_txn_ = false;
  }

  absl::Status Handle(BinlogItem& item) {
    switch (item.kind) {
      case BinlogItem::Kind::kError:
        if (item.error.code() == absl::StatusCode::kUnavailable) {
          return Reconnect(item.error);
        }
        if (config_.resnapshot_on_gap && IsBinlogPurged(item.error)) {
          return Resnapshot(item.error);
        }
        return absl::Status(item.error.code(),
                            fmt::format("mysql-cdc table '{}': {}", TableName(),
                                        std::string(item.error.message())));
      case BinlogItem::Kind::kSnapshotStart: {
        snapshot_at_ = Pack(BinlogStart::At(item.file, item.next_position));
        if (!continuing_) dump_from_ = snapshot_at_;
        if (continuing_ && snapshot_at_) {
          // Noted before any row: even with none, the keys after the last
          // segment are read as of this position.
          snapshot_state_->SetLast(*snapshot_at_);
          return snapshot_state_->SetCurrent(SnapshotResume::Current{
              *snapshot_at_, continue_after_, continue_key_});
        }
        return absl::OkStatus();
      }
      case BinlogItem::Kind::kSnapshotRows:
        reconnecting_since_.reset();  // reading again
        backoff_ms_ = 0;
        staged_ = 0;
        staging_snapshot_ = true;
        staging_keys_ = std::move(item.keys);
        if (resnapshotting_) {
          staging_.Clear();
          return rows_->Diff(*item.rows, &staging_);
        }
        staging_ = std::move(*item.rows);
        return absl::OkStatus();
      case BinlogItem::Kind::kStarted:
        streaming_ = true;
        // From a GTID the server seeks the position itself: it is known
        // at the first transaction end or heartbeat.
        position_known_ = false;
        if (!item.file.empty()) SetBoundary(item.file, item.next_position);
        if (snapshot_state_ && !continuing_ && !snapshot_state_->active()) {
          // Done in one go: nothing to continue or compare any more.
          if (absl::Status st = snapshot_state_->Clear(); !st.ok()) return st;
        }
        continuing_ = false;
        if (snapshotting_) {
          snapshotting_ = false;
          Log(LogLevel::kInfo,
              fmt::format("mysql-cdc table '{}': snapshot done ({} rows); "
                          "reading the binlog from {}:{}",
                          TableName(), progress_->rows_copied.load(),
                          item.file, item.next_position));
        }
        if (resnapshotting_) {
          // Rows the changelog holds that the new snapshot has not.
          staging_.Clear();
          staged_ = 0;
          staging_snapshot_ = true;
          const size_t seen = rows_->seen();
          absl::StatusOr<size_t> deleted = rows_->DeleteUnseen(&staging_);
          if (!deleted.ok()) return deleted.status();
          Log(LogLevel::kInfo,
              fmt::format("mysql-cdc table '{}': re-snapshot compared {} rows "
                          "with the changelog's; {} rows vanished meanwhile",
                          TableName(), seen, *deleted));
        }
        if (announce_reconnect_) {
          announce_reconnect_ = false;
          Log(LogLevel::kInfo,
              fmt::format("mysql-cdc table '{}': reconnected, reading the "
                          "binlog from {}:{}",
                          TableName(), item.file, item.next_position));
        }
        if (progress_) progress_->done = true;
        return absl::OkStatus();
      case BinlogItem::Kind::kEvent:
        return HandleEvent(item);
    }
    return absl::OkStatus();
  }

  absl::Status HandleEvent(const BinlogItem& item) {
    const std::span<const uint8_t> event = StripOkByte(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(item.bytes.data()), item.bytes.size()));
    switch (item.type) {
      case kFormatDescription: {
        absl::StatusOr<FormatDescriptionEvent> fd =
            ParseFormatDescription(event);
        if (!fd.ok()) return Malformed(fd.status());
        format_ = fd->Format();
        return absl::OkStatus();
      }
      case kRotate:
        // A real rotate ends a file; the artificial one opening a dump
        // (log_pos 0) names where the server starts, which from a GTID is
        // not the rotate's position.
        if (!in_txn_ && !item.text.empty() &&
            (item.next_position != 0 || position_known_)) {
          SetBoundary(item.text, item.rotate_position);
        }
        return absl::OkStatus();
      case kHeartbeat:
        if (!in_txn_ && !item.text.empty() && item.next_position != 0) {
          SetBoundary(item.text, item.next_position);
          reconnecting_since_.reset();
          backoff_ms_ = 0;
        }
        return absl::OkStatus();
      case kMariaGtid:
        in_txn_ = (item.gtid_flags & kGtidStandalone) == 0;
        return absl::OkStatus();
      case kXid:
        EndTransaction(item);
        reconnecting_since_.reset();
        backoff_ms_ = 0;
        return absl::OkStatus();
      case kQuery:
      case kMariaQueryCompressed: {
        absl::StatusOr<QueryEvent> q = ParseQuery(event, format_);
        if (!q.ok()) return Malformed(q.status());
        const std::string stmt = Lower(q->statement.substr(0, 16));
        if (stmt.rfind("begin", 0) == 0 || stmt.rfind("xa start", 0) == 0) {
          in_txn_ = true;
          return absl::OkStatus();
        }
        if (stmt.rfind("commit", 0) == 0 || stmt.rfind("rollback", 0) == 0 ||
            stmt.rfind("xa commit", 0) == 0) {
          EndTransaction(item);
          return absl::OkStatus();
        }
        if (IsDdlOn(q->statement, q->database, config_.connection.database,
                    config_.table)) {
          WEIR_RETURN_IF_ERROR(AbsorbDdl(q->statement));
        }
        if (!in_txn_) EndTransaction(item);
        return absl::OkStatus();
      }
      case kTableMapEvent: {
        absl::StatusOr<TableMapEvent> map = ParseTableMap(event, format_);
        if (!map.ok()) return Malformed(map.status());
        decoder_.emplace(*std::move(map), targets_, config_.decoding);
        absl::Status valid = decoder_->Validate();
        if (valid.ok() &&
            decoder_->map().column_types.size() != config_.mysql.columns.size()) {
          valid = absl::FailedPreconditionError(fmt::format(
              "the binlog's table map has {} columns where {} were expected",
              decoder_->map().column_types.size(),
              config_.mysql.columns.size()));
        }
        if (!valid.ok()) {
          return absl::Status(
              valid.code(),
              fmt::format("MySQL table '{}' no longer has the columns the "
                          "query read (was it altered?): {}",
                          TableName(), std::string(valid.message())));
        }
        return absl::OkStatus();
      }
      default:
        break;
    }
    if (!IsRowsEvent(item.type)) return absl::OkStatus();
    absl::StatusOr<RowsEvent> rows = ParseRows(event, format_);
    if (!rows.ok()) return Malformed(rows.status());
    if (!decoder_ || decoder_->map().table_id != rows->table_id) {
      return absl::OkStatus();  // another table
    }
    staging_.Clear();
    staged_ = 0;
    staging_snapshot_ = false;
    absl::Status st = decoder_->Decode(*rows, &staging_);
    if (!st.ok()) return Malformed(st);
    WEIR_RETURN_IF_ERROR(DropCoveredRows());
    const int64_t skipped =
        std::min<int64_t>(skip_, static_cast<int64_t>(staging_.num_rows()));
    staged_ = static_cast<size_t>(skipped);
    skip_ -= skipped;
    return absl::OkStatus();
  }

  /// A DDL statement on the table: ADD and DROP of columns the query does
  /// not read are followed (the table's column layout is changed as the
  /// statement says and the targets rebuilt by name: the rows after it come
  /// with the new layout, which the next table map must match); anything
  /// else stops the query. The server is not asked: its columns now may be
  /// those of a later statement still ahead in the binlog.
  absl::Status AbsorbDdl(const std::string& statement) {
    auto stop = [&](std::string_view why) {
      return absl::FailedPreconditionError(fmt::format(
          "MySQL table '{}' was changed by `{}`; {}, so the query stops "
          "rather than misread rows (recreate the query: it takes a new "
          "snapshot)",
          TableName(), statement, why));
    };
    std::optional<ColumnChanges> changes = ParseColumnAlter(statement);
    if (!changes) {
      return stop(
          "a mysql-cdc query follows only ALTER TABLE ... ADD COLUMN and DROP "
          "COLUMN of columns it does not read");
    }
    std::vector<ColumnInfo> columns = config_.mysql.columns;
    auto find = [&](const std::string& name) {
      return std::find_if(columns.begin(), columns.end(), [&](const ColumnInfo& c) {
        return Lower(c.name) == name;
      });
    };
    for (const ColumnChange& change : *changes) {
      for (const types::Field& f : schema_->fields()) {
        if (Lower(f.name) == change.name) {
          return stop(fmt::format("'{}' is a column the query reads", f.name));
        }
      }
      auto it = find(change.name);
      if (!change.add) {
        if (it != columns.end()) columns.erase(it);  // else DROP IF EXISTS
        continue;
      }
      if (it != columns.end()) continue;  // ADD IF NOT EXISTS of a column
      auto at = columns.end();
      if (change.first) at = columns.begin();
      if (!change.after.empty()) {
        at = find(change.after);
        if (at == columns.end()) {
          return stop(fmt::format("it adds '{}' after '{}', a column the "
                                  "table does not have",
                                  change.name, change.after));
        }
        ++at;
      }
      ColumnInfo added;
      added.name = change.name;
      columns.insert(at, std::move(added));
    }
    // Names of the primary key before the ordinals move.
    std::vector<std::string> key;
    for (int k : config_.mysql.primary_key) {
      key.push_back(config_.mysql.columns[k].name);
    }
    config_.mysql.primary_key.clear();
    for (size_t i = 0; i < columns.size(); ++i) {
      columns[i].ordinal = static_cast<int>(i);
      if (std::find(key.begin(), key.end(), columns[i].name) != key.end()) {
        config_.mysql.primary_key.push_back(static_cast<int>(i));
      }
    }
    config_.mysql.columns = std::move(columns);
    absl::StatusOr<std::vector<ColumnTarget>> targets = TargetsByName(
        config_.mysql, *schema_, config_.connection.database, config_.table);
    if (!targets.ok()) return stop(std::string(targets.status().message()));
    targets_ = *std::move(targets);
    decoder_.reset();
    Log(LogLevel::kInfo,
        fmt::format("mysql-cdc table '{}': followed `{}` ({} columns now)",
                    TableName(), statement, config_.mysql.columns.size()));
    return absl::OkStatus();
  }

  absl::Status Malformed(const absl::Status& st) const {
    return absl::Status(
        st.code(), fmt::format("mysql-cdc table '{}' could not read the binlog "
                               "at {}:{}: {}",
                               TableName(), boundary_.file, boundary_.position,
                               std::string(st.message())));
  }

  CdcSourceConfig config_;
  std::shared_ptr<const types::Schema> schema_;
  std::vector<ColumnTarget> targets_;
  std::vector<int> key_;
  std::shared_ptr<SnapshotProgress> progress_;
  uint32_t server_id_ = 0;
  // The binlog connection of the tables with this server and server-id.
  std::shared_ptr<SharedBinlogReader> reader_;

  std::unique_ptr<BinlogClient> client_;
  absl::Status error_;
  BinlogFormat format_;
  std::optional<RowDecoder> decoder_;
  types::Batch staging_;  // decoded rows; those before staged_ are returned
  size_t staged_ = 0;

  bool streaming_ = false;  // the snapshot is done, the binlog is read
  bool in_txn_ = false;
  bool position_known_ = false;  // boundary_ is a real position
  BinlogStart boundary_;     // after the last transaction fully returned
  int64_t rows_in_txn_ = 0;  // rows returned of the transaction after it
  int64_t skip_ = 0;         // rows still to skip after a resume
  int64_t snapshot_rows_ = 0;  // snapshot rows returned

  std::optional<BinlogStart> resume_;
  int64_t resume_skip_ = 0;
  bool resumed_ = false;  // StartAt gave a binlog position

  // 'on-binlog-gap' = 'resnapshot' (cdc_rows.h): the rows the changelog
  // holds, when the runtime gave the split a store.
  std::unique_ptr<ChangelogRows> rows_;
  bool rows_marked_ = false;      // MarkComplete done (or not due)
  bool resnapshotting_ = false;   // until its changes are all returned
  BinlogStart gap_position_;      // the purged position it replaces
  int64_t gap_skip_ = 0;
  bool staging_snapshot_ = false;  // staging_ holds snapshot rows
  std::vector<std::string> staging_keys_;  // their keys' text (BinlogItem::keys)

  // Continuing an interrupted snapshot (cdc_resume.h), mode 'initial'
  // with a store.
  std::unique_ptr<SnapshotResume> snapshot_state_;
  bool keys_ordered_ = false;  // the key orders in Weir as in MySQL
  std::optional<PackedPosition> snapshot_at_;  // the running snapshot's
  std::optional<PackedPosition> dump_from_;    // the first snapshot's
  bool continuing_ = false;  // the running snapshot continues one
  std::vector<std::string> continue_after_;  // its first key is after
  std::string continue_key_;                 // (encoded)
  std::optional<Clock::time_point> reconnecting_since_;
  int backoff_ms_ = 0;
  bool announce_reconnect_ = false;
  bool snapshotting_ = false;  // a snapshot runs (mode 'initial')
  Clock::time_point last_progress_log_;
  Clock::time_point snapshot_started_;
  Clock::time_point reconnect_at_;
};

}  // namespace

absl::StatusOr<CdcSourceConfig> PrepareCdcSource(const catalog::Entry& entry) {
  CdcSourceConfig config;
  config.connection = ConnectionOptions::FromOptions(entry.options);
  config.table = entry.Option("table").value_or(entry.name);
  WEIR_ASSIGN_OR_RETURN(config.mysql,
                        ReadTableSchema(config.connection, config.table));
  if (auto id = entry.Option("server-id")) {
    config.server_id = static_cast<uint32_t>(std::stoull(*id));
  }
  if (auto chunk = entry.Option("scan.snapshot.chunk-size")) {
    config.chunk_size = std::max<int64_t>(1, std::stoll(*chunk));
  }
  if (entry.Option("zero-date").value_or("null") == "error") {
    config.decoding.zero_date = RowDecoderOptions::ZeroDate::kError;
  }
  config.resnapshot_on_gap =
      Lower(entry.Option("on-binlog-gap").value_or("fail")) == "resnapshot";
  const std::string mode = entry.Option("scan.startup.mode").value_or("initial");
  if (mode == "latest-offset") config.startup = CdcSourceConfig::Startup::kLatest;
  if (mode == "binlog-position") {
    config.startup = CdcSourceConfig::Startup::kBinlogPosition;
    config.start.file = entry.Option("scan.startup.binlog-file").value_or("");
    config.start.position = std::stoull(
        entry.Option("scan.startup.binlog-position").value_or("4"));
  }
  if (mode == "gtid") {
    config.startup = CdcSourceConfig::Startup::kGtid;
    config.start.gtid = entry.Option("scan.startup.gtid").value_or("");
    absl::StatusOr<GtidSet> set =
        GtidSet::Parse(config.start.gtid, GtidSet::Flavor::kMariaDb);
    if (!set.ok()) {
      return absl::InvalidArgumentError(fmt::format(
          "scan.startup.gtid '{}' is not a MariaDB GTID position "
          "(\"domain-server-sequence[,...]\", as @@gtid_binlog_pos shows "
          "it): {}",
          config.start.gtid, std::string(set.status().message())));
    }
  }
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                        Connection::Open(config.connection));
  WEIR_ASSIGN_OR_RETURN(std::vector<Row> status,
                        conn->Query("SHOW MASTER STATUS"));
  if (status.empty() || !status.front()[0]) {
    return absl::FailedPreconditionError(fmt::format(
        "MySQL at {} has no binary log (SHOW MASTER STATUS is empty); start "
        "the server with --log-bin and --binlog-format=ROW",
        conn->server()));
  }
  config.binlog_file_example = *status.front()[0];
  WEIR_ASSIGN_OR_RETURN(std::vector<Row> format,
                        conn->Query("SELECT @@global.binlog_format"));
  if (!format.empty() && format.front()[0] &&
      Lower(*format.front()[0]) != "row") {
    return absl::FailedPreconditionError(fmt::format(
        "MySQL at {} writes its binlog in {} format; change data capture "
        "needs binlog_format = ROW",
        conn->server(), *format.front()[0]));
  }
  return config;
}

absl::StatusOr<std::unique_ptr<exec::Source>> OpenCdcSource(
    const CdcSourceConfig& config, std::shared_ptr<const types::Schema> schema,
    int split, int splits, std::shared_ptr<SnapshotProgress> progress) {
  if (split > 0) return std::make_unique<FinishedSource>();
  WEIR_ASSIGN_OR_RETURN(
      std::vector<ColumnTarget> targets,
      TargetsByName(config.mysql, *schema, config.connection.database,
                    config.table));
  std::vector<int> key;
  for (int k : config.mysql.primary_key) {
    const std::string& name = config.mysql.columns[k].name;
    std::optional<size_t> idx = schema->IndexOf(name);
    if (!idx) {
      return absl::FailedPreconditionError(fmt::format(
          "the primary key column '{}' of MySQL table '{}.{}' is not a column "
          "of the table as declared; add it",
          name, config.connection.database, config.table));
    }
    key.push_back(static_cast<int>(*idx));
  }
  if (!progress) progress = std::make_shared<SnapshotProgress>();
  return std::make_unique<CdcSource>(config, std::move(schema),
                                     std::move(targets), std::move(key),
                                     std::move(progress));
}

}  // namespace weir::connectors::mysql
