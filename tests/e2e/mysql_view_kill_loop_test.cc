// The product's headline under kill -9 (issue 12, "crash consistency"): a
// MariaDB table read by mysql-cdc, materialized views over it written into
// MariaDB tables by the mysql sink, and the `weir` binary (its own
// process, state.dir, checkpoints every 200 ms) SIGKILLed at random
// moments and started again on the same state, while a writer applies
// transactions of inserts, updates (some moving a row to another key) and
// deletes (some emptying a key) to the source, before, during and between
// the runs. Views: an updating aggregate per key (COUNT, SUM, MIN, MAX:
// MIN and MAX under deletes) and a global aggregate (one row). After the
// writer stops, a last run goes on until both tables equal MariaDB's own
// aggregates over the source table: no extra key, no missing key, no
// doubled count. The kills must hit work in flight: the tables changed
// between kills, runs resumed from checkpoints with growing ids (SHOW
// QUERIES and the progress table), and some kills came while the source
// had changes not yet in the tables. The seed of the kill moments and of
// the writer is printed; WEIR_VIEW_KILL_SEED=<seed> replays the choices.
//
// Also the one-row view on its own: a global aggregate into a created
// table and, through CREATE SINK ... FROM, into an existing one; deletes
// of every row (COUNT 0, SUM NULL) and a restart.
#define BOOST_TEST_MODULE mysql_view_kill_loop_test
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "tests/e2e/mysql_cdc_util.h"
#include "tests/e2e/weir_process.h"
#include "tests/unit/run_weir.h"

namespace {

namespace mysql = weir::connectors::mysql;
using weir::cdc_test::CdcTable;
using weir::cdc_test::Connect;
using weir::cdc_test::Exec;
using weir::mysql_test::Port;
using weir::testing::ResumedFrom;
using weir::testing::WeirProcess;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kRuns = 16;  // killed runs
constexpr int kKeys = 8;   // values of src.k
constexpr int kInitialRows = 150;

/// WITH (sink = 'mysql', ...) writing `db`.`table` (or, with `connector`,
/// the options of CREATE SINK).
std::string SinkWith(const std::string& db, const std::string& table,
                     const char* kind = "sink") {
  return fmt::format(
      " WITH ({} = 'mysql', host = '127.0.0.1', port = {}, user = 'weir', "
      "password = 'weir', database = '{}', table = '{}') ",
      kind, Port(), db, table);
}

/// A table's rows by their first cell: the others joined with '|' (rows
/// of the same first cell joined with " and ", so that they differ from
/// any one row).
using Rows = std::map<std::string, std::string>;

Rows Read(mysql::Connection& c, const std::string& sql) {
  Rows out;
  for (const mysql::Row& r : Exec(c, sql)) {
    std::string rest;
    for (size_t i = 1; i < r.size(); ++i)
      rest += (i > 1 ? "|" : "") + r[i].value_or("NULL");
    auto [it, added] = out.try_emplace(r[0].value_or("NULL"), rest);
    if (!added) it->second += " and " + rest;
  }
  return out;
}

/// What differs between `want` and `got`, at most 10 lines.
std::string Diff(const Rows& want, const Rows& got) {
  std::string out;
  int shown = 0;
  auto line = [&](const std::string& k, const std::string& w,
                  const std::string& g) {
    if (++shown <= 10) out += fmt::format("\n  {}: want {}, got {}", k, w, g);
  };
  for (const auto& [k, w] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      line(k, w, "no row");
    } else if (it->second != w) {
      line(k, w, it->second);
    }
  }
  for (const auto& [k, g] : got) {
    if (!want.count(k)) line(k, "no row", g);
  }
  return out;
}

/// Calls `done` every 50 ms until it says true or `bound` has passed (a
/// failure deadline far beyond what convergence needs); its last answer.
bool PollUntil(const std::function<bool()>& done, seconds bound) {
  const auto deadline = Clock::now() + bound;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

/// The last checkpoint the progress table says sink `sink` wrote (0: none).
uint64_t ProgressOf(mysql::Connection& c, const std::string& db,
                    const std::string& sink) {
  const auto rows =
      Exec(c, "SELECT checkpoint_id FROM " + db +
                  ".weir_sink_progress WHERE sink = '" + sink + "'");
  return rows.empty() ? 0 : std::stoull(*rows[0][0]);
}

// ---- the kill loop

constexpr char kDb[] = "viewkill";

std::string KillLoopScript(const std::string& state) {
  return "SET 'state.dir' = '" + state +
         "';\n"
         "SET 'checkpoint.interval' = '200ms';\n"
         "SET 'parallelism' = '2';\n" +
         CdcTable("src", kDb, "src") + "\nCREATE MATERIALIZED VIEW per_k" +
         SinkWith(kDb, "per_k") +
         "AS SELECT k, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) "
         "AS hi FROM src GROUP BY k;\n"
         "CREATE MATERIALIZED VIEW overall" +
         SinkWith(kDb, "overall") +
         "AS SELECT COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS "
         "hi FROM src;\n"
         "SHOW QUERIES;\n";
}

/// MariaDB's own aggregates over the source, and the two tables Weir keeps.
Rows ExpectedPerKey(mysql::Connection& c) {
  return Read(
      c, std::string("SELECT k, COUNT(*), SUM(v), MIN(v), MAX(v) FROM ") + kDb +
             ".src GROUP BY k");
}
Rows PerKey(mysql::Connection& c) {
  return Read(c,
              std::string("SELECT k, n, total, lo, hi FROM ") + kDb + ".per_k");
}
Rows ExpectedOverall(mysql::Connection& c) {
  return Read(c, std::string("SELECT 'all', COUNT(*), SUM(v), MIN(v), "
                             "MAX(v) FROM ") +
                     kDb + ".src");
}
Rows Overall(mysql::Connection& c) {
  return Read(c, std::string("SELECT 'all', n, total, lo, hi FROM ") + kDb +
                     ".overall");
}

/// Applies random transactions to src on its own thread, one at a time
/// under mu() (holding it pauses the writer between transactions). It is
/// the table's only writer, so it knows the rows (id -> k). Errors are
/// kept, not asserted (Boost.Test checks belong to the main thread).
class Writer {
 public:
  explicit Writer(uint64_t seed) : conn_(Connect(kDb)), random_(seed) {
    for (const mysql::Row& r : Exec(*conn_, "SELECT id, k FROM src")) {
      rows_[std::stoi(*r[0])] = std::stoi(*r[1]);
      next_id_ = std::max(next_id_, std::stoi(*r[0]) + 1);
    }
  }
  ~Writer() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_.load() && error_.empty()) {
        {
          std::lock_guard lock(mu_);
          Transaction();
        }
        std::this_thread::sleep_for(milliseconds(3));
      }
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::mutex& mu() { return mu_; }
  /// Committed transactions so far (read under mu() or after Stop).
  int transactions() const { return transactions_; }
  int moves() const { return moves_; }
  int emptied_keys() const { return emptied_keys_; }
  /// The first error ("" when none).
  std::string error() const { return error_; }

 private:
  bool Run(const std::string& sql) {
    if (!error_.empty()) return false;
    auto r = conn_->Query(sql);
    if (!r.ok()) error_ = sql + ": " + std::string(r.status().message());
    return r.ok();
  }
  int Pick(int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(random_);
  }
  int AnyId() {
    auto it = rows_.begin();
    std::advance(it, Pick(static_cast<int>(rows_.size())));
    return it->first;
  }

  /// 1 to 4 changes in one transaction; the table stays around
  /// kInitialRows rows. A failed statement ends the writer (error()).
  void Transaction() {
    if (!Run("START TRANSACTION")) return;
    int moves = 0, emptied = 0;
    for (int i = 0, n = 1 + Pick(4); i < n; ++i) {
      const int op =
          static_cast<int>(rows_.size()) < kInitialRows / 2 ? 0 : Pick(100);
      const int v = Pick(1101) - 100;
      if (op < 35 || rows_.empty()) {
        const int id = next_id_++;
        const int k = Pick(kKeys);
        if (!Run(fmt::format("INSERT INTO src VALUES ({}, {}, {})", id, k, v)))
          return;
        rows_[id] = k;
      } else if (op < 60) {
        if (!Run(
                fmt::format("UPDATE src SET v = {} WHERE id = {}", v, AnyId())))
          return;
      } else if (op < 80) {
        const int id = AnyId();
        const int k = Pick(kKeys);
        if (!Run(fmt::format("UPDATE src SET k = {}, v = {} WHERE id = {}", k,
                             v, id)))
          return;
        moves += rows_[id] != k ? 1 : 0;
        rows_[id] = k;
      } else if (op < 98) {
        const int id = AnyId();
        if (!Run(fmt::format("DELETE FROM src WHERE id = {}", id))) return;
        rows_.erase(id);
      } else {
        // Every row of a key: the view deletes the key, the sink its row.
        const int k = Pick(kKeys);
        if (!Run(fmt::format("DELETE FROM src WHERE k = {}", k))) return;
        std::erase_if(rows_, [k](const auto& row) { return row.second == k; });
        ++emptied;
      }
    }
    if (!Run("COMMIT")) return;
    ++transactions_;
    moves_ += moves;
    emptied_keys_ += emptied;
  }

  std::unique_ptr<mysql::Connection> conn_;
  std::mt19937_64 random_;
  std::map<int, int> rows_;  // id -> k
  int next_id_ = 1;
  std::mutex mu_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::string error_;
  int transactions_ = 0, moves_ = 0, emptied_keys_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(kill_9_of_weir_keeps_views_in_mysql_exact) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("WEIR_VIEW_KILL_SEED")) seed = std::stoull(s);
  BOOST_TEST_MESSAGE("view kill loop seed "
                     << seed << " (replay: WEIR_VIEW_KILL_SEED=" << seed
                     << ")");
  std::printf("view kill loop seed %llu\n",
              static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);

  auto c = Connect();
  Exec(*c, std::string("DROP DATABASE IF EXISTS ") + kDb);
  Exec(*c, std::string("CREATE DATABASE ") + kDb);
  Exec(*c, std::string("CREATE TABLE ") + kDb +
               ".src (id INT PRIMARY KEY, k INT NOT NULL, v INT NOT NULL)");
  std::string values;
  for (int i = 1; i <= kInitialRows; ++i) {
    values += fmt::format("{}({}, {}, {})", values.empty() ? "" : ",", i,
                          i % kKeys, (i * 37) % 1000);
  }
  Exec(*c, std::string("INSERT INTO ") + kDb + ".src VALUES " + values);

  const std::string dir = weir::testing::MakeTempDir();
  const std::string script = KillLoopScript(dir + "/state");
  Writer writer(seed + 1);
  writer.Start();

  int resumed = 0;            // runs that resumed both sink queries
  int changed = 0;            // kills after which the tables differ from before
  int in_flight = 0;          // kills while the source had changes not in them
  uint64_t last_resumed = 0;  // of per_k_sink
  uint64_t last_progress = 0;  // per_k_sink's progress row
  int progress_grew = 0;
  Rows before;  // both tables after the previous kill
  std::uniform_int_distribution<int> kill_after_ms(0, 1500);
  for (int run = 0; run < kRuns; ++run) {
    WeirProcess weir(script, dir);
    weir.WaitUntilRunning();
    const std::string out = weir.out();
    const uint64_t from = ResumedFrom(out, "per_k_sink");
    BOOST_TEST(from >= last_resumed, "resumed from " << from << ":\n"
                                                     << out << "\n"
                                                     << weir.err());
    last_resumed = std::max(last_resumed, from);
    resumed += from > 0 && ResumedFrom(out, "overall_sink") > 0 &&
                       ResumedFrom(out, "per_k") > 0
                   ? 1
                   : 0;
    const int after = kill_after_ms(random);
    std::this_thread::sleep_for(milliseconds(after));
    BOOST_REQUIRE_MESSAGE(!weir.exited(), "weir ended: " << weir.err());
    Rows now;
    bool behind = false;
    {
      // The writer paused and weir dead: both sides hold still.
      std::lock_guard lock(writer.mu());
      weir.Kill();
      now = PerKey(*c);
      const Rows overall = Overall(*c);
      behind = now != ExpectedPerKey(*c) || overall != ExpectedOverall(*c);
      now.insert(overall.begin(), overall.end());
    }
    in_flight += behind ? 1 : 0;
    changed += now != before ? 1 : 0;
    before = std::move(now);
    const uint64_t progress = ProgressOf(*c, kDb, "per_k_sink");
    BOOST_TEST(progress >= last_progress);
    progress_grew += progress > last_progress ? 1 : 0;
    last_progress = std::max(last_progress, progress);
    BOOST_TEST_MESSAGE("run "
                       << run << ": resumed from " << from << ", killed after "
                       << after << " ms, per_k_sink at checkpoint " << progress
                       << (behind ? ", source ahead of the tables" : ""));
  }
  writer.Stop();
  BOOST_REQUIRE_MESSAGE(writer.error().empty(), writer.error());

  // The last run goes on until the tables equal MariaDB's own aggregates.
  const Rows want = ExpectedPerKey(*c);
  const Rows want_overall = ExpectedOverall(*c);
  WeirProcess weir(script, dir);
  weir.WaitUntilRunning();
  const std::string out = weir.out();
  const bool converged = PollUntil(
      [&] { return PerKey(*c) == want && Overall(*c) == want_overall; },
      seconds(60));
  const int code = weir.Stop();
  BOOST_TEST(code == 0, weir.err());
  BOOST_TEST_MESSAGE(
      writer.transactions()
      << " source transactions (" << writer.moves()
      << " rows moved to another key, " << writer.emptied_keys()
      << " keys emptied); " << resumed << " of " << kRuns
      << " killed runs resumed; tables changed after " << changed << " kills; "
      << in_flight << " kills with the source ahead; progress grew in "
      << progress_grew << " runs, last checkpoint " << last_progress);
  BOOST_TEST(converged, "per_k:" << Diff(want, PerKey(*c)) << "\noverall:"
                                 << Diff(want_overall, Overall(*c)) << "\n"
                                 << weir.err());
  BOOST_TEST(Exec(*c, std::string("SELECT COUNT(*) FROM ") + kDb + ".overall")
                 .front()[0]
                 .value_or("") == "1");
  // The kills hit work in flight.
  BOOST_TEST(ResumedFrom(out, "per_k_sink") >= last_resumed);
  BOOST_TEST(resumed >= kRuns / 4);
  BOOST_TEST(changed >= kRuns / 4);
  BOOST_TEST(in_flight > 0);
  BOOST_TEST(progress_grew >= kRuns / 4);
  BOOST_TEST(writer.moves() > 0);
  BOOST_TEST(want.size() > 1u);
  std::filesystem::remove_all(dir);
}

// ---- one row

// A global aggregate (no GROUP BY) is one row: the sink replaces the
// table's row in each checkpoint's transaction. Into a table it creates
// (the view's shorthand) and into an existing one holding a stale row
// (CREATE SINK ... FROM the view), equal to MariaDB's own aggregate,
// also after every source row is deleted (COUNT 0, SUM NULL) and across a
// restart that resumes from the state kept.
BOOST_AUTO_TEST_CASE(a_global_aggregate_view_is_one_row_in_mysql) {
  const std::string db = "viewone";
  auto c = Connect();
  Exec(*c, "DROP DATABASE IF EXISTS " + db);
  Exec(*c, "CREATE DATABASE " + db);
  Exec(*c,
       "CREATE TABLE " + db + ".t (id INT PRIMARY KEY, x INT, k INT NOT NULL)");
  Exec(*c, "INSERT INTO " + db +
               ".t VALUES (1, 10, 1), (2, NULL, 1), (3, -4, 2), (4, 7, 3)");
  // Existing, without a key, with a stale row the sink must replace.
  Exec(*c, "CREATE TABLE " + db + ".g2 (n BIGINT NOT NULL, total BIGINT)");
  Exec(*c, "INSERT INTO " + db + ".g2 VALUES (999, 999), (998, 998)");

  const std::string dir = weir::testing::MakeTempDir();
  const std::string script =
      "SET 'state.dir' = '" + dir + "/state';\n" +
      "SET 'checkpoint.interval' = '100ms';\n" + CdcTable("t", db, "t") +
      "\nCREATE MATERIALIZED VIEW g" + SinkWith(db, "g") +
      "AS SELECT COUNT(*) AS n, SUM(x) AS total FROM t;\n"
      "CREATE SINK g2 FROM g" +
      SinkWith(db, "g2", "connector") +
      ";\n"
      "SHOW QUERIES;\n";
  const std::string expected_sql =
      "SELECT 'g', COUNT(*), SUM(x) FROM " + db + ".t";
  auto converges = [&] {
    Rows want;
    return PollUntil(
        [&] {
          want = Read(*c, expected_sql);
          return Read(*c, "SELECT 'g', n, total FROM " + db + ".g") == want &&
                 Read(*c, "SELECT 'g', n, total FROM " + db + ".g2") == want;
        },
        seconds(30));
  };
  auto shown = [&] {
    return "want " + Read(*c, expected_sql)["g"] + "; g " +
           Read(*c, "SELECT 'g', n, total FROM " + db + ".g")["g"] + "; g2 " +
           Read(*c, "SELECT 'g', n, total FROM " + db + ".g2")["g"];
  };
  {
    WeirProcess weir(script, dir);
    weir.WaitUntilRunning();
    BOOST_TEST(converges(), shown() << "\n" << weir.err());
    Exec(*c, "UPDATE " + db + ".t SET x = x + 1 WHERE id IN (1, 2)");
    Exec(*c, "INSERT INTO " + db + ".t VALUES (5, 100, 5)");
    BOOST_TEST(converges(), shown() << "\n" << weir.err());
    Exec(*c, "DELETE FROM " + db + ".t");
    BOOST_TEST(converges(), shown() << "\n" << weir.err());
    BOOST_TEST(Read(*c, "SELECT 'g', n, total FROM " + db + ".g")["g"] ==
               "0|NULL");
    BOOST_TEST(weir.Stop() == 0, weir.err());
  }
  // While weir is down, and after its restart.
  Exec(*c, "INSERT INTO " + db + ".t VALUES (6, 3, 1), (7, 4, 1)");
  {
    WeirProcess weir(script, dir);
    weir.WaitUntilRunning();
    const std::string out = weir.out();
    BOOST_TEST(ResumedFrom(out, "g_sink") > 0, out);
    BOOST_TEST(ResumedFrom(out, "g2") > 0, out);
    BOOST_TEST(converges(), shown() << "\n" << weir.err());
    Exec(*c, "DELETE FROM " + db + ".t WHERE id = 6");
    BOOST_TEST(converges(), shown() << "\n" << weir.err());
    BOOST_TEST(weir.Stop() == 0, weir.err());
  }
  for (const char* table : {"g", "g2"}) {
    BOOST_TEST(
        *Exec(*c, "SELECT COUNT(*) FROM " + db + "." + table).front()[0] == "1",
        table);
  }
  const auto ddl = Exec(*c, "SHOW CREATE TABLE " + db + ".g");
  BOOST_TEST(ddl[0][1]->find("PRIMARY KEY") == std::string::npos, *ddl[0][1]);

  // A changelog without a key that is not one row stays refused.
  const weir::testing::WeirRun refused = weir::testing::RunWeir(
      {"-e", CdcTable("t", db, "t") + "\nCREATE SINK bad" +
                 SinkWith(db, "bad", "connector") + "AS SELECT x FROM t;"});
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(
      refused.err.find("changelog with no unique key") != std::string::npos,
      refused.err);
  std::filesystem::remove_all(dir);
}
