#pragma once

// Rows sent through MariaDB's array binding: one prepared statement with a
// placeholder per column, executed for many rows at once
// (COM_STMT_BULK_EXECUTE), the values in binary, never in the SQL text.
// What the MySQL sink writes with; sink_bench's hand-written reference
// does the same. A server without array binding (MySQL) gets the same
// statement executed once per row.

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/mysql_sink_sql.h"

namespace weir::connectors::mysql {

/// Prepares `sql` on `conn` and executes it once per record of `records`
/// (each the cells of one row, AppendCell's encoding, one cell per
/// placeholder, of `kinds`), in groups of at most `max_rows` rows and
/// about `max_bytes` of values. Stops at the first error: its status
/// names the server and quotes MySQL, `*error_number` is MySQL's number.
absl::Status ExecuteBulk(Connection& conn, std::string_view sql,
                         const std::vector<CellKind>& kinds,
                         const std::vector<std::string_view>& records,
                         size_t max_rows, size_t max_bytes,
                         unsigned int* error_number);

}  // namespace weir::connectors::mysql
