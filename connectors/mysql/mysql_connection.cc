#include "connectors/mysql/mysql_connection.h"

#include <mysql.h>

#include <cstdlib>

#include "fmt/format.h"

namespace weir::connectors::mysql {

struct Connection::Handle {
  MYSQL* mysql = nullptr;
  ~Handle() {
    if (mysql != nullptr) mysql_close(mysql);
  }
};

ConnectionOptions ConnectionOptions::FromOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
  ConnectionOptions o;
  for (const auto& [k, v] : options) {
    if (k == "host") o.host = v;
    if (k == "port") o.port = std::atoi(v.c_str());
    if (k == "user") o.user = v;
    if (k == "password") o.password = v;
    if (k == "database") o.database = v;
    if (k == "connect.timeout") {
      int seconds = std::atoi(v.c_str());
      if (v.size() > 2 && v.substr(v.size() - 2) == "ms")
        seconds = (seconds + 999) / 1000;
      if (v.size() > 3 && v.substr(v.size() - 3) == "min") seconds *= 60;
      if (seconds > 0) o.connect_timeout_seconds = seconds;
    }
  }
  return o;
}

std::string ConnectionOptions::Describe() const {
  return fmt::format("{}@{}:{}/{}", user, host, port, database);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const ConnectionOptions& options, unsigned int* error_number) {
  std::unique_ptr<Connection> c(new Connection());
  c->handle_ = std::make_unique<Handle>();
  c->server_ = options.Describe();
  c->handle_->mysql = mysql_init(nullptr);
  if (c->handle_->mysql == nullptr) {
    return absl::ResourceExhaustedError(
        "cannot allocate a MySQL client handle");
  }
  MYSQL* m = c->handle_->mysql;
  unsigned int timeout =
      static_cast<unsigned int>(options.connect_timeout_seconds);
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(
          m, options.host.c_str(), options.user.c_str(),
          options.password.c_str(),
          options.database.empty() ? nullptr : options.database.c_str(),
          static_cast<unsigned int>(options.port), nullptr, 0) == nullptr) {
    if (error_number != nullptr) *error_number = mysql_errno(m);
    return absl::UnavailableError(fmt::format(
        "cannot connect to MySQL at {}: {}", c->server_, mysql_error(m)));
  }
  return c;
}

Connection::~Connection() = default;

absl::StatusOr<std::vector<Row>> Connection::Query(std::string_view sql) {
  MYSQL* m = handle_->mysql;
  if (mysql_real_query(m, sql.data(), static_cast<unsigned long>(sql.size())) !=
      0) {
    return absl::UnavailableError(
        fmt::format("MySQL at {} failed a query: {}", server_, mysql_error(m)));
  }
  std::vector<Row> rows;
  MYSQL_RES* res = mysql_store_result(m);
  if (res == nullptr) {
    if (mysql_field_count(m) != 0) {
      return absl::UnavailableError(fmt::format(
          "MySQL at {} failed to return rows: {}", server_, mysql_error(m)));
    }
    return rows;
  }
  unsigned int n = mysql_num_fields(res);
  while (MYSQL_ROW r = mysql_fetch_row(res)) {
    unsigned long* lengths = mysql_fetch_lengths(res);
    Row row;
    for (unsigned int i = 0; i < n; ++i) {
      if (r[i] == nullptr) {
        row.push_back(std::nullopt);
      } else {
        row.push_back(std::string(r[i], lengths[i]));
      }
    }
    rows.push_back(std::move(row));
  }
  mysql_free_result(res);
  return rows;
}

std::string Connection::QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

unsigned int Connection::error_number() const {
  return mysql_errno(handle_->mysql);
}

st_mysql* Connection::native() const { return handle_->mysql; }

int Connection::socket() const {
  return static_cast<int>(mysql_get_socket(handle_->mysql));
}

std::string Connection::Quote(std::string_view text) {
  std::string out(text.size() * 2 + 1, '\0');
  unsigned long n =
      mysql_real_escape_string(handle_->mysql, out.data(), text.data(),
                               static_cast<unsigned long>(text.size()));
  out.resize(n);
  return "'" + out + "'";
}

}  // namespace weir::connectors::mysql
