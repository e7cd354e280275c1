// The mysql-cdc source against a real MariaDB (the mariadb_start CTest
// fixture on WEIR_TEST_MYSQL_PORT, binlog in ROW format): the binlog client
// thread, the snapshot, and the changelog a query reads, folded into a map
// by primary key and compared with the table itself.
#define BOOST_TEST_MODULE mysql_cdc_test
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mysql/binlog_client.h"
#include "connectors/mysql/cdc_snapshot.h"
#include "connectors/mysql/cdc_source.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/e2e/cdc_group_sums.h"
#include "tests/e2e/mysql_cdc_util.h"
#include "tests/e2e/mysql_test_util.h"
#include "tests/unit/run_weir.h"

using namespace weir::cdc_test;  // NOLINT: the shared test helpers

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
  mysql::BinlogClient client(options, mysql::BinlogStart{});
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
  mysql::BinlogClient client(options, mysql::BinlogStart::At("binlog.999999", 4));
  PollUntil(client, [&](mysql::BinlogItem& item) {
    if (item.kind != mysql::BinlogItem::Kind::kError) return false;
    const std::string m(item.error.message());
    BOOST_TEST(m.find("stopped sending its binlog") != std::string::npos, m);
    BOOST_TEST(m.find("purged") != std::string::npos, m);
    BOOST_TEST(item.error.code() == absl::StatusCode::kFailedPrecondition);
    return true;
  });
}

BOOST_AUTO_TEST_CASE(snapshot_then_binlog_folds_into_the_table) {
  auto c = Connect();
  CreateItems(*c, "cdc2", 50);
  OpenedSource o = Open("cdc2", "items", ", 'scan.snapshot.chunk-size' = 7");
  Fold fold;
  fold.key = o.key;
  // The snapshot: the 50 rows, all inserts.
  BOOST_REQUIRE(Drain(*o.source, o.schema, fold,
                      [&] { return fold.rows.size() == 50; })
                    .ok());
  Exec(*c, "INSERT INTO cdc2.items VALUES (51, 'new', 1, 9.99)");
  Exec(*c, "UPDATE cdc2.items SET qty = qty + 1 WHERE id % 5 = 0");
  Exec(*c, "DELETE FROM cdc2.items WHERE id % 9 = 0");
  Exec(*c, "START TRANSACTION");
  Exec(*c, "UPDATE cdc2.items SET name = NULL WHERE id = 1");
  Exec(*c, "UPDATE cdc2.items SET id = 100 WHERE id = 2");
  Exec(*c, "COMMIT");
  InsertSentinel(*c, "cdc2");
  absl::Status st = DrainToSentinel(*o.source, o.schema, fold);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  BOOST_TEST((fold.rows == TableRows(*c, "SELECT * FROM cdc2.items", o.key)));
  // The position is a binlog position (file sequence << 32 | offset).
  auto pos = o.source->checkpoint_position();
  BOOST_REQUIRE(pos.has_value());
  BOOST_TEST(pos->at(0) > (int64_t{1} << 32));
}

BOOST_AUTO_TEST_CASE(snapshot_under_concurrent_writes_is_exact) {
  auto c = Connect();
  CreateItems(*c, "cdc3", 300);
  OpenedSource o = Open("cdc3", "items", ", 'scan.snapshot.chunk-size' = 3");
  Fold fold;
  fold.key = o.key;
  // A writer changes the table while the snapshot reads it: inserts,
  // updates (also of the key), deletes, single and in transactions.
  std::thread writer([] {
    auto w = Connect();
    uint32_t seed = 12345;
    auto next = [&seed](int n) {
      seed = seed * 1103515245 + 12345;
      return static_cast<int>((seed >> 8) % static_cast<uint32_t>(n));
    };
    int next_id = 1000;
    for (int op = 0; op < 400; ++op) {
      const int id = 1 + next(next_id);
      switch (next(5)) {
        case 0:
          Exec(*w, "INSERT INTO cdc3.items VALUES (" +
                       std::to_string(next_id++) + ", 'w', 1, 2.50)");
          break;
        case 1:
          Exec(*w, "UPDATE cdc3.items SET qty = qty + 1 WHERE id = " +
                       std::to_string(id));
          break;
        case 2:
          Exec(*w, "DELETE FROM cdc3.items WHERE id = " + std::to_string(id));
          break;
        case 3:
          Exec(*w, "UPDATE IGNORE cdc3.items SET id = " +
                       std::to_string(next_id++) + " WHERE id = " +
                       std::to_string(id));
          break;
        default:
          Exec(*w, "START TRANSACTION");
          Exec(*w, "UPDATE cdc3.items SET name = 'tx' WHERE id BETWEEN " +
                       std::to_string(id) + " AND " + std::to_string(id + 5));
          Exec(*w, "DELETE FROM cdc3.items WHERE id = " +
                       std::to_string(id + 7));
          Exec(*w, "COMMIT");
      }
    }
    InsertSentinel(*w, "cdc3");
  });
  absl::Status st = DrainToSentinel(*o.source, o.schema, fold);
  writer.join();
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  BOOST_TEST((fold.rows == TableRows(*c, "SELECT * FROM cdc3.items", o.key)));
}

BOOST_AUTO_TEST_CASE(ddl_on_the_table_stops_with_a_clear_error) {
  auto c = Connect();
  CreateItems(*c, "cdc4", 3);
  Exec(*c, "CREATE TABLE cdc4.other (id INT PRIMARY KEY)");
  OpenedSource o = Open("cdc4", "items");
  Fold fold;
  fold.key = o.key;
  BOOST_REQUIRE(
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 3; })
          .ok());
  // DDL on another table is none of its business.
  Exec(*c, "ALTER TABLE cdc4.other ADD COLUMN x INT");
  InsertSentinel(*c, "cdc4");
  BOOST_REQUIRE(DrainToSentinel(*o.source, o.schema, fold).ok());
  Exec(*c, "USE cdc4");
  Exec(*c, "ALTER TABLE items MODIFY qty BIGINT");
  Exec(*c, "INSERT INTO cdc4.items VALUES (7, 'x', 1, 1)");
  absl::Status st = Drain(*o.source, o.schema, fold, [] { return false; });
  const std::string m(st.message());
  BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(m.find("MySQL table 'cdc4.items' was changed by `ALTER TABLE "
                    "items MODIFY qty BIGINT`") != std::string::npos,
             m);
  // The insert after the ALTER was never (mis)decoded.
  BOOST_TEST(fold.rows.count("7|") == 0u);
}

BOOST_AUTO_TEST_CASE(resumes_mid_transaction_without_gap_or_duplicate) {
  auto c = Connect();
  CreateItems(*c, "cdc5", 5);
  OpenedSource o = Open("cdc5", "items");
  Fold fold;
  fold.key = o.key;
  // Two rows into the snapshot: a position that cannot be resumed exactly
  // (the snapshot's transaction is gone), refused rather than repeated.
  BOOST_REQUIRE(Drain(*o.source, o.schema, fold,
                      [&] { return fold.changes >= 2; }, 2)
                    .ok());
  auto during = o.source->checkpoint_position();
  BOOST_REQUIRE(during.has_value());
  BOOST_TEST(during->at(0) == -1);
  BOOST_TEST(during->at(2) == 2);
  {
    auto again = mysql::OpenCdcSource(o.config, o.schema, 0, 1);
    BOOST_REQUIRE(again.ok());
    absl::Status refused = (*again)->StartAt(*during);
    BOOST_TEST(refused.code() == absl::StatusCode::kFailedPrecondition);
    BOOST_TEST(std::string(refused.message())
                   .find("taken while the snapshot of MySQL table "
                         "'cdc5.items' ran (2 rows read)") != std::string::npos,
               refused.message());
  }
  BOOST_REQUIRE(
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 5; })
          .ok());
  // One transaction of ten rows; three of them returned before the
  // position is taken.
  std::string values;
  for (int i = 10; i < 20; ++i) {
    values += std::string(values.empty() ? "" : ",") + "(" +
              std::to_string(i) + ", 'tx', 1, 1)";
  }
  Exec(*c, "INSERT INTO cdc5.items VALUES " + values);
  const size_t before = fold.changes;
  BOOST_REQUIRE(Drain(*o.source, o.schema, fold,
                      [&] { return fold.changes >= before + 3; }, 3)
                    .ok());
  BOOST_REQUIRE_EQUAL(fold.changes, before + 3);
  auto pos = o.source->checkpoint_position();
  BOOST_REQUIRE(pos.has_value());
  BOOST_TEST(pos->at(1) == 3);
  o.source.reset();
  Exec(*c, "UPDATE cdc5.items SET qty = 42 WHERE id IN (1, 12, 18)");
  Exec(*c, "DELETE FROM cdc5.items WHERE id = 2");
  InsertSentinel(*c, "cdc5");
  auto resumed = mysql::OpenCdcSource(o.config, o.schema, 0, 1);
  BOOST_REQUIRE(resumed.ok());
  BOOST_REQUIRE((*resumed)->StartAt(*pos).ok());
  // A checkpoint before it has read anything keeps that position.
  BOOST_TEST(((*resumed)->checkpoint_position() == pos));
  absl::Status st =
      Drain(**resumed, o.schema, fold, [&] { return HasSentinel(fold); });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  BOOST_TEST((fold.rows == TableRows(*c, "SELECT * FROM cdc5.items", o.key)));
}

BOOST_AUTO_TEST_CASE(survives_the_kill_of_its_binlog_connection) {
  auto c = Connect();
  CreateItems(*c, "cdc6", 5);
  OpenedSource o = Open("cdc6", "items");
  Fold fold;
  fold.key = o.key;
  BOOST_REQUIRE(
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 5; })
          .ok());
  Exec(*c, "INSERT INTO cdc6.items VALUES (6, 'a', 1, 1)");
  BOOST_REQUIRE(
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 6; })
          .ok());
  int killed = 0;
  for (const mysql::Row& r :
       Exec(*c,
            "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND "
            "LIKE 'Binlog Dump%'")) {
    Exec(*c, "KILL " + *r[0]);
    ++killed;
  }
  BOOST_TEST(killed >= 1);
  Exec(*c, "UPDATE cdc6.items SET qty = 7 WHERE id < 4");
  Exec(*c, "DELETE FROM cdc6.items WHERE id = 5");
  InsertSentinel(*c, "cdc6");
  absl::Status st = DrainToSentinel(*o.source, o.schema, fold);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  BOOST_TEST((fold.rows == TableRows(*c, "SELECT * FROM cdc6.items", o.key)));
}

BOOST_AUTO_TEST_CASE(push_query_group_by_equals_mariadb_group_by) {
  auto c = Connect();
  CreateItems(*c, "cdc7", 40);
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  weir::Session& s = **session;
  // One aggregate task: its output is in input order, so once the
  // sentinel's group arrives every earlier change has been counted.
  BOOST_REQUIRE_EQUAL(Run(s, "SET 'parallelism' = '1';"), "");
  BOOST_REQUIRE_EQUAL(Run(s, CdcTable("items", "cdc7", "items")), "");
  std::map<std::string, std::vector<std::string>> groups;  // by name
  std::vector<std::string> problems;
  std::atomic<bool> started{false}, ended{false};
  weir::PushHandler handler;
  handler.on_start = [&](const std::string&) { started = true; };
  handler.on_row = [&](const std::vector<std::string>& row) {
    // op, name, n, total
    std::vector<std::string> value(row.begin() + 1, row.end());
    if (row[0] == "+I" || row[0] == "+U") {
      if (groups.count(row[1])) problems.push_back("present " + row[1]);
      groups[row[1]] = value;
    } else {
      if (groups[row[1]] != value) problems.push_back("retracts " + row[1]);
      groups.erase(row[1]);
    }
    if (row[1] == "end") ended = true;
    return true;
  };
  handler.should_stop = [&] { return ended.load(); };
  s.set_push_handler(handler);
  std::thread writer([&] {
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto w = Connect();
    Exec(*w, "UPDATE cdc7.items SET name = 'moved' WHERE id % 4 = 0");
    Exec(*w, "DELETE FROM cdc7.items WHERE id % 6 = 0");
    Exec(*w, "INSERT INTO cdc7.items VALUES (100, NULL, 5, 1), "
             "(101, 'n1', 9, 1)");
    Exec(*w, "UPDATE cdc7.items SET qty = qty * 2 WHERE name = 'n3'");
    InsertSentinel(*w, "cdc7");
  });
  std::string err = Run(s,
                        "SELECT name, COUNT(*) AS n, SUM(qty) AS total FROM "
                        "items GROUP BY name EMIT CHANGES;");
  writer.join();
  BOOST_REQUIRE_EQUAL(err, "");
  BOOST_TEST(problems.empty());
  std::map<std::string, std::vector<std::string>> expected;
  for (const mysql::Row& r :
       Exec(*c, "SELECT name, COUNT(*), SUM(qty) FROM cdc7.items GROUP BY "
                "name")) {
    expected[r[0].value_or("NULL")] = {r[0].value_or("NULL"), *r[1], *r[2]};
  }
  BOOST_TEST((groups == expected));
}

BOOST_AUTO_TEST_CASE(starts_after_a_gtid_or_at_the_latest_offset) {
  auto c = Connect();
  CreateItems(*c, "cdc8", 5);
  const std::string gtid =
      *Exec(*c, "SELECT @@global.gtid_binlog_pos").front()[0];
  Exec(*c, "INSERT INTO cdc8.items VALUES (6, 'after', 1, 1), (7, 'b', 2, 2)");
  OpenedSource o = Open("cdc8", "items",
                        ", 'scan.startup.mode' = 'gtid', "
                        "'scan.startup.gtid' = '" + gtid + "'");
  OpenedSource latest =
      Open("cdc8", "items", ", 'scan.startup.mode' = 'latest-offset'");
  // The latest-offset source has its position once the dump started.
  Fold late;
  late.key = latest.key;
  BOOST_REQUIRE(Drain(*latest.source, latest.schema, late, [&] {
                  auto p = latest.source->checkpoint_position();
                  return p && p->at(0) > 0;
                }).ok());
  Exec(*c, "INSERT INTO cdc8.items VALUES (8, 'c', 3, 3)");
  InsertSentinel(*c, "cdc8");
  Fold fold;
  fold.key = o.key;
  absl::Status st = DrainToSentinel(*o.source, o.schema, fold);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty());
  BOOST_TEST((fold.rows ==
              TableRows(*c, "SELECT * FROM cdc8.items WHERE id > 5", o.key)));
  st = Drain(*latest.source, latest.schema, late,
             [&] { return HasSentinel(late); });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST((late.rows ==
              TableRows(*c, "SELECT * FROM cdc8.items WHERE id > 7", o.key)));
}

BOOST_AUTO_TEST_CASE(a_server_id_clash_is_reported_clearly) {
  mysql::BinlogClientOptions options;
  options.connection = Options("");
  options.server_id = 77;
  auto started = [](mysql::BinlogItem& item) {
    BOOST_REQUIRE_MESSAGE(item.kind != mysql::BinlogItem::Kind::kError,
                          item.error.message());
    return item.kind == mysql::BinlogItem::Kind::kStarted;
  };
  mysql::BinlogClient first(options, mysql::BinlogStart{});
  PollUntil(first, started);
  // MariaDB keeps the newer replica of a server-id and drops the older.
  mysql::BinlogClient second(options, mysql::BinlogStart{});
  PollUntil(second, started);
  PollUntil(first, [](mysql::BinlogItem& item) {
    if (item.kind != mysql::BinlogItem::Kind::kError) return false;
    const std::string m(item.error.message());
    BOOST_TEST(item.error.code() == absl::StatusCode::kFailedPrecondition);
    BOOST_TEST(m.find("give each mysql-cdc source its own 'server-id'") !=
                   std::string::npos,
               m);
    return true;
  });
}

// Every common type: the snapshot reads a row through SELECT, the binlog
// then retracts it with its before-image; the fold checks they are the
// same row, value for value.
BOOST_AUTO_TEST_CASE(snapshot_rows_equal_their_binlog_images_for_every_type) {
  auto c = Connect();
  Exec(*c, "DROP DATABASE IF EXISTS cdc9");
  Exec(*c, "CREATE DATABASE cdc9");
  Exec(*c,
       "CREATE TABLE cdc9.types (id INT PRIMARY KEY, touch INT,"
       " ti TINYINT, su SMALLINT UNSIGNED, mi MEDIUMINT, i INT,"
       " iu INT UNSIGNED, bu BIGINT UNSIGNED, b BIGINT,"
       " d DECIMAL(10,2), dw DECIMAL(65,30), f FLOAT, g DOUBLE,"
       " b5 BIT(5), b64 BIT(64), y YEAR, dt DATE, tm TIME(3),"
       " dtm DATETIME(6), ts TIMESTAMP(2) NULL,"
       " ch CHAR(5) CHARACTER SET latin1, vc VARCHAR(20) CHARACTER SET utf8mb4,"
       " tx TEXT, bn BINARY(4), vb VARBINARY(10), bl BLOB,"
       " en ENUM('a','b''c'), st SET('x','y','z'), js JSON)");
  Exec(*c, "SET SESSION sql_mode = ''");
  Exec(*c, "SET SESSION time_zone = '+00:00'");
  Exec(*c,
       "INSERT INTO cdc9.types VALUES"
       " (1, 0, -128, 65535, -8388608, -2147483648, 4294967295,"
       "  18446744073709551615, -9223372036854775808, -12345678.99,"
       "  '12345678901234567890123456789012345.123456789012345678901234567890',"
       "  1.1, 2.718281828459045, b'10101', b'1111111111111111111111111111111111111111111111111111111111111111',"
       "  2155, '1000-01-01', '-838:59:59.999', '9999-12-31 23:59:59.999999',"
       "  '2038-01-19 03:14:07.99', 'é', 'a😀b', 'quote''s \\\\ back',"
       "  x'00FF0001', x'00', x'DEADBEEF00', 'b''c', 'x,z', '{\"k\": [1, 2.5, null]}'),"
       " (2, 0, 127, 0, 8388607, 2147483647, 0, 0, 9223372036854775807,"
       "  0.01, '-0.000000000000000000000000000001', -3.4e38, -1e-300,"
       "  b'0', b'0', 1901, '0000-00-00', '838:59:59', '1970-01-01 00:00:00',"
       "  NULL, '', '', '', x'', x'', '', 'a', '', 'null'),"
       " (3, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
       "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
       "  NULL, NULL, NULL, NULL, NULL, NULL)");
  OpenedSource o = Open("cdc9", "types");
  Fold fold;
  fold.key = o.key;
  absl::Status st =
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 3; });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  Exec(*c, "UPDATE cdc9.types SET touch = 1");
  st = Drain(*o.source, o.schema, fold, [&] { return fold.changes == 9; });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  for (const auto& [key, row] : fold.rows) BOOST_TEST(row[1] == "1");
}

BOOST_AUTO_TEST_CASE(weir_e_reads_a_mysql_cdc_table) {
  auto c = Connect();
  CreateItems(*c, "cdc10", 4);
  const weir::testing::WeirRun run = weir::testing::RunWeir(
      {"-e", CdcTable("items", "cdc10", "items") +
                 " SELECT id, name, price FROM items EMIT CHANGES LIMIT 4;"});
  BOOST_TEST(run.exit_code == 0, run.err);
  // The snapshot in key order, as MariaDB lists the table.
  std::string expected = "op | id | name | price\n";
  for (const mysql::Row& r :
       Exec(*c, "SELECT id, name, price FROM cdc10.items ORDER BY id")) {
    expected += "+I | " + *r[0] + " | " + *r[1] + " | " + *r[2] + "\n";
  }
  BOOST_TEST(run.out.find(expected) != std::string::npos, run.out);
}


// A persistent query (GROUP BY into a Kafka sink, checkpointed) is stopped
// with its session and started again with the same state: it resumes at
// its checkpoint's binlog position. Changes read twice would count twice,
// changes skipped would be missing: the last value per group in the topic
// must equal MariaDB's own GROUP BY.
BOOST_AUTO_TEST_CASE(a_checkpointed_query_resumes_at_its_binlog_position) {
  auto c = Connect();
  CreateItems(*c, "cdc12", 40);
  GroupSums sums("cdc12", "cdcsums");
  {
    auto first = sums.Start();
    Exec(*c, "INSERT INTO cdc12.items VALUES (200, 'mark', 1, 1)");
    sums.ReadUntil("mark", "1");
    for (int i = 1; i <= 20; ++i) {
      Exec(*c, "UPDATE cdc12.items SET qty = qty + " + std::to_string(i) +
                   " WHERE id = " + std::to_string(i));
    }
    Exec(*c, "INSERT INTO cdc12.items VALUES (201, 'mark', 1, 1)");
    sums.ReadUntil("mark", "2");
    // Two checkpoints more than now: the later one began after these
    // changes were read, so the resume starts from a binlog position (a
    // checkpoint of the snapshot would be refused).
    const int64_t now = CheckpointId(*first);
    while (CheckpointId(*first) < now + 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }  // the session stops its query
  Exec(*c, "UPDATE cdc12.items SET qty = qty * 2 WHERE id % 3 = 0");
  Exec(*c, "DELETE FROM cdc12.items WHERE id IN (5, 6, 7)");
  Exec(*c, "INSERT INTO cdc12.items VALUES (202, 'mark', 1, 1)");
  {
    auto second = sums.Start();
    sums.ReadUntil("mark", "3");
    BOOST_TEST(QueryCheckpoint(*second).find("resumed from") !=
                   std::string::npos,
               QueryCheckpoint(*second));
  }
  BOOST_TEST((sums.groups() == sums.Expected(*c)));
}

BOOST_AUTO_TEST_CASE(zero_dates_are_null_or_an_error_by_option) {
  auto c = Connect();
  Exec(*c, "DROP DATABASE IF EXISTS cdc13");
  Exec(*c, "CREATE DATABASE cdc13");
  Exec(*c, "CREATE TABLE cdc13.d (id INT PRIMARY KEY, day DATE NOT NULL)");
  Exec(*c, "SET SESSION sql_mode = ''");
  Exec(*c, "INSERT INTO cdc13.d VALUES (1, '0000-00-00'), (2, '2026-12-05')");
  {
    OpenedSource o = Open("cdc13", "d");  // default: NULL
    Fold fold;
    fold.key = o.key;
    BOOST_REQUIRE(
        Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 2; })
            .ok());
    BOOST_TEST(fold.rows["1|"][1] == "NULL");
    BOOST_TEST(fold.rows["2|"][1] == "2026-12-05");
  }
  auto error_of = [&](const std::string& mode) {
    OpenedSource o = Open("cdc13", "d",
                          ", 'zero-date' = 'error', 'scan.startup.mode' = '" +
                              mode + "'");
    Fold fold;
    fold.key = o.key;
    if (mode == "latest-offset") {
      BOOST_REQUIRE(Drain(*o.source, o.schema, fold, [&] {
                      auto p = o.source->checkpoint_position();
                      return p && p->at(0) > 0;
                    }).ok());
      Exec(*c, "INSERT INTO cdc13.d VALUES (3, '2026-00-01')");
    }
    absl::Status st = Drain(*o.source, o.schema, fold, [] { return false; });
    return std::string(st.message());
  };
  const std::string snapshot = error_of("initial");
  BOOST_TEST(snapshot.find("snapshot of MySQL table 'cdc13.d'") !=
                 std::string::npos,
             snapshot);
  BOOST_TEST(snapshot.find("'zero-date' = 'error'") != std::string::npos,
             snapshot);
  const std::string binlog = error_of("latest-offset");
  BOOST_TEST(binlog.find("'zero-date' = 'error'") != std::string::npos,
             binlog);
  BOOST_TEST(binlog.find("day") != std::string::npos, binlog);
}

// Last: it restarts the server. The source reconnects once it is back
// (binlog rotated to a new file by the restart) and loses nothing.
BOOST_AUTO_TEST_CASE(survives_a_server_restart) {
  const char* dir = std::getenv("WEIR_TEST_MYSQL_DIR");
  const char* script = std::getenv("WEIR_MARIADB_SCRIPT");
  if (dir == nullptr || script == nullptr) {
    BOOST_TEST_MESSAGE("no WEIR_TEST_MYSQL_DIR: not restarting the server");
    return;
  }
  auto c = Connect();
  CreateItems(*c, "cdc11", 5);
  OpenedSource o = Open("cdc11", "items");
  Fold fold;
  fold.key = o.key;
  BOOST_REQUIRE(
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 5; })
          .ok());
  Exec(*c, "UPDATE cdc11.items SET qty = 0 WHERE id = 1");
  c.reset();
  const std::string restart = std::string("bash ") + script + " start " +
                              dir + " " + std::to_string(Port()) +
                              " >/dev/null";
  BOOST_REQUIRE_EQUAL(std::system(restart.c_str()), 0);
  c = Connect();
  Exec(*c, "INSERT INTO cdc11.items VALUES (6, 'after', 1, 1)");
  Exec(*c, "DELETE FROM cdc11.items WHERE id = 2");
  InsertSentinel(*c, "cdc11");
  absl::Status st = DrainToSentinel(*o.source, o.schema, fold);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  BOOST_TEST((fold.rows == TableRows(*c, "SELECT * FROM cdc11.items", o.key)));
}

BOOST_AUTO_TEST_CASE(recognizes_ddl_on_its_table) {
  auto on = [](const std::string& stmt, const std::string& db = "shop") {
    return mysql::IsDdlOn(stmt, db, "shop", "orders");
  };
  BOOST_TEST(on("ALTER TABLE orders ADD COLUMN x INT"));
  BOOST_TEST(on("alter table `shop`.`orders` drop column x", "other"));
  BOOST_TEST(on("/* comment */ TRUNCATE orders"));
  BOOST_TEST(on("TRUNCATE TABLE shop.orders", ""));
  BOOST_TEST(on("RENAME TABLE a TO b, orders TO orders_old"));
  BOOST_TEST(on("DROP TABLE IF EXISTS `orders`"));
  BOOST_TEST(on("DROP DATABASE shop", ""));
  BOOST_TEST(on("CREATE OR REPLACE TABLE orders (id INT)"));
  BOOST_TEST(!on("ALTER TABLE orders_old ADD COLUMN x INT"));
  BOOST_TEST(!on("ALTER TABLE other.orders ADD COLUMN x INT"));
  BOOST_TEST(!on("ALTER TABLE orders ADD COLUMN x INT", "other"));
  BOOST_TEST(!on("CREATE TABLE orders2 LIKE orders"));
  BOOST_TEST(!on("INSERT INTO orders VALUES (1)"));
  BOOST_TEST(!on("ALTER TABLE t COMMENT 'orders'"));
}

// FLUSH BINARY LOGS ends a file with a rotate naming the next one, at
// offset 4; events after it are of the new file. (Connector/C 3.3 parses
// rotates after the first wrongly: the client reads them itself.)
BOOST_AUTO_TEST_CASE(binlog_client_follows_rotations) {
  auto c = Connect();
  mysql::BinlogClientOptions options;
  options.connection = Options("");
  options.server_id = mysql::GenerateServerId(options.connection, "");
  options.heartbeat_ms = 100;
  mysql::BinlogClient client(options, mysql::BinlogStart{});
  std::string first;
  std::vector<std::pair<std::string, uint64_t>> rotates;
  std::string heartbeat_file;
  PollUntil(client, [&](mysql::BinlogItem& item) {
    BOOST_REQUIRE_MESSAGE(item.kind != mysql::BinlogItem::Kind::kError,
                          item.error.message());
    if (item.kind == mysql::BinlogItem::Kind::kStarted) {
      first = item.file;
      Exec(*c, "FLUSH BINARY LOGS");
      Exec(*c, "FLUSH BINARY LOGS");
    }
    if (item.type == 4 && item.next_position != 0) {
      rotates.emplace_back(item.text, item.rotate_position);
    }
    if (item.type == 27 && rotates.size() == 2) heartbeat_file = item.text;
    return !heartbeat_file.empty();
  });
  const uint32_t seq = *mysql::BinlogFileSequence(first);
  BOOST_REQUIRE_EQUAL(rotates.size(), 2u);
  BOOST_TEST(rotates[0].first == mysql::BinlogFileWithSequence(first, seq + 1));
  BOOST_TEST(rotates[0].second == 4u);
  BOOST_TEST(rotates[1].first == mysql::BinlogFileWithSequence(first, seq + 2));
  BOOST_TEST(heartbeat_file == rotates[1].first);
}


// A slow snapshot (one row per chunk) shows in SHOW QUERIES' progress
// column as "snapshot N of ~M rows, R rows/s" while it runs, and no more
// once the binlog is read.
BOOST_AUTO_TEST_CASE(show_queries_shows_the_snapshot_progress) {
  constexpr int kRows = 20000;
  namespace kafka = weir::connectors::kafka;
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  BOOST_REQUIRE((*broker)->CreateTopic("cdcprogress", 1).ok());
  auto c = Connect();
  CreateItems(*c, "cdc14", kRows);
  Exec(*c, "ANALYZE TABLE cdc14.items");
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  weir::Session& s = **session;
  BOOST_REQUIRE_EQUAL(
      Run(s, "SET 'bootstrap.servers' = '" + (*broker)->bootstrap_servers() +
                 "';\n" +
                 CdcTable("items", "cdc14", "items",
                          ", 'scan.snapshot.chunk-size' = '1'") +
                 "CREATE SINK sums WITH (connector = 'kafka', topic = "
                 "'cdcprogress') AS SELECT name, SUM(qty) AS total FROM "
                 "items GROUP BY name;"),
      "");
  const std::regex shown(R"(snapshot (\d+) of ~(\d+) rows, (\d+) rows/s)");
  bool seen = false;
  std::string progress;
  while (true) {
    progress = ShownColumn(s, "progress");
    std::smatch m;
    if (std::regex_match(progress, m, shown)) {
      seen = true;
      BOOST_TEST(std::stoll(m[1]) <= kRows);
      BOOST_TEST(std::stoll(m[1]) <= std::stoll(m[2]));
    } else if (ShownColumn(s, "rows read") == std::to_string(kRows)) {
      break;
    } else if (progress != "snapshot starting") {
      BOOST_TEST_REQUIRE(progress.empty(), progress);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  BOOST_TEST(seen);
  // Read whole: the binlog is read, the progress is gone.
  while (!ShownColumn(s, "progress").empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The shell (weir -e) shows a push query's snapshot progress on stderr
// while the query waits for its first row: the test holds the table with
// LOCK TABLES ... WRITE, so the snapshot's first SELECT waits (MariaDB
// shows it waiting for the table's metadata lock), keeps it so for 3 s
// (the shell polls every 100 ms), then lets go. Not a terminal: whole
// lines (tests/unit/cli_test.cc checks the terminal's overwriting).
BOOST_AUTO_TEST_CASE(the_shell_shows_the_snapshot_progress_until_the_first_row) {
  auto c = Connect();
  CreateItems(*c, "cdc17", 50);
  auto lock = Connect();
  Exec(*lock, "LOCK TABLES cdc17.items WRITE");
  weir::testing::WeirRun run;
  std::thread weir([&] {
    run = weir::testing::RunWeir(
        {"-e", CdcTable("items", "cdc17", "items") +
                   " SELECT id FROM items EMIT CHANGES LIMIT 50;"});
  });
  auto waiting = [&] {
    return !Exec(*c,
                 "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE "
                 "LIKE 'Waiting for table metadata lock' AND INFO LIKE "
                 "'SELECT %cdc17%'")
                .empty();
  };
  while (!waiting()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  Exec(*lock, "UNLOCK TABLES");
  weir.join();
  BOOST_TEST(run.exit_code == 0, run.err);
  // SHOW QUERIES' text ("snapshot starting" until the server's estimate
  // of the rows is in).
  const std::regex line(
      R"((^|\n)snapshot (starting|\d+ of ~\d+ rows, \d+ rows/s)\n)");
  BOOST_TEST(std::regex_search(run.err, line), run.err);
  BOOST_TEST(run.out.find("+I | 50\n") != std::string::npos, run.out);
}

// ADD COLUMN and DROP COLUMN of columns the query does not read are
// followed: the CDC table declares (id, qty) of (id, name, qty, price);
// rows before, between and after an ADD COLUMN ... FIRST (every ordinal
// moves) and a DROP COLUMN fold to MariaDB's SELECT id, qty. A MODIFY of a
// declared column still stops the query.
BOOST_AUTO_TEST_CASE(add_and_drop_of_undeclared_columns_are_followed) {
  auto c = Connect();
  CreateItems(*c, "cdc15", 5);
  OpenedSource o = Open("cdc15", "items", "",
                        " (id INT PRIMARY KEY, qty INT)");
  Fold fold;
  fold.key = o.key;
  BOOST_REQUIRE(
      Drain(*o.source, o.schema, fold, [&] { return fold.rows.size() == 5; })
          .ok());
  Exec(*c, "INSERT INTO cdc15.items VALUES (10, 'a', 1, 1)");
  Exec(*c, "ALTER TABLE cdc15.items ADD COLUMN extra INT FIRST, "
           "ALGORITHM = COPY");
  Exec(*c, "INSERT INTO cdc15.items (extra, id, name, qty, price) VALUES "
           "(-7, 11, 'b', 2, 2)");
  Exec(*c, "UPDATE cdc15.items SET qty = 99, extra = 3 WHERE id = 1");
  Exec(*c, "ALTER TABLE cdc15.items DROP COLUMN name");
  Exec(*c, "INSERT INTO cdc15.items (extra, id, qty, price) VALUES "
           "(8, 12, 3, 3)");
  Exec(*c, "DELETE FROM cdc15.items WHERE id = 2");
  Exec(*c, "UPDATE cdc15.items SET qty = qty + 1 WHERE id IN (3, 10)");
  Exec(*c, "INSERT INTO cdc15.items (id, qty) VALUES (" +
               std::to_string(kSentinel) + ", 0)");
  absl::Status st = DrainToSentinel(*o.source, o.schema, fold);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fold.problems.size() == 0u);
  BOOST_TEST(fold.rows ==
             TableRows(*c, "SELECT id, qty FROM cdc15.items", fold.key));
  // A declared column changes: the query stops, naming the statement.
  Exec(*c, "ALTER TABLE cdc15.items MODIFY qty BIGINT");
  Exec(*c, "INSERT INTO cdc15.items (id, qty) VALUES (13, 1)");
  st = Drain(*o.source, o.schema, fold, [] { return false; });
  const std::string m(st.message());
  BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(m.find("was changed by `ALTER TABLE cdc15.items MODIFY qty "
                    "BIGINT`") != std::string::npos,
             m);
  BOOST_TEST(fold.rows.count("13|") == 0u);
}

BOOST_AUTO_TEST_CASE(parses_the_column_changes_of_an_alter) {
  auto changes = [](std::string_view sql) {
    std::optional<mysql::ColumnChanges> c = mysql::ParseColumnAlter(sql);
    if (!c) return std::string("none");
    std::string out;
    for (const mysql::ColumnChange& ch : *c) {
      out += (ch.add ? "+" : "-") + ch.name;
      if (ch.first) out += " first";
      if (!ch.after.empty()) out += " after " + ch.after;
      out += ", ";
    }
    return out;
  };
  BOOST_TEST(changes("ALTER TABLE t ADD COLUMN x INT") == "+x, ");
  BOOST_TEST(changes("alter table db.t add `Y z` decimal(10,2) default "
                     "'a,b' after q, drop column if exists w") ==
             "+y z after q, -w, ");
  BOOST_TEST(changes("ALTER ONLINE TABLE t ADD COLUMN IF NOT EXISTS x "
                     "INT FIRST, ALGORITHM=INPLACE, LOCK=NONE") ==
             "+x first, ");
  BOOST_TEST(changes("ALTER TABLE t DROP x") == "-x, ");
  BOOST_TEST(changes("ALTER TABLE t MODIFY x BIGINT") == "none");
  BOOST_TEST(changes("ALTER TABLE t CHANGE x y INT") == "none");
  BOOST_TEST(changes("ALTER TABLE t ADD COLUMN (a INT, b INT)") == "none");
  BOOST_TEST(changes("ALTER TABLE t ADD INDEX i (x)") == "none");
  BOOST_TEST(changes("ALTER TABLE t DROP PRIMARY KEY") == "none");
  BOOST_TEST(changes("ALTER TABLE t ADD x INT, RENAME TO u") == "none");
  BOOST_TEST(changes("RENAME TABLE t TO u") == "none");
  BOOST_TEST(changes("TRUNCATE t") == "none");
}

// The binlog a resumed source needs was purged: with 'on-binlog-gap' =
// 'fail' (the default) the query stops with an error that says so and
// what to do; 'resnapshot' without a state store (no checkpoints keep the
// rows the changelog holds) stops saying why it cannot re-snapshot.
// (mysql_cdc_resume_test.cc re-snapshots with one.)
BOOST_AUTO_TEST_CASE(a_purged_binlog_fails_the_query_by_default) {
  auto c = Connect();
  CreateItems(*c, "cdc16", 2);
  // A position in a file that is then purged.
  const std::string old_file = *Exec(*c, "SHOW MASTER STATUS").front()[0];
  PurgeBinlogsThrough(*c, old_file);
  const std::optional<uint32_t> seq = mysql::BinlogFileSequence(old_file);
  BOOST_REQUIRE(seq.has_value());
  for (const std::string gap : {"", "fail", "resnapshot"}) {
    OpenedSource o = Open(
        "cdc16", "items",
        gap.empty() ? "" : ", 'on-binlog-gap' = '" + gap + "'");
    BOOST_REQUIRE(o.source
                      ->StartAt({{0, (static_cast<int64_t>(*seq) << 32) | 4}})
                      .ok());
    Fold fold;
    fold.key = o.key;
    absl::Status st = Drain(*o.source, o.schema, fold, [] { return false; });
    const std::string m(st.message());
    BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
    BOOST_TEST(m.find("purged") != std::string::npos, m);
    BOOST_TEST(m.find("scan.startup.mode = 'initial'") != std::string::npos, m);
    if (gap == "resnapshot") {
      BOOST_TEST(m.find("cannot re-snapshot") != std::string::npos, m);
      BOOST_TEST(m.find("keeps none") != std::string::npos, m);
    }
    BOOST_TEST(fold.changes == 0u);
  }

  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  BOOST_TEST(Run(**session, CdcTable("bad", "cdc16", "items",
                                     ", 'on-binlog-gap' = 'sometimes'")) !=
             "");
}
