#include "connectors/mysql/cdc_snapshot.h"

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "engine/types/decimal_util.h"
#include "engine/types/value.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

using types::LogicalType;
using types::TypeId;
using types::Value;

absl::Status BadValue(const ColumnInfo& c, std::string_view text,
                      std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("column '{}' ({}): cannot read the value '{}': {}", c.name,
                  c.column_type, text, why));
}

/// A date or datetime with a zero year, month or day ("0000-00-00"): MySQL
/// lets them in, Weir has no such date; read as NULL.
bool IsZeroDate(std::string_view text) {
  return text.size() >= 10 &&
         (text.substr(0, 4) == "0000" || text.substr(5, 2) == "00" ||
          text.substr(8, 2) == "00");
}

absl::StatusOr<int64_t> ParseInt(const ColumnInfo& c, const std::string& t) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno != 0 || end == t.c_str() || *end != '\0') {
    return BadValue(c, t, "not an integer");
  }
  return static_cast<int64_t>(v);
}

/// MySQL TIME text ("-838:59:59.000000") -> microseconds.
absl::StatusOr<int64_t> ParseMySqlTime(const ColumnInfo& c,
                                       const std::string& t) {
  std::string_view s = t;
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  int64_t h = 0, m = 0, sec = 0, frac = 0;
  int frac_digits = 0;
  int field = 0;
  for (char ch : s) {
    if (ch == ':') {
      if (++field > 2) return BadValue(c, t, "not a TIME");
    } else if (ch == '.') {
      if (field != 2) return BadValue(c, t, "not a TIME");
      field = 3;
    } else if (ch >= '0' && ch <= '9') {
      const int d = ch - '0';
      if (field == 0) h = h * 10 + d;
      if (field == 1) m = m * 10 + d;
      if (field == 2) sec = sec * 10 + d;
      if (field == 3 && frac_digits < 6) {
        frac = frac * 10 + d;
        ++frac_digits;
      }
    } else {
      return BadValue(c, t, "not a TIME");
    }
  }
  if (field < 2) return BadValue(c, t, "not a TIME");
  for (; frac_digits < 6; ++frac_digits) frac *= 10;
  const int64_t micros = ((h * 60 + m) * 60 + sec) * 1000000 + frac;
  return negative ? -micros : micros;
}

absl::Status AppendCell(const std::string& t, const ColumnInfo& c,
                        types::Column* col) {
  const LogicalType& type = col->type();
  const std::string& mt = c.data_type;
  switch (type.id()) {
    case TypeId::kBoolean: {
      absl::StatusOr<int64_t> v = ParseInt(c, t);
      if (!v.ok()) return v.status();
      col->AppendInt(*v != 0 ? 1 : 0);
      return absl::OkStatus();
    }
    case TypeId::kInt:
    case TypeId::kBigint: {
      if (mt == "bit") {  // big-endian bytes
        if (t.size() > 8) return BadValue(c, t, "BIT wider than 64 bits");
        uint64_t v = 0;
        for (unsigned char b : t) v = (v << 8) | b;
        col->AppendInt(static_cast<int64_t>(v));
        return absl::OkStatus();
      }
      absl::StatusOr<int64_t> v = ParseInt(c, t);
      if (!v.ok()) return v.status();
      col->AppendInt(*v);
      return absl::OkStatus();
    }
    case TypeId::kDouble: {
      char* end = nullptr;
      const double v = mt == "float"
                           ? static_cast<double>(std::strtof(t.c_str(), &end))
                           : std::strtod(t.c_str(), &end);
      if (end == t.c_str() || *end != '\0') {
        return BadValue(c, t, "not a number");
      }
      col->AppendDouble(v);
      return absl::OkStatus();
    }
    case TypeId::kDecimal: {
      if (mt == "bit") {  // BIT(64): big-endian bytes, unsigned
        if (t.size() > 8) return BadValue(c, t, "BIT wider than 64 bits");
        uint64_t v = 0;
        for (unsigned char b : t) v = (v << 8) | b;
        col->AppendDecimal(static_cast<__int128>(v));
        return absl::OkStatus();
      }
      absl::StatusOr<Value> v = t.find('.') == std::string::npos
                                    ? types::ParseIntegerLiteral(t)
                                    : types::ParseDecimalLiteral(t);
      if (!v.ok()) return BadValue(c, t, std::string(v.status().message()));
      __int128 unscaled = 0;
      int scale = 0;
      if (v->type().id() == TypeId::kDecimal) {
        unscaled = v->decimal();
        scale = v->type().scale();
      } else {
        unscaled = v->integer();
      }
      std::optional<__int128> r =
          types::internal::Rescale(unscaled, scale, type.scale());
      if (!r || !types::internal::FitsPrecision(*r, type.precision())) {
        return BadValue(c, t, fmt::format("does not fit {}", type.ToString()));
      }
      col->AppendDecimal(*r);
      return absl::OkStatus();
    }
    case TypeId::kVarchar:
    case TypeId::kBytes:
      col->AppendBytes(t);
      return absl::OkStatus();
    case TypeId::kDate: {
      if (IsZeroDate(t)) {
        col->AppendNull();
        return absl::OkStatus();
      }
      absl::StatusOr<int64_t> v = types::ParseDate(t);
      if (!v.ok()) return BadValue(c, t, std::string(v.status().message()));
      col->AppendInt(*v);
      return absl::OkStatus();
    }
    case TypeId::kTimestamp: {
      if (IsZeroDate(t)) {
        col->AppendNull();
        return absl::OkStatus();
      }
      absl::StatusOr<int64_t> v = types::ParseTimestamp(t);
      if (!v.ok()) return BadValue(c, t, std::string(v.status().message()));
      col->AppendInt(*v);
      return absl::OkStatus();
    }
    case TypeId::kTime:
    case TypeId::kInterval: {
      absl::StatusOr<int64_t> v = ParseMySqlTime(c, t);
      if (!v.ok()) return v.status();
      if (type.id() == TypeId::kInterval) {
        col->AppendInterval(types::IntervalValue{0, *v});
        return absl::OkStatus();
      }
      if (*v < 0 || *v >= int64_t{86400} * 1000000) {
        return BadValue(c, t, "outside a TIME of day");
      }
      col->AppendInt(*v);
      return absl::OkStatus();
    }
    default:
      return BadValue(c, t,
                      fmt::format("no conversion to {}", type.ToString()));
  }
}

}  // namespace

absl::Status AppendTextRow(const Row& row,
                           const std::vector<ColumnInfo>& columns,
                           types::Batch* out) {
  const size_t n = out->num_rows();
  for (size_t i = 0; i < columns.size(); ++i) {
    types::Column& col = out->column(i);
    absl::Status st = row[i] ? AppendCell(*row[i], columns[i], &col)
                             : (col.AppendNull(), absl::OkStatus());
    if (!st.ok()) {
      for (size_t j = 0; j <= i; ++j) out->column(j).Resize(n);
      return st;
    }
  }
  out->SetNumRows(n + 1);
  return absl::OkStatus();
}

absl::StatusOr<BinlogStart> RunSnapshot(
    const SnapshotSpec& spec, const std::function<bool(BinlogItem)>& push) {
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Open(spec.connection);
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
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
    select += Connection::QuoteIdentifier(spec.columns[i].name);
  }
  for (size_t k = 0; k < spec.key.size(); ++k) {
    if (k > 0) order += ", ";
    order += Connection::QuoteIdentifier(spec.columns[spec.key[k]].name);
  }
  const std::string from =
      Connection::QuoteIdentifier(spec.connection.database) + "." +
      Connection::QuoteIdentifier(spec.table);
  std::optional<Row> last;
  while (true) {
    std::string where;
    if (last) {
      std::string values;
      for (size_t k = 0; k < spec.key.size(); ++k) {
        if (k > 0) values += ", ";
        values += c.Quote(*(*last)[spec.key[k]]);
      }
      where = fmt::format(" WHERE ({}) > ({})", order, values);
    }
    absl::StatusOr<std::vector<Row>> rows =
        run(fmt::format("SELECT {} FROM {}{} ORDER BY {} LIMIT {}", select,
                        from, where, order, spec.chunk_size));
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      auto batch = std::make_unique<types::Batch>(spec.schema);
      for (const Row& r : *rows) {
        absl::Status st = AppendTextRow(r, spec.columns, batch.get());
        if (!st.ok()) {
          return absl::Status(
              st.code(), fmt::format("snapshot of MySQL table '{}.{}': {}",
                                     spec.connection.database, spec.table,
                                     std::string(st.message())));
        }
      }
      spec.progress->rows_copied += static_cast<int64_t>(rows->size());
      last = rows->back();
      BinlogItem item;
      item.kind = BinlogItem::Kind::kSnapshotRows;
      item.rows = std::move(batch);
      if (!push(std::move(item))) return start;
    }
    if (static_cast<int64_t>(rows->size()) < spec.chunk_size) break;
  }
  (void)run("COMMIT");
  spec.progress->done = true;
  return start;
}

}  // namespace weir::connectors::mysql
