#include "connectors/mysql/cdc_snapshot.h"

#include <cstdlib>
#include <string_view>

#include "connectors/mysql/text_values.h"
#include "engine/types/value.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
absl::Status AppendTextRow(const Row& row,
                           const std::vector<ColumnTarget>& columns,
                           const RowDecoderOptions& options,
                           types::Batch* out) {
  std::vector<types::Value> values;
  values.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    absl::StatusOr<types::Value> v = ValueFromText(
        columns[i], row[i] ? std::optional<std::string_view>(*row[i])
                           : std::nullopt,
        options);
    if (!v.ok()) return v.status();
    values.push_back(*std::move(v));
  }
  out->AppendRow(values);
  return absl::OkStatus();
}

absl::StatusOr<BinlogStart> RunSnapshot(const SnapshotSpec& spec,
                                        const PreludeContext& context) {
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Open(spec.connection);
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  context.watch(c.socket());
  struct Unwatch {  // before the connection closes (its fd may be reused)
    const PreludeContext& context;
    ~Unwatch() { context.watch(-1); }
  } unwatch{context};
  auto run = [&](const std::string& sql) { return c.Query(sql); };
  for (const char* sql :
       {"SET SESSION time_zone = '+00:00'",
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"}) {
    absl::StatusOr<std::vector<Row>> done = run(sql);
    if (!done.ok()) return done.status();
  }
  absl::StatusOr<std::vector<Row>> status =
      run("SHOW STATUS LIKE 'binlog_snapshot_%'");
  if (!status.ok()) return status.status();
  BinlogStart start;
  bool have_position = false;
  for (const Row& r : *status) {
    if (r.size() < 2 || !r[0] || !r[1]) continue;
    if (*r[0] == "Binlog_snapshot_file") start.file = *r[1];
    if (*r[0] == "Binlog_snapshot_position") {
      start.position = std::strtoull(r[1]->c_str(), nullptr, 10);
      have_position = true;
    }
  }
  if (start.file.empty() || !have_position) {
    return absl::FailedPreconditionError(fmt::format(
        "MySQL at {} has no binlog_snapshot_file/position status: the "
        "snapshot needs MariaDB with the binary log on (--log-bin); MySQL 8 "
        "is not supported for snapshots yet (use scan.startup.mode = "
        "'latest-offset')",
        c.server()));
  }
  {
    BinlogItem item;
    item.kind = BinlogItem::Kind::kSnapshotStart;
    item.file = start.file;
    item.next_position = start.position;
    if (!context.push(std::move(item))) return start;
  }
  absl::StatusOr<std::vector<Row>> estimate = run(fmt::format(
      "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
      c.Quote(spec.connection.database), c.Quote(spec.table)));
  if (estimate.ok() && !estimate->empty() && estimate->front()[0]) {
    spec.progress->rows_estimate =
        std::strtoll(estimate->front()[0]->c_str(), nullptr, 10);
  } else {
    spec.progress->rows_estimate = 0;
  }

  std::string select, order, key_tuple;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    if (i > 0) select += ", ";
    select += SnapshotSelectExpr(spec.columns[i].info);
  }
  for (size_t k = 0; k < spec.key.size(); ++k) {
    if (k > 0) order += ", ";
    order += Connection::QuoteIdentifier(spec.columns[spec.key[k]].info.name);
  }
  const std::string from =
      Connection::QuoteIdentifier(spec.connection.database) + "." +
      Connection::QuoteIdentifier(spec.table);
  std::vector<std::string> last = spec.after;  // key of the last row read
  while (true) {
    std::string where;
    if (!last.empty()) {
      std::string values;
      for (size_t k = 0; k < last.size(); ++k) {
        if (k > 0) values += ", ";
        values += c.Quote(last[k]);
      }
      where = fmt::format(" WHERE ({}) > ({})", order, values);
    }
    absl::StatusOr<std::vector<Row>> rows =
        run(fmt::format("SELECT {} FROM {}{} ORDER BY {} LIMIT {}", select,
                        from, where, order, spec.chunk_size));
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      auto batch = std::make_unique<types::Batch>(spec.schema);
      BinlogItem item;
      item.kind = BinlogItem::Kind::kSnapshotRows;
      item.keys.reserve(rows->size() * spec.key.size());
      for (const Row& r : *rows) {
        for (int k : spec.key) item.keys.push_back(r[k].value_or(""));
        absl::Status st = AppendTextRow(r, spec.columns, spec.decoding, batch.get());
        if (!st.ok()) {
          return absl::Status(
              st.code(), fmt::format("snapshot of MySQL table '{}.{}': {}",
                                     spec.connection.database, spec.table,
                                     std::string(st.message())));
        }
      }
      spec.progress->rows_copied += static_cast<int64_t>(rows->size());
      last.assign(item.keys.end() - static_cast<std::ptrdiff_t>(spec.key.size()),
                  item.keys.end());
      item.rows = std::move(batch);
      if (!context.push(std::move(item))) return start;
    }
    if (static_cast<int64_t>(rows->size()) < spec.chunk_size) break;
  }
  (void)run("COMMIT");
  spec.progress->done = true;
  return start;
}

}  // namespace weir::connectors::mysql
