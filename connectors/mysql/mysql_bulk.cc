#include "connectors/mysql/mysql_bulk.h"

#include <mysql.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

/// One placeholder's arrays, column-wise (one entry per row).
struct ParamArrays {
  std::vector<char> indicators;  // STMT_INDICATOR_NONE or _NULL
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<const char*> data;  // text and binary
  std::vector<unsigned long> lengths;

  void Clear() {
    indicators.clear();
    ints.clear();
    doubles.clear();
    data.clear();
    lengths.clear();
  }
};

/// Whether the server takes array binding (MariaDB 10.2 and later; what
/// MARIADB_STMT_BULK_SUPPORTED tests, through the public interface).
bool BulkSupported(MYSQL* m) {
  unsigned long server = 0;
  unsigned long extended = 0;
  if (mariadb_get_infov(m, MARIADB_CONNECTION_SERVER_CAPABILITIES, &server) !=
          0 ||
      mariadb_get_infov(m, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES,
                        &extended) != 0)
    return false;
  return (server & CLIENT_MYSQL) == 0 &&
         (extended & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

struct StmtCloser {
  void operator()(MYSQL_STMT* s) const { mysql_stmt_close(s); }
};

}  // namespace

absl::Status ExecuteBulk(Connection& conn, std::string_view sql,
                         const std::vector<CellKind>& kinds,
                         const std::vector<std::string_view>& records,
                         size_t max_rows, size_t max_bytes,
                         unsigned int* error_number) {
  *error_number = 0;
  if (records.empty()) return absl::OkStatus();
  std::unique_ptr<MYSQL_STMT, StmtCloser> stmt(mysql_stmt_init(conn.native()));
  if (stmt == nullptr) {
    *error_number = mysql_errno(conn.native());
    return absl::UnavailableError(fmt::format(
        "MySQL at {} failed a statement: {}", conn.server(),
        mysql_error(conn.native())));
  }
  auto failed = [&]() {
    *error_number = mysql_stmt_errno(stmt.get());
    return absl::UnavailableError(
        fmt::format("MySQL at {} failed a statement: {}", conn.server(),
                    mysql_stmt_error(stmt.get())));
  };
  if (mysql_stmt_prepare(stmt.get(), sql.data(),
                         static_cast<unsigned long>(sql.size())) != 0)
    return failed();
  if (mysql_stmt_param_count(stmt.get()) != kinds.size()) {
    return absl::InternalError(
        fmt::format("a bulk statement has {} parameters, not {}",
                    mysql_stmt_param_count(stmt.get()), kinds.size()));
  }
  std::vector<MYSQL_BIND> binds(kinds.size());
  if (!BulkSupported(conn.native())) {
    // A server without array binding (MySQL): the same statement executed
    // once per row, each parameter bound to its value.
    std::vector<int64_t> ints(kinds.size());
    std::vector<double> doubles(kinds.size());
    std::vector<unsigned long> lengths(kinds.size());
    std::vector<my_bool> nulls(kinds.size());
    for (const std::string_view record : records) {
      std::memset(binds.data(), 0, binds.size() * sizeof(MYSQL_BIND));
      size_t at = 0;
      for (size_t c = 0; c < kinds.size(); ++c) {
        const std::optional<std::string_view> cell = NextCell(record, &at);
        MYSQL_BIND& b = binds[c];
        nulls[c] = cell ? 0 : 1;
        b.is_null = &nulls[c];
        switch (kinds[c]) {
          case CellKind::kInt64:
            ints[c] = 0;
            if (cell) std::memcpy(&ints[c], cell->data(), sizeof(int64_t));
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &ints[c];
            break;
          case CellKind::kDouble:
            doubles[c] = 0;
            if (cell) std::memcpy(&doubles[c], cell->data(), sizeof(double));
            b.buffer_type = MYSQL_TYPE_DOUBLE;
            b.buffer = &doubles[c];
            break;
          case CellKind::kText:
          case CellKind::kBinary:
            b.buffer_type = kinds[c] == CellKind::kText ? MYSQL_TYPE_STRING
                                                        : MYSQL_TYPE_BLOB;
            b.buffer = const_cast<char*>(cell ? cell->data() : "");
            lengths[c] = cell ? cell->size() : 0;
            b.buffer_length = lengths[c];
            b.length = &lengths[c];
            break;
        }
      }
      if (mysql_stmt_bind_param(stmt.get(), binds.data()) != 0 ||
          mysql_stmt_execute(stmt.get()) != 0)
        return failed();
    }
    return absl::OkStatus();
  }
  std::vector<ParamArrays> params(kinds.size());
  for (size_t begin = 0; begin < records.size();) {
    for (ParamArrays& p : params) p.Clear();
    size_t end = begin;
    size_t bytes = 0;
    while (end < records.size() && end - begin < max_rows &&
           bytes < max_bytes) {
      const std::string_view record = records[end];
      size_t at = 0;
      for (size_t c = 0; c < kinds.size(); ++c) {
        const std::optional<std::string_view> cell = NextCell(record, &at);
        ParamArrays& p = params[c];
        p.indicators.push_back(cell ? STMT_INDICATOR_NONE : STMT_INDICATOR_NULL);
        switch (kinds[c]) {
          case CellKind::kInt64: {
            int64_t v = 0;
            if (cell) std::memcpy(&v, cell->data(), sizeof v);
            p.ints.push_back(v);
            break;
          }
          case CellKind::kDouble: {
            double v = 0;
            if (cell) std::memcpy(&v, cell->data(), sizeof v);
            p.doubles.push_back(v);
            break;
          }
          case CellKind::kText:
          case CellKind::kBinary:
            p.data.push_back(cell ? cell->data() : "");
            p.lengths.push_back(cell ? cell->size() : 0);
            break;
        }
      }
      bytes += record.size();
      ++end;
    }
    unsigned int rows = static_cast<unsigned int>(end - begin);
    if (mysql_stmt_attr_set(stmt.get(), STMT_ATTR_ARRAY_SIZE, &rows) != 0)
      return failed();
    std::memset(binds.data(), 0, binds.size() * sizeof(MYSQL_BIND));
    for (size_t c = 0; c < kinds.size(); ++c) {
      ParamArrays& p = params[c];
      MYSQL_BIND& b = binds[c];
      b.u.indicator = p.indicators.data();
      switch (kinds[c]) {
        case CellKind::kInt64:
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = p.ints.data();
          break;
        case CellKind::kDouble:
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = p.doubles.data();
          break;
        case CellKind::kText:
        case CellKind::kBinary:
          // Text is read in the session's character set (utf8mb4); a BLOB
          // parameter is binary, never converted.
          b.buffer_type = kinds[c] == CellKind::kText ? MYSQL_TYPE_STRING
                                                      : MYSQL_TYPE_BLOB;
          b.buffer = p.data.data();
          b.length = p.lengths.data();
          break;
      }
    }
    if (mysql_stmt_bind_param(stmt.get(), binds.data()) != 0 ||
        mysql_stmt_execute(stmt.get()) != 0)
      return failed();
    begin = end;
  }
  return absl::OkStatus();
}

}  // namespace weir::connectors::mysql
