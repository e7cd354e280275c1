#pragma once

// The test MariaDB (started by the mariadb CTest fixture on
// WEIR_TEST_MYSQL_PORT): how the MySQL tests reach it.

#include <cstdlib>
#include <string>

#include "connectors/mysql/mysql_connection.h"

namespace weir::mysql_test {

/// The fixture's port (33061 when the variable is unset).
inline int Port() {
  const char* p = std::getenv("WEIR_TEST_MYSQL_PORT");
  return p ? std::atoi(p) : 33061;
}

/// The fixture's server as user weir, in `database` ("" for none).
inline connectors::mysql::ConnectionOptions Options(
    const std::string& database) {
  connectors::mysql::ConnectionOptions o;
  o.host = "127.0.0.1";
  o.port = Port();
  o.user = "weir";
  o.password = "weir";
  o.database = database;
  o.connect_timeout_seconds = 5;
  return o;
}

}  // namespace weir::mysql_test
