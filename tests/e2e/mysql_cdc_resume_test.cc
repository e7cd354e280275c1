// The mysql-cdc source resuming where the binlog cannot take it: with
// 'on-binlog-gap' = 'resnapshot', a purged position is bridged by a new
// snapshot diffed against the rows the changelog holds (kept in the
// split's state store). Against the test MariaDB (mariadb CTest fixture);
// every expectation is MariaDB's own SELECT of the table.
#define BOOST_TEST_MODULE mysql_cdc_resume_test
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "storage/state_store.h"
#include "tests/e2e/cdc_group_sums.h"
#include "tests/e2e/mysql_cdc_util.h"
#include "tests/unit/run_weir.h"

using namespace weir::cdc_test;  // NOLINT: the shared test helpers

namespace {

/// The binlog file of a source's checkpoint position.
std::string PositionFile(const weir::exec::SourcePosition& position,
                         const mysql::CdcSourceConfig& config) {
  BOOST_REQUIRE(position.count(0) == 1);
  BOOST_REQUIRE(position.at(0) >= 0);
  return mysql::BinlogFileWithSequence(
      config.binlog_file_example,
      static_cast<uint32_t>(position.at(0) >> 32));
}

}  // namespace

// A source reads the table (snapshot, then binlog changes) into a fold and
// stops; the table changes (updates, deletes, inserts) and the binlog file
// of its position is purged. A new source over the same state resumes
// there: it re-snapshots and returns exactly the changes that bring the
// fold to MariaDB's table (-U/+U per changed row, -D per vanished row, +I
// per new row, nothing for the others), then reads the binlog on.
BOOST_AUTO_TEST_CASE(a_purged_binlog_is_bridged_by_a_resnapshot) {
  namespace storage = weir::storage;
  auto c = Connect();
  CreateItems(*c, "cdc20", 30);
  const std::string dir = weir::testing::MakeTempDir();
  auto backend = storage::StateBackend::Open({.dir = dir});
  BOOST_REQUIRE_MESSAGE(backend.ok(), backend.status().message());
  auto opened = (*backend)->OpenStore("source0");
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  std::shared_ptr<storage::StateStore> store = *std::move(opened);
  const std::string gap = ", 'on-binlog-gap' = 'resnapshot'";
  Fold fold;
  weir::exec::SourcePosition position;
  std::string old_file;
  {
    OpenedSource o = Open("cdc20", "items", gap);
    BOOST_REQUIRE(o.source->wants_store());
    o.source->AttachStore(store);
    fold.key = o.key;
    absl::Status st = Drain(*o.source, o.schema, fold,
                            [&] { return fold.rows.size() == 30; });
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    Exec(*c, "UPDATE cdc20.items SET qty = qty + 1 WHERE id <= 5");
    Exec(*c, "DELETE FROM cdc20.items WHERE id = 6");
    InsertSentinel(*c, "cdc20");
    st = DrainToSentinel(*o.source, o.schema, fold);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    position = *o.source->checkpoint_position();
    old_file = PositionFile(position, o.config);
  }  // the source stops
  // While it is stopped: 2 updated rows (4 changes), 4 deleted, 6
  // inserted, one updated twice (2 changes); the other 19 are unchanged.
  Exec(*c, "UPDATE cdc20.items SET qty = qty + 100 WHERE id IN (4, 8)");
  Exec(*c, "UPDATE cdc20.items SET name = 'renamed' WHERE id = 9");
  Exec(*c, "UPDATE cdc20.items SET name = 'again' WHERE id = 9");
  Exec(*c, "DELETE FROM cdc20.items WHERE id IN (10, 11, 12, " +
               std::to_string(kSentinel) + ")");
  Exec(*c, "INSERT INTO cdc20.items VALUES (40, 'new', 1, 1.5), "
           "(41, NULL, 2, 2.5), (42, 'new', 3, 3.5), (43, 'x', 4, 4.5), "
           "(44, 'y', 5, 5.5), (45, 'z', 6, 6.5)");
  PurgeBinlogsThrough(*c, old_file);
  const auto expected =
      TableRows(*c, "SELECT * FROM cdc20.items", fold.key);
  {
    OpenedSource o = Open("cdc20", "items", gap);
    o.source->AttachStore(store);
    BOOST_REQUIRE(o.source->StartAt(position).ok());
    const size_t before = fold.changes;
    absl::Status st =
        Drain(*o.source, o.schema, fold, [&] { return fold.rows == expected; });
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_TEST(fold.problems.empty(), fold.Problems());
    BOOST_TEST(fold.changes - before == 2 * 3 + 4 + 6);
    // The binlog is read on from the new snapshot's position.
    Exec(*c, "UPDATE cdc20.items SET qty = 7 WHERE id = 1");
    InsertSentinel(*c, "cdc20");
    st = DrainToSentinel(*o.source, o.schema, fold);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_TEST(fold.problems.empty(), fold.Problems());
    BOOST_TEST((fold.rows ==
                TableRows(*c, "SELECT * FROM cdc20.items", fold.key)));
  }
  store.reset();
  backend->reset();
  std::filesystem::remove_all(dir);
}

// A snapshot (10 rows a chunk) stopped twice in the middle of a chunk,
// with changes to the table in between, on both sides of the last row
// returned (updates, deletes, inserts, primary keys moved across it):
// each restart continues after the last row returned with a new snapshot
// and reads the binlog from the first snapshot's position, returning only
// the changes the rows returned do not hold. The fold has no duplicate or
// gap and equals MariaDB's table, before and after more binlog changes.
BOOST_AUTO_TEST_CASE(an_interrupted_snapshot_continues_after_its_last_row) {
  namespace storage = weir::storage;
  auto c = Connect();
  CreateItems(*c, "cdc22", 200);
  const std::string dir = weir::testing::MakeTempDir();
  auto backend = storage::StateBackend::Open({.dir = dir});
  BOOST_REQUIRE_MESSAGE(backend.ok(), backend.status().message());
  auto opened = (*backend)->OpenStore("source0");
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  std::shared_ptr<storage::StateStore> store = *std::move(opened);
  const std::string chunks = ", 'scan.snapshot.chunk-size' = '10'";
  auto snapshot_rows = [](const weir::exec::SourcePosition& p) {
    auto it = p.find(2);
    return it == p.end() ? int64_t{0} : it->second;
  };
  Fold fold;
  weir::exec::SourcePosition position;
  // Opens the source over the store (resumed at `position` when given) and
  // reads 5 rows at a time until it has returned `rows` snapshot rows.
  auto read = [&](bool resume, int64_t rows) {
    OpenedSource o = Open("cdc22", "items", chunks);
    BOOST_REQUIRE(o.source->wants_store());
    o.source->AttachStore(store);
    if (resume) {
      absl::Status st = o.source->StartAt(position);
      BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    }
    fold.key = o.key;
    absl::Status st = Drain(
        *o.source, o.schema, fold,
        [&] { return snapshot_rows(*o.source->checkpoint_position()) >= rows; },
        5);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    position = *o.source->checkpoint_position();
  };
  read(false, 55);
  BOOST_TEST(position.at(0) == -1);
  BOOST_TEST(snapshot_rows(position) == 55);
  BOOST_TEST(position.count(3) == 1u);  // the snapshot's binlog position
  BOOST_TEST(fold.rows.size() == 55u);
  Exec(*c, "UPDATE cdc22.items SET qty = qty + 1000 WHERE id % 10 = 3");
  Exec(*c, "DELETE FROM cdc22.items WHERE id IN (7, 60, 61)");
  Exec(*c, "UPDATE cdc22.items SET id = 7 WHERE id = 150");
  Exec(*c, "UPDATE cdc22.items SET id = 250 WHERE id = 20");
  Exec(*c, "INSERT INTO cdc22.items VALUES (0, 'zero', 0, 0), "
           "(300, 'late', 1, 1)");
  read(true, 120);
  BOOST_TEST(snapshot_rows(position) == 120);
  BOOST_TEST(fold.problems.empty(), fold.Problems());
  Exec(*c, "UPDATE cdc22.items SET qty = -1 WHERE id % 10 = 5");
  Exec(*c, "DELETE FROM cdc22.items WHERE id IN (100, 190, 3)");
  Exec(*c, "UPDATE cdc22.items SET id = 1000 WHERE id = 50");
  Exec(*c, "INSERT INTO cdc22.items VALUES (400, 'later', 2, 2)");
  {
    OpenedSource o = Open("cdc22", "items", chunks);
    o.source->AttachStore(store);
    absl::Status st = o.source->StartAt(position);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    const auto expected =
        TableRows(*c, "SELECT * FROM cdc22.items", fold.key);
    st = Drain(*o.source, o.schema, fold,
               [&] { return fold.rows == expected; });
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_TEST(fold.problems.empty(), fold.Problems());
    // The binlog on: a change in each part of the key range.
    Exec(*c, "UPDATE cdc22.items SET qty = 5 WHERE id IN (1, 56, 130, 199)");
    InsertSentinel(*c, "cdc22");
    st = DrainToSentinel(*o.source, o.schema, fold);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_TEST(fold.problems.empty(), fold.Problems());
    BOOST_TEST((fold.rows ==
                TableRows(*c, "SELECT * FROM cdc22.items", fold.key)));
  }
  store.reset();
  backend->reset();
  std::filesystem::remove_all(dir);
}

// The server drops the snapshot's connection (KILL of the connection that
// holds the consistent-snapshot transaction) after rows were returned:
// the source continues the snapshot after the last one (it used to fail
// the query), and the fold equals MariaDB's table.
BOOST_AUTO_TEST_CASE(a_snapshot_whose_connection_is_killed_continues) {
  namespace storage = weir::storage;
  constexpr int kRows = 20000;
  auto c = Connect();
  CreateItems(*c, "cdc25", kRows);
  const std::string dir = weir::testing::MakeTempDir();
  auto backend = storage::StateBackend::Open({.dir = dir});
  BOOST_REQUIRE(backend.ok());
  auto opened = (*backend)->OpenStore("source0");
  BOOST_REQUIRE(opened.ok());
  std::shared_ptr<storage::StateStore> store = *std::move(opened);
  {
    OpenedSource o =
        Open("cdc25", "items", ", 'scan.snapshot.chunk-size' = '1'");
    o.source->AttachStore(store);
    Fold fold;
    fold.key = o.key;
    absl::Status st = Drain(*o.source, o.schema, fold,
                            [&] { return fold.rows.size() >= 55; }, 5);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    Exec(*c, "UPDATE cdc25.items SET qty = 0 WHERE id IN (3, 19000)");
    Exec(*c, "DELETE FROM cdc25.items WHERE id IN (4, 19001)");
    int killed = 0;
    for (const mysql::Row& r :
         Exec(*c, "SELECT trx_mysql_thread_id FROM "
                  "information_schema.INNODB_TRX")) {
      Exec(*c, "KILL " + *r[0]);
      ++killed;
    }
    BOOST_TEST(killed == 1);  // the snapshot (a row per chunk) still ran
    const auto expected =
        TableRows(*c, "SELECT * FROM cdc25.items", fold.key);
    st = Drain(*o.source, o.schema, fold,
               [&] { return fold.rows == expected; });
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    BOOST_TEST(fold.problems.empty(), fold.Problems());
  }
  store.reset();
  backend->reset();
  std::filesystem::remove_all(dir);
}

// A snapshot can be continued only when Weir orders the primary key as
// MySQL does: a VARCHAR key (a collation) is refused, saying why.
BOOST_AUTO_TEST_CASE(a_snapshot_with_a_collated_key_is_not_continued) {
  namespace storage = weir::storage;
  auto c = Connect();
  Exec(*c, "DROP DATABASE IF EXISTS cdc23");
  Exec(*c, "CREATE DATABASE cdc23");
  Exec(*c, "CREATE TABLE cdc23.words (w VARCHAR(10) PRIMARY KEY, n INT)");
  Exec(*c, "INSERT INTO cdc23.words VALUES ('a', 1), ('B', 2), ('c', 3)");
  const std::string dir = weir::testing::MakeTempDir();
  auto backend = storage::StateBackend::Open({.dir = dir});
  BOOST_REQUIRE(backend.ok());
  auto opened = (*backend)->OpenStore("source0");
  BOOST_REQUIRE(opened.ok());
  std::shared_ptr<storage::StateStore> store = *std::move(opened);
  OpenedSource o = Open("cdc23", "words");
  o.source->AttachStore(store);
  absl::Status st = o.source->StartAt({{0, -1}, {2, 2}, {3, 4}});
  const std::string m(st.message());
  BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(m.find("cannot be continued") != std::string::npos, m);
  o.source.reset();
  store.reset();
  backend->reset();
  std::filesystem::remove_all(dir);
}

// A persistent query (GROUP BY into a Kafka sink, state.dir, checkpoints)
// over a table with 'on-binlog-gap' = 'resnapshot' is stopped; rows
// change and the binlog of its checkpoint is purged; run again, it
// re-snapshots, and the last value per group equals MariaDB's own GROUP
// BY (a row deleted meanwhile is retracted from its group; a row changed
// is retracted with its old values), then it follows the binlog on.
BOOST_AUTO_TEST_CASE(a_checkpointed_query_resnapshots_over_a_purged_binlog) {
  auto c = Connect();
  CreateItems(*c, "cdc21", 40);
  GroupSums sums("cdc21", "cdcgap", ", 'on-binlog-gap' = 'resnapshot'");
  std::string file;  // the binlog file the first run read last
  {
    auto first = sums.Start();
    Exec(*c, "INSERT INTO cdc21.items VALUES (200, 'mark', 1, 1)");
    sums.ReadUntil("mark", "1");
    file = *Exec(*c, "SHOW MASTER STATUS").front()[0];
    // Two checkpoints more: the later one began after the mark was read,
    // so its position is in the binlog (after the snapshot).
    const int64_t now = CheckpointId(*first);
    while (CheckpointId(*first) < now + 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }  // the session stops its query
  Exec(*c, "UPDATE cdc21.items SET qty = qty * 2 WHERE id % 3 = 0");
  Exec(*c, "UPDATE cdc21.items SET name = 'n1' WHERE id IN (2, 4)");
  Exec(*c, "DELETE FROM cdc21.items WHERE id IN (5, 6, 7, 13)");
  Exec(*c, "INSERT INTO cdc21.items VALUES (201, 'mark', 1, 1), "
           "(202, 'fresh', 5, 1)");
  PurgeBinlogsThrough(*c, file);
  {
    auto second = sums.Start();
    sums.ReadUntil("mark", "2");
    BOOST_TEST(QueryCheckpoint(*second).find("resumed from") !=
                   std::string::npos,
               QueryCheckpoint(*second));
    // Then the binlog, from the new snapshot's position.
    Exec(*c, "DELETE FROM cdc21.items WHERE id = 8");
    Exec(*c, "INSERT INTO cdc21.items VALUES (203, 'mark', 1, 1)");
    sums.ReadUntil("mark", "3");
  }
  BOOST_TEST((sums.groups() == sums.Expected(*c)));
}

// A persistent query (GROUP BY into Kafka, checkpoints every 100 ms) over a
// large table read one row per chunk is stopped while its snapshot runs,
// after two checkpoints taken during it; the table changes; run again, it
// continues the snapshot where the checkpoint had it (SHOW QUERIES says it
// resumed) and the last value per group equals MariaDB's own GROUP BY.
BOOST_AUTO_TEST_CASE(a_query_stopped_during_its_snapshot_continues_it) {
  constexpr int kRows = 20000;
  auto c = Connect();
  CreateItems(*c, "cdc24", kRows);
  GroupSums sums("cdc24", "cdcsnap", ", 'scan.snapshot.chunk-size' = '1'");
  auto snapshot_runs = [](weir::Session& s) {
    const std::string p = ShownColumn(s, "progress");
    return p.rfind("snapshot ", 0) == 0 && p != "snapshot starting";
  };
  {
    auto first = sums.Start();
    while (!snapshot_runs(*first)) {
      BOOST_REQUIRE(ShownColumn(*first, "rows read") != std::to_string(kRows));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Two checkpoints after the snapshot began, and the snapshot still
    // runs after them: the last one was taken during it.
    const int64_t began = CheckpointId(*first);
    while (CheckpointId(*first) < began + 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    BOOST_REQUIRE_MESSAGE(snapshot_runs(*first),
                          "the snapshot ended before the test could stop it");
  }  // the session stops its query
  Exec(*c, "UPDATE cdc24.items SET qty = qty + 7 WHERE id % 1000 = 1");
  Exec(*c, "DELETE FROM cdc24.items WHERE id % 997 = 0");
  Exec(*c, "UPDATE cdc24.items SET id = 30000 WHERE id = 2");
  Exec(*c, "UPDATE cdc24.items SET id = 2 WHERE id = 19999");
  Exec(*c, "INSERT INTO cdc24.items VALUES (30001, 'fresh', 4, 1)");
  {
    auto second = sums.Start();
    BOOST_TEST(QueryCheckpoint(*second).find("resumed from") !=
                   std::string::npos,
               QueryCheckpoint(*second));
    // The last change, made once the new snapshot has begun returning
    // rows (so it is not among them): in the binlog after that snapshot's
    // position, it is read after every change before it. (Made earlier,
    // the new snapshot would return it before the binlog's older changes
    // to the rows read by the first run.)
    for (std::string n; (n = ShownColumn(*second, "rows read")).empty() || n == "0";) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Exec(*c, "INSERT INTO cdc24.items VALUES (40000, 'mark', 1, 1)");
    sums.ReadUntil("mark", "1");
  }
  BOOST_TEST((sums.groups() == sums.Expected(*c)));
}
