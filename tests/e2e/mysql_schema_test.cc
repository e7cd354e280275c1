// CREATE TABLE ... WITH (connector = 'mysql-cdc') without a column list reads
// the columns and primary key from a real MariaDB server (started by the
// mariadb_start CTest fixture on WEIR_TEST_MYSQL_PORT).
#define BOOST_TEST_MODULE mysql_schema_test
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/schema_reader.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/e2e/mysql_test_util.h"

namespace mysql = weir::connectors::mysql;
using weir::types::LogicalType;

namespace {

using weir::mysql_test::Options;
using weir::mysql_test::Port;

void Exec(mysql::Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  BOOST_REQUIRE_MESSAGE(r.ok(), sql << ": " << r.status().message());
}

/// Creates database shop with tables orders (many types) and nokey.
void PrepareShop() {
  auto conn = mysql::Connection::Open(Options(""));
  BOOST_REQUIRE_MESSAGE(conn.ok(), conn.status().message());
  Exec(**conn, "DROP DATABASE IF EXISTS shop");
  Exec(**conn, "CREATE DATABASE shop");
  Exec(**conn,
       "CREATE TABLE shop.orders ("
       " id BIGINT NOT NULL AUTO_INCREMENT,"
       " customer_id INT NOT NULL,"
       " amount DECIMAL(10,2) NOT NULL,"
       " note VARCHAR(200),"
       " paid TINYINT(1),"
       " qty INT UNSIGNED,"
       " big BIGINT UNSIGNED,"
       " ratio DOUBLE,"
       " created_at DATETIME(3) NOT NULL,"
       " day DATE,"
       " raw VARBINARY(16),"
       " PRIMARY KEY (id))");
  Exec(**conn, "CREATE TABLE shop.nokey (a INT)");
}

std::string Run(weir::Session& s, const std::string& sql,
                std::vector<weir::StatementResult>* results = nullptr) {
  absl::Status st = s.ExecuteScript(sql, [&](const weir::StatementResult& r) {
    if (results) results->push_back(r);
  });
  return st.ok() ? "" : std::string(st.message());
}

std::string CdcTable(const std::string& name, const std::string& table,
                     const std::string& password = "weir") {
  return "CREATE TABLE " + name +
         " WITH (connector = 'mysql-cdc', host = '127.0.0.1', port = " +
         std::to_string(Port()) + ", user = 'weir', password = '" + password +
         "', database = 'shop', table = '" + table + "');";
}

}  // namespace

BOOST_AUTO_TEST_CASE(maps_mysql_types_exactly) {
  auto map = [](std::string data_type, std::string column_type, int p = 0,
                int s = 0, int dp = 0) {
    mysql::ColumnInfo c;
    c.name = "c";
    c.data_type = data_type;
    c.column_type = column_type;
    c.numeric_precision = p;
    c.numeric_scale = s;
    c.datetime_precision = dp;
    auto t = mysql::MapColumnType(c);
    return t.ok() ? t->ToString() : std::string(t.status().message());
  };
  BOOST_TEST(map("tinyint", "tinyint(1)") == "BOOLEAN");
  BOOST_TEST(map("tinyint", "tinyint(4)") == "INT");
  BOOST_TEST(map("int", "int(11)") == "INT");
  BOOST_TEST(map("int", "int(10) unsigned") == "BIGINT");
  BOOST_TEST(map("bigint", "bigint(20)") == "BIGINT");
  BOOST_TEST(map("bigint", "bigint(20) unsigned") == "DECIMAL(20, 0)");
  BOOST_TEST(map("decimal", "decimal(10,2)", 10, 2) == "DECIMAL(10, 2)");
  BOOST_TEST(map("datetime", "datetime(3)", 0, 0, 3) == "TIMESTAMP(3)");
  BOOST_TEST(map("timestamp", "timestamp", 0, 0, 0) == "TIMESTAMP(0)");
  BOOST_TEST(map("json", "longtext") == "VARCHAR");
  BOOST_TEST(map("blob", "blob") == "BYTES");
  BOOST_TEST(map("geometry", "geometry") ==
             "column 'c' has MySQL type geometry, which Weir cannot read yet");
}

BOOST_AUTO_TEST_CASE(create_table_reads_columns_and_key_from_mariadb) {
  PrepareShop();
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  weir::Session& s = **session;
  BOOST_REQUIRE_EQUAL(Run(s, CdcTable("orders", "orders")), "");
  std::vector<weir::StatementResult> results;
  BOOST_REQUIRE_EQUAL(Run(s, "DESCRIBE orders;", &results), "");
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  const auto& rows = results[0].rows;
  // column, type, nullable, key: as declared in PrepareShop.
  std::vector<std::vector<std::string>> expected = {
      {"id", "BIGINT", "NO", "PRI"},
      {"customer_id", "INT", "NO", ""},
      {"amount", "DECIMAL(10, 2)", "NO", ""},
      {"note", "VARCHAR", "YES", ""},
      {"paid", "BOOLEAN", "YES", ""},
      {"qty", "BIGINT", "YES", ""},
      {"big", "DECIMAL(20, 0)", "YES", ""},
      {"ratio", "DOUBLE", "YES", ""},
      {"created_at", "TIMESTAMP(3)", "YES", ""},  // a zero date is NULL
      {"day", "DATE", "YES", ""},
      {"raw", "BYTES", "YES", ""}};
  BOOST_REQUIRE_EQUAL(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < 4; ++j) BOOST_TEST(rows[i][j] == expected[i][j]);
  }
  // The DESIGN.md view over the CDC table binds against those columns.
  results.clear();
  BOOST_REQUIRE_EQUAL(Run(s,
                          "EXPLAIN CREATE MATERIALIZED VIEW revenue AS SELECT "
                          "window_start, window_end, "
                          "customer_id, SUM(amount) AS revenue, COUNT(*) AS n "
                          "FROM TUMBLE(orders, created_at, "
                          "INTERVAL '1' MINUTE) GROUP BY window_start, "
                          "window_end, customer_id;",
                          &results),
                      "");
  BOOST_REQUIRE_EQUAL(results.size(), 1u);
  BOOST_TEST(results[0].text.find("revenue DECIMAL(38, 2)") !=
             std::string::npos);
  BOOST_TEST(
      results[0].text.find("Scan orders [table, mysql-cdc table=orders]") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(mysql_problems_are_clear_errors) {
  PrepareShop();
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  weir::Session& s = **session;
  std::string err = Run(s, CdcTable("t1", "missing"));
  BOOST_TEST(err.find("cannot read the columns of table 't1' from MySQL: MySQL "
                      "at weir@127.0.0.1:" +
                      std::to_string(Port()) +
                      "/shop has no table 'shop.missing'") != std::string::npos,
             err);
  err = Run(s, CdcTable("t2", "nokey"));
  BOOST_TEST(err.find("MySQL table 'shop.nokey' has no PRIMARY KEY") !=
                 std::string::npos,
             err);
  err = Run(s, CdcTable("t3", "orders", "wrong"));
  BOOST_TEST(err.find("cannot connect to MySQL at weir@127.0.0.1:" +
                      std::to_string(Port()) + "/shop: Access denied") !=
                 std::string::npos,
             err);
  // The error points at the table's name in the statement.
  BOOST_TEST(err.find("line 1:14:") == 0, err);
  // Nothing was created by the failed statements.
  BOOST_TEST(s.catalog().Find("t1") == nullptr);
  BOOST_TEST(s.catalog().Find("t3") == nullptr);
}
