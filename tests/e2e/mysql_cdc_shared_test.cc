// The mysql-cdc tables of one query share one binlog connection
// (connectors/mysql/shared_binlog.h), against the test MariaDB: a UNION ALL
// of two tables under interleaved transactions (one touching both) folds
// into each table exactly, the server sees one `Binlog Dump` connection
// where two separately opened tables make two, and a persistent query
// over both resumes after a restart without losing or doubling a change
// of either table; a table joining behind the stream restarts it without
// repeating anything to the table already reading; a slow table stops the
// reader without a loss.
#define BOOST_TEST_MODULE mysql_cdc_shared_test
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/mysql/binlog_client.h"
#include "connectors/mysql/shared_binlog.h"
#include "tests/e2e/mysql_cdc_util.h"
#include "tests/unit/run_weir.h"

using namespace weir::cdc_test;  // NOLINT: the shared test helpers

namespace {

/// Tables `a` and `b` of `db`, each with rows 1..5 (id, name, qty; `b`
/// empty unless `rows_in_b`, `a` unless `rows_in_a`).
void CreateTwoTables(mysql::Connection& c, const std::string& db,
                     bool rows_in_b = true, bool rows_in_a = true) {
  Exec(c, "DROP DATABASE IF EXISTS " + db);
  Exec(c, "CREATE DATABASE " + db);
  for (const std::string t : {"a", "b"}) {
    Exec(c, "CREATE TABLE " + db + "." + t +
                " (id INT PRIMARY KEY, name VARCHAR(20), qty INT)");
    if ((t == "b" && !rows_in_b) || (t == "a" && !rows_in_a)) continue;
    Exec(c, "INSERT INTO " + db + "." + t +
                " VALUES (1,'x',1),(2,'y',2),(3,'z',3),(4,'x',4),(5,'y',5)");
  }
}

/// The binlog dump connections the server has now.
int BinlogDumps(mysql::Connection& c) {
  return std::stoi(*Exec(c,
                         "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                         "WHERE COMMAND LIKE 'Binlog Dump%'")
                        .front()[0]);
}

/// Waits until the server has `n` dump connections (one a closed reader
/// left behind goes when the server next writes to it: its heartbeat).
void AwaitBinlogDumps(mysql::Connection& c, int n) {
  while (BinlogDumps(c) != n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// Interleaved changes of `db`.a and `db`.b, one transaction touching
/// both, ending with the sentinel row in each (one transaction).
void WriteInterleaved(mysql::Connection& w, const std::string& db, int base) {
  const std::string a = db + ".a", b = db + ".b";
  const std::string i1 = std::to_string(base), i2 = std::to_string(base + 1);
  Exec(w, "INSERT INTO " + a + " VALUES (" + i1 + ", 'new', 10)");
  Exec(w, "INSERT INTO " + b + " VALUES (" + i1 + ", 'new', 20)");
  Exec(w, "UPDATE " + a + " SET qty = qty + 1 WHERE id <= 3");
  Exec(w, "START TRANSACTION");
  Exec(w, "UPDATE " + b + " SET qty = qty * 2 WHERE id % 2 = 1");
  Exec(w, "INSERT INTO " + a + " VALUES (" + i2 + ", 'both', 7)");
  Exec(w, "DELETE FROM " + b + " WHERE id = 2");
  Exec(w, "UPDATE " + a + " SET name = 'tx' WHERE id = " + i1);
  Exec(w, "INSERT INTO " + b + " VALUES (" + i2 + ", 'both', 8)");
  Exec(w, "COMMIT");
  Exec(w, "UPDATE " + b + " SET name = 'later' WHERE id = " + i1);
  Exec(w, "DELETE FROM " + a + " WHERE id = 4");
  Exec(w, "UPDATE " + a + " SET qty = qty - 1 WHERE id = " + i2);
}

void WriteSentinels(mysql::Connection& w, const std::string& db) {
  Exec(w, "START TRANSACTION");
  Exec(w, "INSERT INTO " + db + ".a VALUES (" + std::to_string(kSentinel) +
              ", 'end', 0)");
  Exec(w, "INSERT INTO " + db + ".b VALUES (" + std::to_string(kSentinel) +
              ", 'end', 0)");
  Exec(w, "COMMIT");
}

}  // namespace

BOOST_AUTO_TEST_CASE(generated_server_ids_are_distinct_per_source) {
  const mysql::ConnectionOptions server = Options("");
  std::set<uint32_t> ids;
  for (int i = 0; i < 100; ++i) {
    const uint32_t id = mysql::GenerateServerId(server, "t");
    BOOST_TEST(id >= 0x80000000u);
    ids.insert(id);
  }
  BOOST_TEST(ids.size() == 100u);
  // One id per server for the tables of one query; the next query's
  // differ.
  mysql::CdcServerIds query;
  const uint32_t first = query.For(server);
  BOOST_TEST(query.For(server) == first);
  mysql::ConnectionOptions other = server;
  other.user = "someone";
  BOOST_TEST(query.For(other) != first);
  query.OpenedQuery(query.generation());
  BOOST_TEST(query.For(server) != first);
}

BOOST_AUTO_TEST_CASE(tables_of_one_query_share_one_binlog_connection) {
  auto c = Connect();
  CreateTwoTables(*c, "cdcs1");
  AwaitBinlogDumps(*c, 0);
  {
    // Opened apart (each its own server-id): two connections.
    OpenedSource a = Open("cdcs1", "a");
    OpenedSource b = Open("cdcs1", "b");
    Fold fa, fb;
    fa.key = a.key;
    fb.key = b.key;
    BOOST_REQUIRE(Drain(*a.source, a.schema, fa,
                        [&] { return fa.rows.size() == 5; })
                      .ok());
    BOOST_REQUIRE(Drain(*b.source, b.schema, fb,
                        [&] { return fb.rows.size() == 5; })
                      .ok());
    AwaitBinlogDumps(*c, 2);
  }
  AwaitBinlogDumps(*c, 0);

  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  weir::Session& s = **session;
  BOOST_REQUIRE_EQUAL(Run(s, "SET 'parallelism' = '1';"), "");
  BOOST_REQUIRE_EQUAL(Run(s, CdcTable("a", "cdcs1", "a")), "");
  BOOST_REQUIRE_EQUAL(Run(s, CdcTable("b", "cdcs1", "b")), "");
  std::mutex mu;
  std::map<std::string, Fold> folds;  // by table
  folds["a"].key = {0};
  folds["b"].key = {0};
  std::atomic<bool> ended{false};
  weir::PushHandler handler;
  handler.on_row = [&](const std::vector<std::string>& row) {
    // op, t, id, name, qty
    std::lock_guard<std::mutex> lock(mu);
    folds[row[1]].Apply(row[0], {row[2], row[3], row[4]});
    if (HasSentinel(folds["a"]) && HasSentinel(folds["b"])) ended = true;
    return true;
  };
  handler.should_stop = [&] { return ended.load(); };
  s.set_push_handler(handler);
  auto rows_of = [&](const std::string& t) {
    std::lock_guard<std::mutex> lock(mu);
    return folds[t].rows.size();
  };
  auto has = [&](const std::string& t, const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    return folds[t].rows.count(id + "|") > 0;
  };
  int dumps_while_streaming = -1;
  std::thread writer([&] {
    while (rows_of("a") < 5 || rows_of("b") < 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto w = Connect();
    WriteInterleaved(*w, "cdcs1", 100);
    // Both tables stream from the binlog now: one connection for both.
    while (has("a", "4") || !has("a", "101") || !has("b", "101")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    dumps_while_streaming = BinlogDumps(*w);
    WriteInterleaved(*w, "cdcs1", 200);
    WriteSentinels(*w, "cdcs1");
  });
  const std::string err = Run(s,
                              "SELECT 'a' AS t, id, name, qty FROM a UNION ALL "
                              "SELECT 'b' AS t, id, name, qty FROM b EMIT "
                              "CHANGES;");
  writer.join();
  BOOST_REQUIRE_EQUAL(err, "");
  BOOST_TEST(dumps_while_streaming == 1);
  for (const std::string t : {"a", "b"}) {
    BOOST_TEST(folds[t].problems.empty(), t << ": " << folds[t].Problems());
    BOOST_TEST((folds[t].rows ==
                TableRows(*c, "SELECT id, name, qty FROM cdcs1." + t, {0})),
               "table " << t);
  }
}

// A table that joins the reader at a position the stream has passed makes
// it read again from there; the table already streaming skips what it had.
BOOST_AUTO_TEST_CASE(a_table_joining_behind_the_stream_restarts_it) {
  auto c = Connect();
  CreateTwoTables(*c, "cdcs3", /*rows_in_b=*/false);
  const std::string id = ", 'server-id' = '4100000003'";  // one reader
  OpenedSource a = Open("cdcs3", "a", id);
  Fold fa;
  fa.key = a.key;
  BOOST_REQUIRE(
      Drain(*a.source, a.schema, fa, [&] { return fa.rows.size() == 5; })
          .ok());
  const mysql::Row at = Exec(*c, "SHOW MASTER STATUS").front();
  auto w = Connect();
  WriteInterleaved(*w, "cdcs3", 100);
  BOOST_REQUIRE(Drain(*a.source, a.schema, fa, [&] {
                  return fa.rows.count("101|") > 0 && fa.rows.count("4|") == 0;
                }).ok());
  // b from before those changes: behind the stream a reads.
  OpenedSource b =
      Open("cdcs3", "b",
           id + ", 'scan.startup.mode' = 'binlog-position', "
                "'scan.startup.binlog-file' = '" + *at[0] +
               "', 'scan.startup.binlog-position' = '" + *at[1] + "'");
  Fold fb;
  fb.key = b.key;
  BOOST_REQUIRE(
      Drain(*b.source, b.schema, fb, [&] { return fb.rows.count("101|") > 0; })
          .ok());
  WriteInterleaved(*w, "cdcs3", 200);
  WriteSentinels(*w, "cdcs3");
  absl::Status st = DrainToSentinel(*a.source, a.schema, fa);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  st = DrainToSentinel(*b.source, b.schema, fb);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  auto reader = mysql::SharedBinlogReader::For(a.config.connection,
                                               4100000003u,
                                               a.config.heartbeat_ms);
  BOOST_TEST(reader->dumps() == 2);  // the first, and again for b
  BOOST_TEST(fa.problems.empty(), fa.Problems());
  BOOST_TEST(fb.problems.empty(), fb.Problems());
  BOOST_TEST((fa.rows == TableRows(*c, "SELECT * FROM cdcs3.a", a.key)));
  BOOST_TEST((fb.rows == TableRows(*c, "SELECT * FROM cdcs3.b", b.key)));
  AwaitBinlogDumps(*c, 1);
}

// A slow table fills its queue and stops the shared reader; neither table
// loses or repeats a change meanwhile.
BOOST_AUTO_TEST_CASE(a_slow_table_loses_nothing_for_itself_or_the_other) {
  auto c = Connect();
  CreateTwoTables(*c, "cdcs4");
  const std::string id = ", 'server-id' = '4100000004'";  // one reader
  OpenedSource a = Open("cdcs4", "a", id);
  OpenedSource b = Open("cdcs4", "b", id);
  Fold fa, fb;
  fa.key = a.key;
  fb.key = b.key;
  BOOST_REQUIRE(
      Drain(*a.source, a.schema, fa, [&] { return fa.rows.size() == 5; })
          .ok());
  BOOST_REQUIRE(
      Drain(*b.source, b.schema, fb, [&] { return fb.rows.size() == 5; })
          .ok());
  // More transactions than a's queue holds (4096 items; each of b's
  // transactions queues its GTID and XID for a too).
  std::thread writer([] {
    auto w = Connect();
    for (int i = 100; i < 2600; ++i) {
      const std::string t = i % 100 == 0 ? "a" : "b";
      Exec(*w, "INSERT INTO cdcs4." + t + " VALUES (" + std::to_string(i) +
                   ", 'w', " + std::to_string(i) + ")");
      if (i % 7 == 0) {
        Exec(*w, "UPDATE cdcs4.b SET qty = qty + 1 WHERE id = " +
                     std::to_string(i - 3));
      }
    }
    WriteSentinels(*w, "cdcs4");
  });
  // b is read as fast as it comes; a one row at a time, only when b has
  // nothing ready.
  while (!HasSentinel(fb)) {
    weir::types::Batch batch(b.schema);
    absl::StatusOr<size_t> n = b.source->Next(&batch, 1000);
    BOOST_REQUIRE_MESSAGE(n.ok(), n.status().message());
    fb.Apply(batch);
    if (*n > 0) continue;
    weir::types::Batch slow(a.schema);
    absl::StatusOr<size_t> m = a.source->Next(&slow, 1);
    BOOST_REQUIRE_MESSAGE(m.ok(), m.status().message());
    fa.Apply(slow);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.join();
  absl::Status st = DrainToSentinel(*a.source, a.schema, fa);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fa.problems.empty(), fa.Problems());
  BOOST_TEST(fb.problems.empty(), fb.Problems());
  BOOST_TEST((fa.rows == TableRows(*c, "SELECT * FROM cdcs4.a", a.key)));
  BOOST_TEST((fb.rows == TableRows(*c, "SELECT * FROM cdcs4.b", b.key)));
}

// With one server-id, a table started from a GTID reads with a connection
// (and server-id) of its own and one at the latest offset joins the
// reader: no server-id clash.
BOOST_AUTO_TEST_CASE(gtid_and_latest_offset_starts_do_not_clash) {
  auto c = Connect();
  // Empty: the changes of WriteInterleaved are all after either start.
  CreateTwoTables(*c, "cdcs5", /*rows_in_b=*/false, /*rows_in_a=*/false);
  const std::string gtid =
      *Exec(*c, "SELECT @@global.gtid_binlog_pos").front()[0];
  Exec(*c, "INSERT INTO cdcs5.a VALUES (6, 'after', 6)");
  const std::string id = ", 'server-id' = '4100000005'";
  OpenedSource a = Open("cdcs5", "a",
                        id + ", 'scan.startup.mode' = 'gtid', "
                             "'scan.startup.gtid' = '" + gtid + "'");
  OpenedSource b =
      Open("cdcs5", "b", id + ", 'scan.startup.mode' = 'latest-offset'");
  Fold fa, fb;
  fa.key = a.key;
  fb.key = b.key;
  BOOST_REQUIRE(
      Drain(*a.source, a.schema, fa, [&] { return fa.rows.size() == 1; })
          .ok());
  BOOST_REQUIRE(Drain(*b.source, b.schema, fb, [&] {
                  auto p = b.source->checkpoint_position();
                  return p && p->at(0) > 0;
                }).ok());
  auto w = Connect();
  WriteInterleaved(*w, "cdcs5", 100);
  WriteSentinels(*w, "cdcs5");
  absl::Status st = DrainToSentinel(*a.source, a.schema, fa);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  st = DrainToSentinel(*b.source, b.schema, fb);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_TEST(fa.problems.empty(), fa.Problems());
  BOOST_TEST(fb.problems.empty(), fb.Problems());
  BOOST_TEST(
      (fa.rows == TableRows(*c, "SELECT * FROM cdcs5.a", a.key)));
  BOOST_TEST(
      (fb.rows == TableRows(*c, "SELECT * FROM cdcs5.b", b.key)));
}

namespace {

/// `SELECT t, id, COUNT(*), SUM(qty) ... GROUP BY t, id` over the UNION ALL
/// of cdcs2.a and cdcs2.b as a persistent query (state kept, checkpoints
/// every 100 ms) into an upsert topic: every row of each table is a group
/// that counts 1 and sums its qty, so a lost or doubled change of either
/// table shows.
class TwoTableRows {
 public:
  using Groups = std::map<std::string, std::string>;  // "t|id" -> "n|qty"

  TwoTableRows() : dir_(weir::testing::MakeTempDir()) {
    namespace kafka = weir::connectors::kafka;
    auto broker = kafka::EmbeddedBroker::Start();
    BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
    broker_ = *std::move(broker);
    BOOST_REQUIRE(broker_->CreateTopic("rows2", 1).ok());
    const std::string bootstrap = broker_->bootstrap_servers();
    script_ = "SET 'bootstrap.servers' = '" + bootstrap + "';\n" +
              "SET 'state.dir' = '" + dir_ + "';\n" +
              "SET 'checkpoint.interval' = '100ms';\n" +
              "SET 'parallelism' = '1';\n" + CdcTable("a", "cdcs2", "a") +
              "\n" + CdcTable("b", "cdcs2", "b") +
              "\nCREATE SINK rows2 WITH (connector = 'kafka', topic = "
              "'rows2') AS SELECT t, id, COUNT(*) AS n, SUM(qty) AS total "
              "FROM (SELECT 'a' AS t, id, qty FROM a UNION ALL SELECT 'b' AS "
              "t, id, qty FROM b) GROUP BY t, id;\n";
    auto consumer =
        kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
    BOOST_REQUIRE(consumer.ok());
    consumer_ = *std::move(consumer);
    BOOST_REQUIRE(
        consumer_->Assign("rows2", {0}, kafka::StartOffset{}).ok());
  }
  ~TwoTableRows() { std::filesystem::remove_all(dir_); }

  std::unique_ptr<weir::Session> Start() const {
    auto session = weir::Session::Create(
        {.connectors = weir::connectors::BuiltinConnectors()});
    BOOST_REQUIRE(session.ok());
    BOOST_REQUIRE_EQUAL(Run(**session, script_), "");
    return *std::move(session);
  }

  /// Reads the topic until both sentinel rows (id `kSentinel` with qty
  /// `mark`) are there.
  void ReadUntilSentinels(int mark) {
    const std::string want = "1|" + std::to_string(mark);
    const std::string id = std::to_string(kSentinel);
    while (!(groups_["a|" + id] == want && groups_["b|" + id] == want)) {
      auto polled = consumer_->Poll(1000, std::chrono::milliseconds(100));
      BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
      for (const auto& m : *polled) {
        BOOST_REQUIRE(m.key);
        const auto k = nlohmann::json::parse(*m.key);
        const std::string group = k.at("t").get<std::string>() + "|" +
                                  std::to_string(k.at("id").get<int64_t>());
        if (!m.value) {
          groups_.erase(group);
          continue;
        }
        const auto v = nlohmann::json::parse(*m.value);
        groups_[group] = std::to_string(v.at("n").get<int64_t>()) + "|" +
                         std::to_string(v.at("total").get<int64_t>());
      }
    }
  }

  Groups groups() const {
    Groups out;
    for (const auto& [k, v] : groups_) {
      if (!v.empty()) out[k] = v;
    }
    return out;
  }

  static Groups Expected(mysql::Connection& c) {
    Groups out;
    for (const std::string t : {"a", "b"}) {
      for (const mysql::Row& r :
           Exec(c, "SELECT id, qty FROM cdcs2." + t)) {
        out[t + "|" + *r[0]] = "1|" + *r[1];
      }
    }
    return out;
  }

 private:
  std::string dir_;
  std::unique_ptr<weir::connectors::kafka::EmbeddedBroker> broker_;
  std::unique_ptr<weir::connectors::kafka::KafkaConsumer> consumer_;
  std::string script_;
  Groups groups_;
};

void UpdateSentinels(mysql::Connection& w, int mark) {
  Exec(w, "START TRANSACTION");
  for (const std::string t : {"a", "b"}) {
    Exec(w, "UPDATE cdcs2." + t + " SET qty = " + std::to_string(mark) +
                " WHERE id = " + std::to_string(kSentinel));
  }
  Exec(w, "COMMIT");
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_query_over_two_tables_resumes_each_exactly) {
  auto c = Connect();
  CreateTwoTables(*c, "cdcs2");
  WriteSentinels(*c, "cdcs2");
  TwoTableRows rows;
  {
    auto first = rows.Start();
    rows.ReadUntilSentinels(0);
    WriteInterleaved(*c, "cdcs2", 100);
    UpdateSentinels(*c, 1);
    rows.ReadUntilSentinels(1);
    AwaitBinlogDumps(*c, 1);
    // Two checkpoints more: the later began after these changes were
    // read, so the resume starts from binlog positions.
    const int64_t now = CheckpointId(*first);
    while (CheckpointId(*first) < now + 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Changes the query may or may not read before it stops.
    WriteInterleaved(*c, "cdcs2", 200);
  }  // the session stops its query
  WriteInterleaved(*c, "cdcs2", 300);
  UpdateSentinels(*c, 2);
  {
    auto second = rows.Start();
    rows.ReadUntilSentinels(2);
    BOOST_TEST(QueryCheckpoint(*second).find("resumed from") !=
                   std::string::npos,
               QueryCheckpoint(*second));
  }
  BOOST_TEST((rows.groups() == TwoTableRows::Expected(*c)));
}
