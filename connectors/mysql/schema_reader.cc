#include "connectors/mysql/schema_reader.h"

#include <algorithm>
#include <cstdlib>

#include "fmt/format.h"

namespace weir::connectors::mysql {

using types::LogicalType;

bool ColumnInfo::is_unsigned() const {
  return column_type.find("unsigned") != std::string::npos;
}

absl::StatusOr<std::vector<std::string>> ParseEnumLabels(
    std::string_view column_type) {
  std::vector<std::string> labels;
  if (!column_type.starts_with("enum(") && !column_type.starts_with("set(")) {
    return labels;
  }
  size_t i = column_type.find('(') + 1;
  while (i < column_type.size() && column_type[i] == '\'') {
    std::string label;
    ++i;
    bool closed = false;
    while (i < column_type.size()) {
      char ch = column_type[i];
      if (ch == '\'' && i + 1 < column_type.size() &&
          column_type[i + 1] == '\'') {
        label += '\'';
        i += 2;
      } else if (ch == '\\' && i + 1 < column_type.size()) {
        label += column_type[i + 1];
        i += 2;
      } else if (ch == '\'') {
        ++i;
        closed = true;
        break;
      } else {
        label += ch;
        ++i;
      }
    }
    if (!closed) break;
    labels.push_back(std::move(label));
    if (i < column_type.size() && column_type[i] == ',') ++i;
    if (i < column_type.size() && column_type[i] == ')') return labels;
  }
  return absl::InvalidArgumentError(
      fmt::format("cannot read the labels of MySQL type {}", column_type));
}

bool MayHoldZeroDate(const ColumnInfo& c) {
  return c.data_type == "date" || c.data_type == "datetime" ||
         c.data_type == "timestamp";
}

absl::StatusOr<LogicalType> MapColumnType(const ColumnInfo& c) {
  const std::string& t = c.data_type;
  bool is_unsigned = c.is_unsigned();
  if (t == "tinyint" && c.column_type.rfind("tinyint(1)", 0) == 0 &&
      !is_unsigned) {
    return LogicalType::Boolean();
  }
  if (t == "tinyint" || t == "smallint" || t == "mediumint" || t == "year")
    return LogicalType::Int();
  if (t == "int" || t == "integer")
    return is_unsigned ? LogicalType::Bigint() : LogicalType::Int();
  if (t == "bigint")
    return is_unsigned ? LogicalType::DecimalOrDie(20, 0)
                       : LogicalType::Bigint();
  if (t == "bit") {
    // BIT(64) values reach 2^64 - 1, beyond BIGINT.
    return c.numeric_precision >= 64 ? LogicalType::DecimalOrDie(20, 0)
                                     : LogicalType::Bigint();
  }
  if (t == "decimal" || t == "numeric") {
    // Beyond Weir's 38 digits the exact text, never rounded.
    if (c.numeric_precision > LogicalType::kMaxDecimalPrecision) {
      return LogicalType::Varchar();
    }
    int p =
        std::clamp(c.numeric_precision, 1, LogicalType::kMaxDecimalPrecision);
    int s = std::clamp(c.numeric_scale, 0, p);
    return LogicalType::DecimalOrDie(p, s);
  }
  if (t == "float" || t == "double" || t == "real")
    return LogicalType::Double();
  if (t == "char" || t == "varchar" || t == "tinytext" || t == "text" ||
      t == "mediumtext" || t == "longtext" || t == "enum" || t == "set" ||
      t == "json") {
    return LogicalType::Varchar();
  }
  if (t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" ||
      t == "mediumblob" || t == "longblob") {
    return LogicalType::Bytes();
  }
  if (t == "date") return LogicalType::Date();
  if (t == "time") return LogicalType::Interval();
  if (t == "datetime" || t == "timestamp") {
    return LogicalType::TimestampOrDie(std::clamp(c.datetime_precision, 0, 6));
  }
  return absl::UnimplementedError(
      fmt::format("column '{}' has MySQL type {}, which Weir cannot read yet",
                  c.name, c.column_type));
}

std::string ColumnsQuery(std::string_view database, std::string_view table) {
  return fmt::format(
      "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, "
      "NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE, ORDINAL_POSITION, "
      "CHARACTER_SET_NAME FROM information_schema.COLUMNS "
      "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
      database, table);
}

std::string PrimaryKeyQuery(std::string_view database, std::string_view table) {
  return fmt::format(
      "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
      "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND CONSTRAINT_NAME = "
      "'PRIMARY' ORDER BY ORDINAL_POSITION",
      database, table);
}

ColumnInfo ColumnFromRow(const Row& r) {
  auto number = [&](size_t i) { return r[i] ? std::atoi(r[i]->c_str()) : 0; };
  ColumnInfo info;
  info.name = r[0].value_or("");
  info.data_type = r[1].value_or("");
  info.column_type = r[2].value_or("");
  info.numeric_precision = number(3);
  info.numeric_scale = number(4);
  info.datetime_precision = number(5);
  info.nullable = r[6].value_or("YES") == "YES";
  info.ordinal = number(7) - 1;
  info.charset = r[8].value_or("");
  return info;
}

absl::StatusOr<TableSchema> ReadTableSchema(const ConnectionOptions& options,
                                            std::string_view table) {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(options);
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  std::string db = c.Quote(options.database);
  std::string tbl = c.Quote(table);
  absl::StatusOr<std::vector<Row>> cols = c.Query(ColumnsQuery(db, tbl));
  if (!cols.ok()) return cols.status();
  if (cols->empty()) {
    return absl::NotFoundError(fmt::format("MySQL at {} has no table '{}.{}'",
                                           options.Describe(), options.database,
                                           table));
  }
  TableSchema out;
  for (const Row& r : *cols) {
    ColumnInfo info = ColumnFromRow(r);
    absl::StatusOr<std::vector<std::string>> labels =
        ParseEnumLabels(info.column_type);
    if (!labels.ok()) return labels.status();
    info.labels = std::move(*labels);
    absl::StatusOr<LogicalType> type = MapColumnType(info);
    if (!type.ok()) return type.status();
    out.schema.Add({info.name, *type, info.nullable || MayHoldZeroDate(info)});
    out.columns.push_back(std::move(info));
  }
  absl::StatusOr<std::vector<Row>> keys = c.Query(PrimaryKeyQuery(db, tbl));
  if (!keys.ok()) return keys.status();
  for (const Row& r : *keys) {
    std::optional<size_t> idx = out.schema.IndexOf(r[0].value_or(""));
    if (idx) out.primary_key.push_back(static_cast<int>(*idx));
  }
  if (out.primary_key.empty()) {
    return absl::FailedPreconditionError(
        fmt::format("MySQL table '{}.{}' has no PRIMARY KEY; change data "
                    "capture needs one to match "
                    "updates and deletes",
                    options.database, table));
  }
  return out;
}

}  // namespace weir::connectors::mysql
