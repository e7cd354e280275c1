// The mysql-cdc source against a real MariaDB (the mariadb_start CTest
// fixture on WEIR_TEST_MYSQL_PORT, binlog in ROW format): the binlog client
// thread, the snapshot, and the changelog a query reads, folded into a map
// by primary key and compared with the table itself.
#define BOOST_TEST_MODULE mysql_cdc_test
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mysql/binlog_client.h"
#include "connectors/mysql/cdc_snapshot.h"
#include "connectors/mysql/mysql_connection.h"

namespace mysql = weir::connectors::mysql;

namespace {

int Port() {
  const char* p = std::getenv("WEIR_TEST_MYSQL_PORT");
  return p ? std::atoi(p) : 33061;
}

mysql::ConnectionOptions Options(const std::string& database) {
  mysql::ConnectionOptions o;
  o.host = "127.0.0.1";
  o.port = Port();
  o.user = "weir";
  o.password = "weir";
  o.database = database;
  o.connect_timeout_seconds = 5;
  return o;
}

std::unique_ptr<mysql::Connection> Connect(const std::string& db = "") {
  auto conn = mysql::Connection::Open(Options(db));
  BOOST_REQUIRE_MESSAGE(conn.ok(), conn.status().message());
  return *std::move(conn);
}

std::vector<mysql::Row> Exec(mysql::Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  BOOST_REQUIRE_MESSAGE(r.ok(), sql << ": " << r.status().message());
  return *r;
}

/// Polls `client` until `done` says so (CTest's timeout stops a hang).
void PollUntil(mysql::BinlogClient& client,
               const std::function<bool(mysql::BinlogItem&)>& done) {
  while (true) {
    std::optional<mysql::BinlogItem> item = client.Poll();
    if (!item) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (done(*item)) return;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(binlog_client_streams_events_of_one_table) {
  auto c = Connect();
  Exec(*c, "DROP DATABASE IF EXISTS cdc1");
  Exec(*c, "CREATE DATABASE cdc1");
  Exec(*c, "CREATE TABLE cdc1.t (id INT PRIMARY KEY, v VARCHAR(10))");
  Exec(*c, "CREATE TABLE cdc1.other (id INT PRIMARY KEY)");
  mysql::BinlogClientOptions options;
  options.connection = Options("cdc1");
  options.server_id = mysql::GenerateServerId(options.connection, "t");
  options.only_database = "cdc1";
  options.only_table = "t";
  options.heartbeat_ms = 100;
  mysql::BinlogClient client(options, mysql::BinlogStart{"", 4});
  std::string file;
  PollUntil(client, [&](mysql::BinlogItem& item) {
    BOOST_REQUIRE_MESSAGE(item.kind != mysql::BinlogItem::Kind::kError,
                          item.error.message());
    if (item.kind == mysql::BinlogItem::Kind::kStarted) file = item.file;
    return item.kind == mysql::BinlogItem::Kind::kStarted;
  });
  BOOST_TEST(mysql::BinlogFileSequence(file).has_value());
  Exec(*c, "INSERT INTO cdc1.other VALUES (1)");
  Exec(*c, "INSERT INTO cdc1.t VALUES (1, 'a')");
  int table_maps = 0, rows = 0, heartbeats = 0;
  PollUntil(client, [&](mysql::BinlogItem& item) {
    BOOST_REQUIRE_MESSAGE(item.kind != mysql::BinlogItem::Kind::kError,
                          item.error.message());
    if (item.type == 19) {
      ++table_maps;
      BOOST_TEST(item.table == "t");
    }
    if (item.type == 23 || item.type == 30) ++rows;
    if (item.type == 27) ++heartbeats;
    // Idle after the insert: a heartbeat arrives with the position.
    return rows == 1 && heartbeats > 0;
  });
  BOOST_TEST(table_maps == 1);
  // Stop returns although the thread is blocked in a fetch.
  client.Stop();
}

BOOST_AUTO_TEST_CASE(binlog_client_reports_a_purged_position_clearly) {
  mysql::BinlogClientOptions options;
  options.connection = Options("");
  options.server_id = 4000000001u;
  mysql::BinlogClient client(options, mysql::BinlogStart{"binlog.999999", 4});
  PollUntil(client, [&](mysql::BinlogItem& item) {
    if (item.kind != mysql::BinlogItem::Kind::kError) return false;
    const std::string m(item.error.message());
    BOOST_TEST(m.find("stopped sending its binlog") != std::string::npos, m);
    BOOST_TEST(m.find("purged") != std::string::npos, m);
    BOOST_TEST(item.error.code() == absl::StatusCode::kFailedPrecondition);
    return true;
  });
}
