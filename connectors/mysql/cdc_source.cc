#include "connectors/mysql/cdc_source.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <span>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/gtid.h"
#include "connectors/mysql/row_decoder.h"
#include "engine/base/log.h"
#include "engine/base/status.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint8_t kGtidStandalone = 1;  // MariaDB GTID flag FL_STANDALONE

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The words and identifiers of a statement, lower-cased, with comments
/// and string literals dropped; a qualified name "a.b" stays one token;
/// "(", ")" and "," are tokens of their own (clauses and nesting).
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool joined = false;  // the last token ended with '.'
  auto flush = [&] {
    if (cur.empty()) return;
    if (joined && !out.empty()) {
      out.back() += cur;
    } else {
      out.push_back(cur);
    }
    cur.clear();
    joined = false;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      flush();
      const size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else if (c == '\'' || c == '"') {
      flush();
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\') ++i;
      }
    } else if (c == '`') {
      for (++i; i < s.size(); ++i) {
        if (s[i] == '`') {
          if (i + 1 < s.size() && s[i + 1] == '`') {
            cur += '`';
            ++i;
          } else {
            break;
          }
        } else {
          cur += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
        }
      }
    } else if (c == '.') {
      cur += '.';
      const std::string keep = cur;
      cur.clear();
      if (joined && !out.empty()) {
        out.back() += keep;
      } else {
        out.push_back(keep);
      }
      joined = true;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               c == '$' || static_cast<unsigned char>(c) >= 0x80) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      flush();
      joined = false;
      if (c == '(' || c == ')' || c == ',') out.emplace_back(1, c);
    }
  }
  flush();
  return out;
}

/// Whether `name` names something other than a column in an ADD or DROP
/// clause of ALTER TABLE.
bool IsAlterKeyword(std::string_view name) {
  static constexpr std::string_view kWords[] = {
      "index",   "key",     "primary",   "unique", "constraint", "foreign",
      "fulltext", "spatial", "partition", "period", "system",     "check",
      "(",       ")",       ","};
  return std::find(std::begin(kWords), std::end(kWords), name) !=
         std::end(kWords);
}

/// Skips `words` at `t[*i]` when they are all there.
bool Skip(const std::vector<std::string>& t, size_t* i,
          std::initializer_list<std::string_view> words) {
  size_t j = *i;
  for (std::string_view w : words) {
    if (j >= t.size() || t[j] != w) return false;
    ++j;
  }
  *i = j;
  return true;
}

}  // namespace

std::optional<ColumnChanges> ParseColumnAlter(std::string_view statement) {
  const std::vector<std::string> t = Tokens(statement);
  size_t i = 0;
  if (!Skip(t, &i, {"alter"})) return std::nullopt;
  while (Skip(t, &i, {"online"}) || Skip(t, &i, {"ignore"})) {
  }
  if (!Skip(t, &i, {"table"})) return std::nullopt;
  Skip(t, &i, {"if", "exists"});
  if (i >= t.size()) return std::nullopt;
  ++i;  // the table's name
  ColumnChanges changes;
  while (i < t.size()) {
    // One clause: up to the next "," outside parentheses.
    size_t end = i;
    for (int depth = 0; end < t.size(); ++end) {
      if (t[end] == "(") ++depth;
      if (t[end] == ")") --depth;
      if (t[end] == "," && depth == 0) break;
    }
    size_t j = i;
    if (Skip(t, &j, {"add"})) {
      Skip(t, &j, {"column"});
      Skip(t, &j, {"if", "not", "exists"});
      // ADD COLUMN (a INT, b INT) is refused with the rest.
      if (j + 1 >= end || IsAlterKeyword(t[j])) return std::nullopt;
      ColumnChange add;
      add.add = true;
      add.name = t[j];
      // FIRST / AFTER c end the clause (string literals are not tokens).
      if (t[end - 1] == "first") {
        add.first = true;
      } else if (end - j >= 3 && t[end - 2] == "after") {
        add.after = t[end - 1];
      }
      changes.push_back(std::move(add));
    } else if (Skip(t, &j, {"drop"})) {
      Skip(t, &j, {"column"});
      Skip(t, &j, {"if", "exists"});
      if (j + 1 != end || IsAlterKeyword(t[j])) return std::nullopt;
      ColumnChange drop;
      drop.name = t[j];
      changes.push_back(std::move(drop));
    } else if (t[j] != "algorithm" && t[j] != "lock") {
      return std::nullopt;
    }
    i = end + 1;
  }
  if (changes.empty()) return std::nullopt;
  return changes;
}

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

bool IsDdlOn(std::string_view statement, std::string_view event_database,
             std::string_view database, std::string_view table) {
  const std::vector<std::string> t = Tokens(statement);
  if (t.empty()) return false;
  const std::string db = Lower(database);
  const std::string tbl = Lower(table);
  const std::string& verb = t[0];
  const bool replace = verb == "create" && t.size() > 2 && t[1] == "or" &&
                       t[2] == "replace";
  if (verb != "alter" && verb != "rename" && verb != "truncate" &&
      verb != "drop" && !replace) {
    return false;
  }
  if (verb == "drop" && t.size() > 2 &&
      (t[1] == "database" || t[1] == "schema")) {
    for (size_t i = 2; i < t.size(); ++i) {
      if (t[i] == db) return true;
    }
    return false;
  }
  const bool default_db = Lower(event_database) == db;
  for (const std::string& tok : t) {
    if (tok == db + "." + tbl) return true;
    if (tok == tbl && default_db) return true;
  }
  return false;
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
  }

  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    if (!error_.ok()) return error_;
    if (!client_) {
      if (Clock::now() < reconnect_at_) return 0;
      StartClient();
    }
    if (snapshotting_) ReportSnapshotProgress();
    size_t n = 0;
    while (n < max_rows) {
      if (staged_ < staging_.num_rows()) {
        const size_t take = std::min(max_rows - n, staging_.num_rows() - staged_);
        for (size_t i = 0; i < take; ++i) CopyRow(staging_, staged_ + i, out);
        staged_ += take;
        n += take;
        if (streaming_) {
          rows_in_txn_ += static_cast<int64_t>(take);
        } else {
          snapshot_rows_ += static_cast<int64_t>(take);
        }
        continue;
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

  std::optional<std::string> Progress() const override {
    if (!snapshotting_ || progress_->done.load()) return std::nullopt;
    return SnapshotProgressText(*progress_, Clock::now() - snapshot_started_);
  }

  std::optional<exec::SourcePosition> checkpoint_position() const override {
    exec::SourcePosition p;
    // Where the stream is; else, before a resumed stream has started,
    // where it will start (with the rows it will skip).
    const BinlogStart* at = nullptr;
    if (streaming_ && position_known_) {
      at = &boundary_;
    } else if (resume_) {
      at = &*resume_;
    }
    std::optional<uint32_t> seq =
        at ? BinlogFileSequence(at->file) : std::nullopt;
    if (!seq) {
      p[0] = -1;
      if (snapshot_rows_ > 0) p[2] = snapshot_rows_;
      return p;
    }
    p[0] = (static_cast<int64_t>(*seq) << 32) |
           static_cast<int64_t>(at->position & 0xffffffffu);
    if (rows_in_txn_ > 0) p[1] = rows_in_txn_;
    return p;
  }

  absl::Status StartAt(const exec::SourcePosition& position) override {
    if (auto snapshot = position.find(2); snapshot != position.end()) {
      return absl::FailedPreconditionError(fmt::format(
          "the checkpoint was taken while the snapshot of MySQL table '{}' "
          "ran ({} rows read): a snapshot cannot be resumed, and taking a "
          "new one would repeat those rows; start the query without its "
          "saved state",
          TableName(), snapshot->second));
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
    staging_.Clear();
    staged_ = 0;
    decoder_.reset();
    in_txn_ = false;
    if (resume_) {  // a checkpoint, or a reconnect
      skip_ = resume_skip_;
      rows_in_txn_ = resume_skip_;
      client_ = std::make_unique<BinlogClient>(std::move(options), *resume_);
      return;
    }
    switch (config_.startup) {
      case CdcSourceConfig::Startup::kInitial: {
        snapshotting_ = true;
        last_progress_log_ = Clock::now();
        snapshot_started_ = last_progress_log_;
        SnapshotSpec spec;
        spec.connection = config_.connection;
        spec.table = config_.table;
        spec.schema = schema_;
        spec.columns = targets_;
        spec.decoding = config_.decoding;
        spec.key = key_;
        spec.chunk_size = config_.chunk_size;
        spec.progress = progress_;
        client_ = std::make_unique<BinlogClient>(
            std::move(options), BinlogStart{},
            [spec = std::move(spec)](const PreludeContext& context) {
              return RunSnapshot(spec, context);
            });
        return;
      }
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
    const bool in_snapshot = !position_known_ && !resume_ &&
                             config_.startup == CdcSourceConfig::Startup::kInitial;
    if (in_snapshot && snapshot_rows_ > 0) {
      // Its transaction is gone; a new snapshot would repeat the rows.
      return absl::UnavailableError(fmt::format(
          "the snapshot of MySQL table '{}' was interrupted after {} rows: {}",
          TableName(), snapshot_rows_, std::string(why.message())));
    }
    const Clock::time_point now = Clock::now();
    if (!reconnecting_since_) {
      reconnecting_since_ = now;
      Log(LogLevel::kWarning,
          fmt::format("mysql-cdc table '{}': {}; reconnecting from {}:{}",
                      TableName(), std::string(why.message()), boundary_.file,
                      boundary_.position));
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
    if (position_known_) {
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
        return absl::Status(item.error.code(),
                            fmt::format("mysql-cdc table '{}': {}", TableName(),
                                        std::string(item.error.message())));
      case BinlogItem::Kind::kSnapshotRows:
        staging_ = std::move(*item.rows);
        staged_ = 0;
        return absl::OkStatus();
      case BinlogItem::Kind::kStarted:
        streaming_ = true;
        // From a GTID the server seeks the position itself: it is known
        // at the first transaction end or heartbeat.
        position_known_ = false;
        if (!item.file.empty()) SetBoundary(item.file, item.next_position);
        if (snapshotting_) {
          snapshotting_ = false;
          Log(LogLevel::kInfo,
              fmt::format("mysql-cdc table '{}': snapshot done ({} rows); "
                          "reading the binlog from {}:{}",
                          TableName(), progress_->rows_copied.load(),
                          item.file, item.next_position));
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
    absl::Status st = decoder_->Decode(*rows, &staging_);
    if (!st.ok()) return Malformed(st);
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
  if (entry.Option("on-binlog-gap").value_or("fail") == "resnapshot") {
    // Bringing a changelog to the table's current state needs the keys it
    // emitted before (to delete the rows that vanished meanwhile): state
    // the source does not keep yet.
    return absl::UnimplementedError(fmt::format(
        "'on-binlog-gap' = 'resnapshot' (table '{}') is not implemented yet; "
        "use 'fail' (the default): when the binlog the query needs is "
        "purged it stops, and recreating it takes a new snapshot",
        entry.name));
  }
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
