#include "connectors/mysql/mysql_sink_sql.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "connectors/mysql/mysql_connection.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

using types::TypeId;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// Appends `bytes` as hexadecimal digits.
void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  const size_t at = out->size();
  out->resize(at + bytes.size() * 2);
  char* p = out->data() + at;
  for (unsigned char c : bytes) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 15];
  }
}

/// A text literal of arbitrary bytes: _utf8mb4 X'..' (a hexadecimal
/// literal read as utf8mb4 text). For the few statements that are not
/// per row (names in information_schema queries, the progress row), so
/// they do not depend on the session's settings.
void AppendTextLiteral(std::string_view text, std::string* out) {
  out->append("_utf8mb4 X'");
  AppendHex(text, out);
  out->push_back('\'');
}

bool IsIntegerType(const std::string& t) {
  return t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" ||
         t == "integer" || t == "bigint";
}

/// Why MySQL column `c` cannot hold every value of `field`, or "" when it
/// can.
std::string Misfit(const types::Field& field, const ColumnInfo& c) {
  const std::string& t = c.data_type;
  const bool is_unsigned = c.is_unsigned();
  const types::LogicalType& type = field.type;
  switch (type.id()) {
    case TypeId::kBoolean:
      if (IsIntegerType(t) || t == "bit") return "";
      break;
    case TypeId::kInt:
      if ((t == "int" || t == "integer" || t == "bigint") && !is_unsigned)
        return "";
      if (t == "decimal" && c.numeric_precision - c.numeric_scale >= 10)
        return "";
      break;
    case TypeId::kBigint:
      if (t == "bigint" && !is_unsigned) return "";
      if (t == "decimal" && c.numeric_precision - c.numeric_scale >= 19)
        return "";
      break;
    case TypeId::kDouble:
      if (t == "double" || t == "real") return "";
      break;
    case TypeId::kDecimal:
      if (t == "decimal" && c.numeric_scale >= type.scale() &&
          c.numeric_precision - c.numeric_scale >=
              type.precision() - type.scale() &&
          !is_unsigned)
        return "";
      break;
    case TypeId::kVarchar:
      if (t == "char" || t == "varchar" || t == "tinytext" || t == "text" ||
          t == "mediumtext" || t == "longtext") {
        if (c.charset == "utf8mb4") return "";
        return fmt::format(
            "its character set is {}, which cannot hold every UTF-8 string; "
            "use utf8mb4",
            c.charset.empty() ? "none" : c.charset);
      }
      break;
    case TypeId::kBytes:
      if (t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" ||
          t == "mediumblob" || t == "longblob")
        return "";
      break;
    case TypeId::kDate:
      if (t == "date" || t == "datetime") return "";
      break;
    case TypeId::kTime:
      if (t == "time" && c.datetime_precision >= 6) return "";
      break;
    case TypeId::kTimestamp:
      if ((t == "datetime" || t == "timestamp") &&
          c.datetime_precision >= type.precision())
        return "";
      break;
    default:
      break;
  }
  absl::StatusOr<std::string> wanted = MySqlColumnType(field, false);
  return fmt::format("its MySQL type {} cannot hold every {} value{}",
                     c.column_type, type.ToString(),
                     wanted.ok() ? " (use " + *wanted + ")" : "");
}

}  // namespace

absl::StatusOr<std::string> MySqlColumnType(const types::Field& field,
                                            bool in_key) {
  const types::LogicalType& type = field.type;
  switch (type.id()) {
    case TypeId::kBoolean:
      return std::string("TINYINT(1)");
    case TypeId::kInt:
      return std::string("INT");
    case TypeId::kBigint:
      return std::string("BIGINT");
    case TypeId::kDouble:
      return std::string("DOUBLE");
    case TypeId::kDecimal:
      return fmt::format("DECIMAL({},{})", type.precision(), type.scale());
    case TypeId::kVarchar:
      return std::string(in_key ? "VARCHAR(255)" : "LONGTEXT");
    case TypeId::kBytes:
      return std::string(in_key ? "VARBINARY(255)" : "LONGBLOB");
    case TypeId::kDate:
      return std::string("DATE");
    case TypeId::kTime:
      return std::string("TIME(6)");
    case TypeId::kTimestamp:
      return fmt::format("DATETIME({})", type.precision());
    case TypeId::kInterval:
    case TypeId::kNull:
      break;
  }
  return absl::InvalidArgumentError(fmt::format(
      "column '{}' is {}, which a MySQL table cannot hold; CAST it to a "
      "type MySQL has (VARCHAR, BIGINT, ...)",
      field.name, type.ToString()));
}

std::string QualifiedName(std::string_view database, std::string_view table) {
  return Connection::QuoteIdentifier(database) + "." +
         Connection::QuoteIdentifier(table);
}

absl::StatusOr<std::string> CreateTableSql(std::string_view qualified,
                                           const types::Schema& schema,
                                           const std::vector<int>& key,
                                           std::string_view collation) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (", qualified);
  for (size_t i = 0; i < schema.size(); ++i) {
    const types::Field& f = schema.field(i);
    const bool in_key =
        std::find(key.begin(), key.end(), static_cast<int>(i)) != key.end();
    absl::StatusOr<std::string> type = MySqlColumnType(f, in_key);
    if (!type.ok()) return type.status();
    if (i > 0) sql += ", ";
    sql += Connection::QuoteIdentifier(f.name) + " " + *type;
    if (in_key || !f.nullable) sql += " NOT NULL";
  }
  if (!key.empty()) {
    sql += ", PRIMARY KEY (";
    for (size_t i = 0; i < key.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += Connection::QuoteIdentifier(schema.field(key[i]).name);
    }
    sql += ")";
  }
  sql += fmt::format(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={}",
                     collation);
  return sql;
}

std::string CreateProgressTableSql(std::string_view database) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} ("
      "`sink` VARCHAR(255) NOT NULL, `target` VARCHAR(255) NOT NULL, "
      "`checkpoint_id` BIGINT UNSIGNED NOT NULL, "
      "`run_id` BIGINT UNSIGNED NOT NULL, "
      "`updated_at` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) "
      "ON UPDATE CURRENT_TIMESTAMP(3), "
      "PRIMARY KEY (`sink`, `target`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
      "COLLATE=utf8mb4_bin",
      QualifiedName(database, kProgressTable));
}

std::string ReadColumnsSql(std::string_view database, std::string_view table) {
  std::string db, tbl;
  AppendTextLiteral(database, &db);
  AppendTextLiteral(table, &tbl);
  return ColumnsQuery(db, tbl);
}

std::string ReadPrimaryKeySql(std::string_view database,
                              std::string_view table) {
  std::string db, tbl;
  AppendTextLiteral(database, &db);
  AppendTextLiteral(table, &tbl);
  return PrimaryKeyQuery(db, tbl);
}

std::vector<ColumnInfo> ColumnsFromRows(
    const std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::vector<ColumnInfo> out;
  for (const auto& r : rows) {
    if (r.size() < 9) continue;
    ColumnInfo info = ColumnFromRow(r);
    info.data_type = Lower(info.data_type);
    info.column_type = Lower(info.column_type);
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<SinkMode> CheckExistingTable(
    std::string_view table, const types::Schema& schema,
    const std::vector<int>& key, bool append_only,
    const std::vector<ColumnInfo>& columns,
    const std::vector<std::string>& primary_key) {
  auto find = [&](std::string_view name) -> const ColumnInfo* {
    for (const ColumnInfo& c : columns) {
      if (Lower(c.name) == Lower(name)) return &c;
    }
    return nullptr;
  };
  for (size_t i = 0; i < schema.size(); ++i) {
    const types::Field& f = schema.field(i);
    const ColumnInfo* c = find(f.name);
    if (c == nullptr) {
      return absl::InvalidArgumentError(fmt::format(
          "MySQL table '{}' has no column '{}' (the sink writes {}); add it, "
          "or drop the table to have the sink create it",
          table, f.name, schema.ToString()));
    }
    if (std::string why = Misfit(f, *c); !why.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("column '{}' of MySQL table '{}' does not fit the "
                      "sink's {}: {}",
                      c->name, table, f.type.ToString(), why));
    }
  }
  // Table columns the sink does not write get MySQL's default; one
  // without a default fails the insert with MySQL's error naming it.
  // A changelog without a key is one row, whatever the table's key.
  if (!append_only && key.empty()) return SinkMode::kOneRow;
  if (primary_key.empty()) {
    if (append_only) return SinkMode::kAppend;
    return absl::InvalidArgumentError(fmt::format(
        "MySQL table '{}' has no PRIMARY KEY, but the sink applies updates "
        "and deletes by key ({}); add PRIMARY KEY ({})",
        table, key.empty() ? std::string("none") : schema.field(key[0]).name,
        [&] {
          std::string names;
          for (size_t i = 0; i < key.size(); ++i)
            names += (i ? ", " : "") + schema.field(key[i]).name;
          return names;
        }()));
  }
  if (key.empty()) {
    // Append-only input without a key into a keyed table: plain inserts;
    // a duplicate key is MySQL's error.
    return SinkMode::kAppend;
  }
  for (const std::string& name : primary_key) {
    std::optional<size_t> index = schema.IndexOf(name);
    if (!index || std::find(key.begin(), key.end(), static_cast<int>(*index)) ==
                      key.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "column '{}' is in the PRIMARY KEY of MySQL table '{}' but not in "
          "the sink's key ({}); the table's key must be the sink's",
          name, table, [&] {
            std::string names;
            for (size_t i = 0; i < key.size(); ++i)
              names += (i ? ", " : "") + schema.field(key[i]).name;
            return names;
          }()));
    }
  }
  for (int k : key) {
    const std::string& name = schema.field(k).name;
    bool found = false;
    for (const std::string& p : primary_key) found |= Lower(p) == Lower(name);
    if (!found) {
      return absl::InvalidArgumentError(fmt::format(
          "column '{}' is in the sink's key but not in the PRIMARY KEY of "
          "MySQL table '{}'; the table's key must be the sink's",
          name, table));
    }
  }
  return SinkMode::kUpsert;
}

absl::StatusOr<std::vector<CellKind>> CellKinds(const types::Schema& schema) {
  std::vector<CellKind> kinds;
  for (size_t i = 0; i < schema.size(); ++i) {
    const types::Field& f = schema.field(i);
    switch (f.type.id()) {
      case TypeId::kBoolean:
      case TypeId::kInt:
      case TypeId::kBigint:
        kinds.push_back(CellKind::kInt64);
        continue;
      case TypeId::kDouble:
        kinds.push_back(CellKind::kDouble);
        continue;
      case TypeId::kDecimal:
      case TypeId::kVarchar:
      case TypeId::kDate:
      case TypeId::kTime:
      case TypeId::kTimestamp:
        kinds.push_back(CellKind::kText);
        continue;
      case TypeId::kBytes:
        kinds.push_back(CellKind::kBinary);
        continue;
      case TypeId::kInterval:
      case TypeId::kNull:
        break;
    }
    return MySqlColumnType(f, false).status();  // the error naming it
  }
  return kinds;
}

absl::Status AppendCell(const types::Column& column, size_t row,
                        std::string_view column_name, std::string* out) {
  if (column.physical() == types::PhysicalType::kNull || column.IsNull(row)) {
    out->push_back('\0');
    return absl::OkStatus();
  }
  auto fixed = [&](const void* value, uint32_t size) {
    const size_t at = out->size();
    out->resize(at + 1 + sizeof size + size);
    char* p = out->data() + at;
    *p = 1;
    std::memcpy(p + 1, &size, sizeof size);
    if (size > 0) std::memcpy(p + 1 + sizeof size, value, size);
  };
  // Text appended after a placeholder length, which is then filled in.
  auto text = [&](auto&& append) {
    const size_t at = out->size();
    out->push_back(1);
    out->append(sizeof(uint32_t), '\0');
    append();
    const uint32_t size =
        static_cast<uint32_t>(out->size() - at - 1 - sizeof(uint32_t));
    std::memcpy(out->data() + at + 1, &size, sizeof size);
  };
  switch (column.type().id()) {
    case TypeId::kBoolean:
    case TypeId::kInt:
    case TypeId::kBigint: {
      const int64_t v = column.type().id() == TypeId::kBoolean
                            ? (column.ints()[row] != 0 ? 1 : 0)
                            : column.ints()[row];
      fixed(&v, sizeof v);
      return absl::OkStatus();
    }
    case TypeId::kDouble: {
      const double v = column.doubles()[row];
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(fmt::format(
            "column '{}' holds {}, which MySQL cannot store", column_name, v));
      }
      fixed(&v, sizeof v);
      return absl::OkStatus();
    }
    case TypeId::kVarchar:
    case TypeId::kBytes: {
      const std::string_view v = column.StringAt(row);
      if (v.size() > UINT32_MAX) {
        return absl::InvalidArgumentError(fmt::format(
            "column '{}' holds a value of {} bytes, more than MySQL takes",
            column_name, v.size()));
      }
      fixed(v.data(), static_cast<uint32_t>(v.size()));
      return absl::OkStatus();
    }
    case TypeId::kDecimal:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      text([&] { column.AppendCellText(row, out); });
      return absl::OkStatus();
    case TypeId::kInterval:
    case TypeId::kNull:
      break;
  }
  return absl::InvalidArgumentError(
      fmt::format("column '{}' is {}, which MySQL cannot store", column_name,
                  column.type().ToString()));
}

std::optional<std::string_view> NextCell(std::string_view cells, size_t* at) {
  if (cells[*at] == 0) {
    ++*at;
    return std::nullopt;
  }
  uint32_t size = 0;
  std::memcpy(&size, cells.data() + *at + 1, sizeof size);
  const std::string_view value = cells.substr(*at + 1 + sizeof size, size);
  *at += 1 + sizeof size + size;
  return value;
}

SinkStatements SinkStatements::For(std::string_view qualified,
                                   const types::Schema& schema,
                                   const std::vector<int>& key, SinkMode mode) {
  SinkStatements s;
  std::string columns;
  for (size_t i = 0; i < schema.size(); ++i) {
    if (i > 0) columns += ",";
    columns += Connection::QuoteIdentifier(schema.field(i).name);
  }
  s.insert_prefix =
      fmt::format("INSERT INTO {} ({}) VALUES ", qualified, columns);
  if (mode == SinkMode::kUpsert && !key.empty()) {
    std::string updates;
    for (size_t i = 0; i < schema.size(); ++i) {
      if (std::find(key.begin(), key.end(), static_cast<int>(i)) != key.end())
        continue;
      const std::string c = Connection::QuoteIdentifier(schema.field(i).name);
      updates += (updates.empty() ? "" : ",") + c + "=VALUES(" + c + ")";
    }
    if (updates.empty()) {  // every column is in the key
      const std::string c =
          Connection::QuoteIdentifier(schema.field(key[0]).name);
      updates = c + "=" + c;
    }
    s.upsert_suffix = " ON DUPLICATE KEY UPDATE " + updates;
    s.delete_bulk = fmt::format("DELETE FROM {} WHERE ", qualified);
    for (size_t i = 0; i < key.size(); ++i) {
      if (i > 0) s.delete_bulk += " AND ";
      s.delete_bulk +=
          Connection::QuoteIdentifier(schema.field(key[i]).name) + "=?";
    }
  }
  s.insert_bulk = s.insert_prefix + "(";
  for (size_t i = 0; i < schema.size(); ++i) s.insert_bulk += i ? ",?" : "?";
  s.insert_bulk += ")" + s.upsert_suffix;
  return s;
}

std::string ProgressUpsertSql(std::string_view database, std::string_view sink,
                              std::string_view target, uint64_t id,
                              uint64_t run_id) {
  std::string s, t;
  AppendTextLiteral(sink, &s);
  AppendTextLiteral(target, &t);
  return fmt::format(
      "INSERT INTO {} (`sink`, `target`, `checkpoint_id`, `run_id`) VALUES "
      "({}, {}, {}, {}) ON DUPLICATE KEY UPDATE "
      "`checkpoint_id`=VALUES(`checkpoint_id`), `run_id`=VALUES(`run_id`)",
      QualifiedName(database, kProgressTable), s, t, id, run_id);
}

std::string ProgressReadSql(std::string_view database, std::string_view sink,
                            std::string_view target) {
  std::string s, t;
  AppendTextLiteral(sink, &s);
  AppendTextLiteral(target, &t);
  return fmt::format(
      "SELECT `checkpoint_id`, `run_id` FROM {} WHERE `sink` = {} AND "
      "`target` = {}",
      QualifiedName(database, kProgressTable), s, t);
}

bool IsTransientError(unsigned int error_number) {
  switch (error_number) {
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 1152:  // aborted connection
    case 1158:  // network errors while reading or writing
    case 1159:
    case 1160:
    case 1161:
    case 1205:  // lock wait timeout
    case 1213:  // deadlock
    case 1290:  // --read-only
    case 1792:  // read-only transaction
    case 1836:  // read-only mode
    case 1927:  // connection killed
    case 2002:  // cannot connect (socket)
    case 2003:  // cannot connect (TCP)
    case 2006:  // server has gone away
    case 2013:  // lost connection during query
    case 2055:  // lost connection (system error)
    case 4031:  // disconnected for inactivity
      return true;
    default:
      return false;
  }
}

}  // namespace weir::connectors::mysql
