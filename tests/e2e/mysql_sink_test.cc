// The mysql sink against a real MariaDB (the mariadb_start CTest fixture
// on WEIR_TEST_MYSQL_PORT): queries write MySQL tables, and each table is
// compared with what MariaDB itself computes over the same rows (an
// append-only copy of the input, written by another sink and checked
// against a separate run), never with numbers copied from Weir's output.
#define BOOST_TEST_MODULE mysql_sink_test
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/mysql_sink.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/e2e/mysql_test_util.h"
#include "tests/unit/run_weir.h"

namespace mysql = weir::connectors::mysql;

namespace {

using weir::mysql_test::Options;
using weir::mysql_test::Port;

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

void FreshDatabase(mysql::Connection& c, const std::string& db) {
  Exec(c, "DROP DATABASE IF EXISTS " + db);
  Exec(c, "CREATE DATABASE " + db);
}

/// The rows of `sql`, each as its cells joined with '|', in a multiset
/// (row -> how many times).
std::map<std::string, int> Rows(mysql::Connection& c, const std::string& sql) {
  std::map<std::string, int> out;
  for (const mysql::Row& r : Exec(c, sql)) {
    std::string row;
    for (const auto& cell : r) row += cell.value_or("NULL") + "|";
    ++out[row];
  }
  return out;
}

int64_t Count(mysql::Connection& c, const std::string& table) {
  return std::stoll(*Exec(c, "SELECT COUNT(*) FROM " + table)[0][0]);
}

std::unique_ptr<weir::Session> NewSession() {
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  return *std::move(session);
}

/// Runs `sql`; "" or the error's message.
std::string Run(weir::Session& s, const std::string& sql) {
  absl::Status st = s.ExecuteScript(sql, [](const weir::StatementResult&) {});
  return st.ok() ? "" : std::string(st.message());
}

/// Waits for the session's queries to end; they must not fail.
void Wait(weir::Session& s) {
  absl::Status st = s.WaitForQueries([] { return false; });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
}

/// WITH (...) of a mysql sink writing `db`.`table`.
std::string SinkWith(const std::string& db, const std::string& table) {
  return " WITH (connector = 'mysql', host = '127.0.0.1', port = " +
         std::to_string(Port()) +
         ", user = 'weir', password = 'weir', database = '" + db +
         "', table = '" + table + "') ";
}

/// A bounded nexmark bid stream: `events` events (46 of 50 are bids) at
/// `rate` events per second of event time (the source paces itself).
std::string Bids(int events, int rate) {
  return "CREATE STREAM bids (auction BIGINT NOT NULL, bidder BIGINT NOT "
         "NULL, price BIGINT NOT NULL, channel VARCHAR, date_time "
         "TIMESTAMP(3) NOT NULL, WATERMARK FOR date_time AS date_time - "
         "INTERVAL '0.5' SECOND) WITH (connector = 'nexmark', table = 'bid', "
         "max-events = " +
         std::to_string(events) +
         ", events-per-second = " + std::to_string(rate) + ");\n";
}

/// The append-only copy of the bids, the input MariaDB recomputes from.
std::string RawSink(const std::string& db) {
  return "CREATE SINK raw_bids" + SinkWith(db, "raw_bids") +
         "AS SELECT auction, bidder, price, channel, date_time FROM bids;\n";
}

/// An updating aggregate, keyed by auction.
std::string AggregateSink(const std::string& db) {
  return "CREATE SINK per_auction" + SinkWith(db, "per_auction") +
         "AS SELECT auction, COUNT(*) AS n, SUM(price) AS total, MAX(price) "
         "AS top, MIN(channel) AS first_channel FROM bids GROUP BY auction;\n";
}

/// MariaDB's own GROUP BY over the raw copy, and the sink's table.
void CheckAggregate(mysql::Connection& c, const std::string& db) {
  const auto expected = Rows(
      c, "SELECT auction, COUNT(*), SUM(price), MAX(price), MIN(channel) FROM " +
             db + ".raw_bids GROUP BY auction");
  const auto got = Rows(
      c, "SELECT auction, n, total, top, first_channel FROM " + db +
             ".per_auction");
  BOOST_TEST(expected.size() > 10u);
  BOOST_TEST((got == expected));
}

/// The bids of Bids(events, rate), written once by a run of their own:
/// the reference a crashed or disturbed run must equal.
std::map<std::string, int> ReferenceBids(mysql::Connection& c, int events,
                                         int rate) {
  FreshDatabase(c, "sink_ref");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(
      Run(*s, "SET 'checkpoint.interval' = '200ms';\n" + Bids(events, rate) +
                  RawSink("sink_ref")),
      "");
  Wait(*s);
  BOOST_REQUIRE_EQUAL(Count(c, "sink_ref.raw_bids"), events / 50 * 46);
  return Rows(c, "SELECT auction, bidder, price, channel, date_time FROM "
                 "sink_ref.raw_bids");
}

}  // namespace

// nexmark -> GROUP BY -> MySQL table (upserts and per-key compaction), and
// the same bids appended to a keyless table created by the sink; the
// aggregate table equals MariaDB's GROUP BY over the appended bids, which
// hold every bid exactly once.
BOOST_AUTO_TEST_CASE(an_updating_aggregate_equals_mariadbs_own) {
  auto c = Connect();
  FreshDatabase(*c, "sink1");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(Run(*s, "SET 'checkpoint.interval' = '200ms';\n" +
                                  Bids(20000, 20000) + RawSink("sink1") +
                                  AggregateSink("sink1")),
                      "");
  Wait(*s);
  BOOST_TEST(Count(*c, "sink1.raw_bids") == 18400);
  CheckAggregate(*c, "sink1");
  // The created tables: utf8mb4, the aggregate keyed by its GROUP BY key,
  // the copy without a key; the progress row says the last checkpoint.
  const auto ddl = Exec(*c, "SHOW CREATE TABLE sink1.per_auction");
  BOOST_TEST(ddl[0][1]->find("PRIMARY KEY (`auction`)") != std::string::npos,
             *ddl[0][1]);
  BOOST_TEST(ddl[0][1]->find("utf8mb4") != std::string::npos, *ddl[0][1]);
  const auto raw = Exec(*c, "SHOW CREATE TABLE sink1.raw_bids");
  BOOST_TEST(raw[0][1]->find("PRIMARY KEY") == std::string::npos, *raw[0][1]);
  const auto progress = Exec(
      *c, "SELECT sink, checkpoint_id FROM sink1.weir_sink_progress ORDER BY "
          "sink");
  BOOST_REQUIRE_EQUAL(progress.size(), 2u);
  BOOST_TEST(*progress[0][0] == "per_auction");
  BOOST_TEST(std::stoll(*progress[0][1]) > 0);
}

// CREATE SINK ... FROM a materialized view: the sink reads the view's
// changelog (its rows, then its changes) and upserts by the view's key;
// the table equals MariaDB's GROUP BY over the appended copy of the bids.
BOOST_AUTO_TEST_CASE(a_sink_from_a_view_equals_mariadbs_own) {
  auto c = Connect();
  FreshDatabase(*c, "sink_view");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(
      Run(*s,
          "SET 'checkpoint.interval' = '200ms';\n" + Bids(20000, 20000) +
              RawSink("sink_view") +
              "CREATE MATERIALIZED VIEW per_auction_v AS SELECT auction, "
              "COUNT(*) AS n, SUM(price) AS total, MAX(price) AS top, "
              "MIN(channel) AS first_channel FROM bids GROUP BY auction;\n"
              "CREATE SINK per_auction FROM per_auction_v" +
              SinkWith("sink_view", "per_auction") + ";\n"),
      "");
  Wait(*s);
  BOOST_TEST(Count(*c, "sink_view.raw_bids") == 18400);
  CheckAggregate(*c, "sink_view");
  const auto ddl = Exec(*c, "SHOW CREATE TABLE sink_view.per_auction");
  BOOST_TEST(ddl[0][1]->find("PRIMARY KEY (`auction`)") != std::string::npos,
             *ddl[0][1]);
}

// The shorthand on the view: WITH (sink = 'mysql', ...) writes the view
// as CREATE SINK <view>_sink FROM the view would; DROP of the view drops
// that sink too. Wrong sink options create nothing.
BOOST_AUTO_TEST_CASE(a_view_with_sink_mysql_writes_the_view) {
  auto c = Connect();
  FreshDatabase(*c, "sink_short");
  auto s = NewSession();
  std::string with = SinkWith("sink_short", "per_auction");
  with.replace(with.find("connector"), std::string("connector").size(), "sink");
  const std::string view =
      "CREATE MATERIALIZED VIEW per_auction_v" + with +
      "AS SELECT auction, COUNT(*) AS n, SUM(price) AS total, MAX(price) AS "
      "top, MIN(channel) AS first_channel FROM bids GROUP BY auction;\n";
  BOOST_REQUIRE_EQUAL(
      Run(*s, "SET 'checkpoint.interval' = '200ms';\n" + Bids(20000, 20000) +
                  RawSink("sink_short") + view),
      "");
  Wait(*s);
  CheckAggregate(*c, "sink_short");
  auto shown = [&](const std::string& sql) {
    std::string names;
    BOOST_REQUIRE(s->ExecuteScript(sql, [&](const weir::StatementResult& r) {
                     for (const auto& row : r.rows) names += row[0] + ";";
                   }).ok());
    return names;
  };
  BOOST_TEST(
      shown("SHOW SINKS;").find("per_auction_v_sink;") != std::string::npos,
      shown("SHOW SINKS;"));
  BOOST_REQUIRE_EQUAL(Run(*s, "DROP MATERIALIZED VIEW per_auction_v;"), "");
  BOOST_TEST(
      shown("SHOW SINKS;").find("per_auction_v_sink") == std::string::npos,
      shown("SHOW SINKS;"));
  // An option the mysql sink does not know: refused naming it; no view.
  std::string bad = view;
  bad.replace(bad.find("host ="), 0, "hots = 'x', ");
  const std::string error = Run(*s, bad);
  BOOST_TEST(error.find("hots") != std::string::npos, error);
  BOOST_TEST(shown("SHOW VIEWS;").find("per_auction_v") == std::string::npos);
  // Options without sink = ...: refused.
  const std::string plain =
      Run(*s,
          "CREATE MATERIALIZED VIEW w WITH (table = 't') AS SELECT auction, "
          "COUNT(*) AS n FROM bids GROUP BY auction;");
  BOOST_TEST(plain.find("sink = '<connector>'") != std::string::npos, plain);
}

// EMIT ON WINDOW CLOSE into a table the user created without a key: plain
// inserts, each window once, equal to MariaDB's windows over the copy.
BOOST_AUTO_TEST_CASE(window_close_output_appends_to_a_keyless_table) {
  auto c = Connect();
  FreshDatabase(*c, "sink2");
  Exec(*c,
       "CREATE TABLE sink2.per_window (window_start DATETIME(6), window_end "
       "DATETIME(6), n BIGINT, total DECIMAL(38,0)) CHARSET utf8mb4");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(
      Run(*s, "SET 'checkpoint.interval' = '200ms';\n" + Bids(20000, 20000) +
                  RawSink("sink2") + "CREATE SINK per_window" +
                  SinkWith("sink2", "per_window") +
                  "AS SELECT window_start, window_end, COUNT(*) AS n, "
                  "SUM(price) AS total FROM TUMBLE(TABLE bids, "
                  "DESCRIPTOR(date_time), INTERVAL '0.1' SECOND) GROUP BY "
                  "window_start, window_end EMIT ON WINDOW CLOSE;\n"),
      "");
  Wait(*s);
  auto at = [&](const std::string& col) {
    return "FLOOR(TIMESTAMPDIFF(MICROSECOND, '2026-01-01', " + col +
           ") / 100000)";
  };
  const auto expected =
      Rows(*c, "SELECT " + at("date_time") +
                   ", COUNT(*), SUM(price) FROM sink2.raw_bids GROUP BY 1");
  const auto got =
      Rows(*c, "SELECT " + at("window_start") +
                   ", n, total FROM sink2.per_window");
  BOOST_TEST(expected.size() >= 9u);
  BOOST_TEST((got == expected));
}

// Quotes, backslashes, NUL bytes, 4-byte UTF-8 and SQL fragments arrive
// byte for byte, in plain columns and in the key (where deletes and
// upserts name them).
BOOST_AUTO_TEST_CASE(hostile_values_arrive_byte_identical) {
  auto c = Connect();
  FreshDatabase(*c, "sink3");
  // Each value as Weir's SQL spells it, and its bytes.
  const std::vector<std::pair<std::string, std::string>> values = {
      {"it''s", "it's"},
      {"back\\\\slash\\\\", "back\\slash\\"},
      {"nul\\0byte", std::string("nul\0byte", 8)},
      {"emoji 😀 𝄞", "emoji 😀 𝄞"},
      {"''); DROP TABLE x; --", "'); DROP TABLE x; --"},
      {"\\\"dq\\\" `bt` \\Z", "\"dq\" `bt` \x1a"},
      {"", ""},
  };
  std::string rows;  // SELECT 0 AS id, '...' AS s UNION ALL SELECT 1, ...
  for (size_t i = 0; i < values.size(); ++i) {
    rows += (i ? " UNION ALL SELECT " : "SELECT ") + std::to_string(i) +
            (i ? ", '" : " AS id, '") + values[i].first + (i ? "'" : "' AS s");
  }
  Exec(*c, "CREATE TABLE sink3.x (id INT)");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(
      Run(*s, "SET 'checkpoint.interval' = '200ms';\nCREATE SINK plain" +
                  SinkWith("sink3", "plain") + "AS " + rows +
                  ";\nCREATE SINK keyed" + SinkWith("sink3", "keyed") +
                  "AS SELECT s, COUNT(*) AS n FROM (" + rows +
                  ") AS t GROUP BY s;\n"),
      "");
  Wait(*s);
  auto hex = [](const std::string& bytes) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : bytes) {
      out += digits[ch >> 4];
      out += digits[ch & 15];
    }
    return out;
  };
  std::map<std::string, int> expected_plain, expected_keyed;
  for (size_t i = 0; i < values.size(); ++i) {
    ++expected_plain[std::to_string(i) + "|" + hex(values[i].second) + "|"];
    ++expected_keyed[hex(values[i].second) + "|1|"];
  }
  BOOST_TEST((Rows(*c, "SELECT id, HEX(s) FROM sink3.plain") ==
              expected_plain));
  BOOST_TEST((Rows(*c, "SELECT HEX(s), n FROM sink3.keyed") ==
              expected_keyed));
  BOOST_TEST(Count(*c, "sink3.x") == 0);  // still there
}

// Inserts, updates and deletes through the sink's own interface (as the
// runtime calls it), over every kind of bound parameter (integers,
// booleans, doubles, DECIMAL and TIMESTAMP text, text and binary bytes,
// NULLs) and a two-column key with hostile text: the table holds, byte for
// byte, the last state of each key, which the test spells out by hand.
BOOST_AUTO_TEST_CASE(deletes_and_updates_of_every_type_reach_the_table) {
  auto c = Connect();
  FreshDatabase(*c, "sink7");
  using weir::types::ChangeKind;
  using weir::types::LogicalType;
  auto schema = std::make_shared<const weir::types::Schema>(
      std::vector<weir::types::Field>{
          {"k1", LogicalType::Bigint(), false},
          {"k2", LogicalType::Varchar(), false},
          {"b", LogicalType::Bytes(), true},
          {"d", LogicalType::Double(), true},
          {"amount", LogicalType::DecimalOrDie(10, 2), true},
          {"at", LogicalType::TimestampOrDie(3), true},
          {"flag", LogicalType::Boolean(), true}});
  weir::catalog::Entry entry;
  entry.name = "typed";
  entry.kind = weir::catalog::EntryKind::kSink;
  entry.schema = *schema;
  entry.key = {0, 1};
  entry.connector = "mysql";
  entry.options = {{"host", "127.0.0.1"}, {"port", std::to_string(Port())},
                   {"user", "weir"},      {"password", "weir"},
                   {"database", "sink7"}, {"table", "typed"}};
  auto config = mysql::PrepareMySqlSink(entry);
  BOOST_REQUIRE_MESSAGE(config.ok(), config.status().message());
  std::shared_ptr<weir::exec::SinkCommitter> committer;
  auto sink = mysql::OpenMySqlSink(
      std::make_shared<const mysql::MySqlSinkConfig>(*config), schema,
      &committer);
  BOOST_REQUIRE(sink.ok());
  struct Change {
    ChangeKind kind;
    int64_t k1;
    std::string k2;
    bool nulls;  // every non-key column NULL
    std::string b;
    double d;
    int64_t cents;
    int64_t micros;
    bool flag;
  };
  const int64_t t0 = 1767225600123000;  // 2026-01-01 00:00:00.123
  auto write = [&](const std::vector<Change>& changes, uint64_t id) {
    weir::types::Batch batch(schema);
    std::vector<ChangeKind> kinds;
    for (const Change& ch : changes) {
      batch.column(0).AppendInt(ch.k1);
      batch.column(1).AppendString(ch.k2);
      if (ch.nulls) {
        for (size_t i = 2; i < 7; ++i) batch.column(i).AppendNull();
      } else {
        batch.column(2).AppendString(ch.b);
        batch.column(3).AppendDouble(ch.d);
        batch.column(4).AppendDecimal(ch.cents);
        batch.column(5).AppendInt(ch.micros);
        batch.column(6).AppendInt(ch.flag ? 1 : 0);
      }
      kinds.push_back(ch.kind);
    }
    batch.SetNumRows(kinds.size());
    batch.SetChanges(std::move(kinds));
    absl::Status st = (*sink)->Write(batch);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_REQUIRE((*sink)->PrepareCheckpoint(id, std::chrono::seconds(1)).ok());
    st = committer->CommitCheckpoint(id);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    committer->CheckpointDone(id);
  };
  const std::string quote = "it's";
  const std::string slash = "back\\slash";
  const std::string nul("nul\0", 4);
  write({{ChangeKind::kInsert, 1, quote, false, std::string("\xff\0", 2), 0.5,
          1250, t0, true},
         {ChangeKind::kInsert, 2, slash, false, "'", -1e300, -1, t0, false},
         {ChangeKind::kInsert, 3, nul, false, "", 2.0, 0, t0, true}},
        1);
  write({{ChangeKind::kUpdateBefore, 1, quote, false, "", 0, 0, 0, false},
         {ChangeKind::kUpdateAfter, 1, quote, false, "\\", 0.25, 750,
          t0 + 1000, false},
         {ChangeKind::kDelete, 2, slash, false, "", 0, 0, 0, false},
         {ChangeKind::kInsert, 4, "\xF0\x9F\x98\x80", true, "", 0, 0, 0,
          false},
         {ChangeKind::kDelete, 3, nul, false, "", 0, 0, 0, false},
         {ChangeKind::kInsert, 3, nul, false, "x", 3.0, 100, t0, true},
         {ChangeKind::kDelete, 5, "never written", false, "", 0, 0, 0,
          false}},
        2);
  const std::map<std::string, int> expected = {
      {"1|69742773|5C|0.25|7.50|2026-01-01 00:00:00.124|0|", 1},
      {"3|6E756C00|78|3|1.00|2026-01-01 00:00:00.123|1|", 1},
      {"4|F09F9880|NULL|NULL|NULL|NULL|NULL|", 1}};
  BOOST_TEST((Rows(*c, "SELECT k1, HEX(k2), HEX(b), d, amount, at, flag FROM "
                       "sink7.typed") == expected));
  const auto progress = Exec(*c,
                             "SELECT checkpoint_id FROM "
                             "sink7.weir_sink_progress WHERE sink = 'typed'");
  BOOST_REQUIRE_EQUAL(progress.size(), 1u);
  BOOST_TEST(*progress[0][0] == "2");
}

// An existing table that does not fit is refused when the sink is
// created, naming the column.
BOOST_AUTO_TEST_CASE(an_existing_table_that_does_not_fit_is_refused) {
  auto c = Connect();
  FreshDatabase(*c, "sink4");
  Exec(*c, "CREATE TABLE sink4.narrow (auction BIGINT PRIMARY KEY, n INT)");
  Exec(*c,
       "CREATE TABLE sink4.rekeyed (auction BIGINT, n BIGINT PRIMARY KEY)");
  Exec(*c, "CREATE TABLE sink4.missing (auction BIGINT PRIMARY KEY)");
  Exec(*c,
       "CREATE TABLE sink4.fits (auction BIGINT PRIMARY KEY, n BIGINT, "
       "extra INT DEFAULT 7)");
  auto sink = [&](const std::string& table) {
    auto s = NewSession();
    const std::string error =
        Run(*s, Bids(500, 100000) + "CREATE SINK s" +
                    SinkWith("sink4", table) +
                    "AS SELECT auction, COUNT(*) AS n FROM bids GROUP BY "
                    "auction;\n");
    if (error.empty()) Wait(*s);
    return error;
  };
  const std::string narrow = sink("narrow");
  BOOST_TEST(narrow.find("column 'n'") != std::string::npos, narrow);
  BOOST_TEST(narrow.find("int") != std::string::npos, narrow);
  const std::string rekeyed = sink("rekeyed");
  BOOST_TEST(rekeyed.find("column 'n'") != std::string::npos, rekeyed);
  BOOST_TEST(rekeyed.find("PRIMARY KEY") != std::string::npos, rekeyed);
  const std::string missing = sink("missing");
  BOOST_TEST(missing.find("no column 'n'") != std::string::npos, missing);
  BOOST_TEST(sink("fits") == "");
  BOOST_TEST(Count(*c, "sink4.fits") > 0);
  BOOST_TEST(Exec(*c, "SELECT MIN(extra) FROM sink4.fits")[0][0].value_or("") ==
             "7");
}

// The weir binary crashes between the sinks' commit and the commit record,
// then before the sinks' commit, then runs to the end, all on one
// state.dir: the appended bids equal a clean run's, each once, and the
// aggregate equals MariaDB's over them.
BOOST_AUTO_TEST_CASE(crashes_and_replays_write_each_row_once) {
  constexpr int kEvents = 30000, kRate = 10000;
  auto c = Connect();
  const auto reference = ReferenceBids(*c, kEvents, kRate);
  FreshDatabase(*c, "sink5");
  const std::string dir = weir::testing::MakeTempDir();
  const std::string script = "SET 'state.dir' = '" + dir +
                             "';\nSET 'checkpoint.interval' = '200ms';\n" +
                             Bids(kEvents, kRate) + RawSink("sink5");
  const weir::testing::WeirRun first = weir::testing::RunWeir(
      {"-e", script}, "",
      {"WEIR_FAILPOINTS=checkpoint.during_sink_commit=crash@4"});
  BOOST_TEST(first.exit_code == 87, first.err);
  const int64_t after_first = Count(*c, "sink5.raw_bids");
  BOOST_TEST(after_first > 0);
  const weir::testing::WeirRun second = weir::testing::RunWeir(
      {"-e", script}, "",
      {"WEIR_FAILPOINTS=checkpoint.before_sink_commit=crash@3"});
  BOOST_TEST(second.exit_code == 87, second.err);
  // The first crash came after the sink's transaction for its checkpoint:
  // the progress row says so, and the second run resumed past it.
  BOOST_TEST(second.err.find("committed checkpoint 4 before its commit "
                             "record: rolling forward") != std::string::npos,
             second.err);
  const weir::testing::WeirRun third = weir::testing::RunWeir({"-e", script});
  BOOST_TEST(third.exit_code == 0, third.err);
  BOOST_TEST(Count(*c, "sink5.raw_bids") == kEvents / 50 * 46);
  BOOST_TEST((Rows(*c, "SELECT auction, bidder, price, channel, date_time "
                       "FROM sink5.raw_bids") == reference));
  // Run again: the query resumes at the end of its input and writes
  // nothing.
  const weir::testing::WeirRun again = weir::testing::RunWeir({"-e", script});
  BOOST_TEST(again.exit_code == 0, again.err);
  BOOST_TEST(Count(*c, "sink5.raw_bids") == kEvents / 50 * 46);
  std::filesystem::remove_all(dir);
}

// A permanent error (the table dropped under a running query) fails the
// query with a message naming the sink, the table, the server and MySQL's
// error; nothing is retried.
BOOST_AUTO_TEST_CASE(a_dropped_table_fails_the_query_naming_it) {
  auto c = Connect();
  FreshDatabase(*c, "sink7");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(Run(*s, "SET 'checkpoint.interval' = '100ms';\n" +
                                  Bids(1000000, 2000) + RawSink("sink7")),
                      "");
  while (Count(*c, "sink7.raw_bids") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Exec(*c, "DROP TABLE sink7.raw_bids");
  absl::Status st = s->WaitForQueries([] { return false; });
  BOOST_REQUIRE(!st.ok());
  const std::string message(st.message());
  BOOST_TEST(message.find("sink 'raw_bids' cannot write MySQL table "
                          "'sink7.raw_bids' at weir@127.0.0.1:" +
                          std::to_string(Port())) != std::string::npos,
             message);
  BOOST_TEST(message.find("doesn't exist (MySQL error 1146)") !=
                 std::string::npos,
             message);
}

// Last: it restarts the server while a query writes. The sink retries the
// checkpoint's transaction until MariaDB is back; nothing is lost or
// doubled.
BOOST_AUTO_TEST_CASE(the_table_converges_across_a_server_restart) {
  const char* dir = std::getenv("WEIR_TEST_MYSQL_DIR");
  const char* script = std::getenv("WEIR_MARIADB_SCRIPT");
  if (dir == nullptr || script == nullptr) {
    BOOST_TEST_MESSAGE("no WEIR_TEST_MYSQL_DIR: not restarting the server");
    return;
  }
  constexpr int kEvents = 30000, kRate = 10000;
  auto c = Connect();
  const auto reference = ReferenceBids(*c, kEvents, kRate);
  FreshDatabase(*c, "sink6");
  auto s = NewSession();
  BOOST_REQUIRE_EQUAL(Run(*s, "SET 'checkpoint.interval' = '200ms';\n" +
                                  Bids(kEvents, kRate) + RawSink("sink6") +
                                  AggregateSink("sink6")),
                      "");
  while (Count(*c, "sink6.raw_bids") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  c.reset();
  const std::string restart = std::string("bash ") + script + " start " +
                              dir + " " + std::to_string(Port()) +
                              " >/dev/null";
  BOOST_REQUIRE_EQUAL(std::system(restart.c_str()), 0);
  absl::Status st = s->WaitForQueries([] { return false; });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  c = Connect();
  BOOST_TEST(Count(*c, "sink6.raw_bids") == kEvents / 50 * 46);
  BOOST_TEST((Rows(*c, "SELECT auction, bidder, price, channel, date_time "
                       "FROM sink6.raw_bids") == reference));
  CheckAggregate(*c, "sink6");
}
