// A materialized view kept in a MySQL table from a MySQL table's binlog,
// on a private MariaDB this program starts (scripts/mariadb.sh: binlog in
// ROW format, its default durability: a redo-log flush per commit), in
// two parts:
//
//  freshness: a table bench.fr<n> (id BIGINT PK, customer INT, amount
//    DECIMAL(10,2)) read by a mysql-cdc table; the view
//      CREATE MATERIALIZED VIEW v AS SELECT customer, COUNT(*) AS n,
//        SUM(amount) AS total FROM orders GROUP BY customer
//    written by `CREATE SINK s FROM v WITH (connector = 'mysql')` into
//    bench.fr<n>_agg of the same server (--plan direct: one query,
//    `CREATE SINK ... AS SELECT ... GROUP BY`, no view). A writer commits
//    --rate rows/s in transactions of --txn-rows rows (one multi-row
//    INSERT, customers 1..--customers at random); in every
//    --sample-every-th transaction the last row is one of the marker
//    customer 0: a sample, whose start is its COMMIT returning. A poller
//    on its own connection reads `SELECT n FROM <agg> WHERE customer = 0`
//    every millisecond; a sample's end is the first poll whose n counts
//    it. Reported:
//    p50, p99 and max of end - start over the samples after --warmup
//    seconds, the rate achieved, and the checkpoints SHOW QUERIES showed,
//    per checkpoint.interval of --intervals (the sink writes per
//    checkpoint, so that bounds freshness from below).
//
//  triggers: the source table's insert rate with --writers connections,
//    each committing transactions of --txn-rows rows (one multi-row
//    INSERT) for --seconds, (a) with nothing attached, (b) with Weir's
//    view + MySQL sink maintaining the per-customer aggregate from the
//    binlog (checkpoint.interval --trigger-interval), (c) with an AFTER
//    INSERT trigger maintaining the same aggregate (INSERT ... ON
//    DUPLICATE KEY UPDATE). Deadlocks and lock wait timeouts are rolled
//    back and the transaction retried (counted). Each run on fresh tables;
//    the order alternates (a b c, then c b a); after each run (b) and (c)
//    are compared with MariaDB's own GROUP BY of the source ((b) once it
//    caught up; the time it took is printed). Ratios of (b) and (c) to (a).
//    Optional (--modes abcde), to tell the cost of any binlog reader from
//    Weir's own: (d) a thread here fetching the binlog through
//    Connector/C's replication API and dropping every event; (e)
//    `mariadb-binlog --read-from-remote-server --raw --stop-never`
//    copying it to files.
//
// Weir runs in this process (a Session, as the shell runs it); the writers
// and the poller are threads here with their own C API connections. Not a
// test: no thresholds; see README.md.
//
//   view_bench [--port 33106] [--only freshness|triggers] [--plan view|direct]
//              [--rate 2000] [--txn-rows 10] [--sample-every 4]
//              [--fresh-seconds 15] [--warmup 3] [--intervals 100ms,1s]
//              [--writers 4] [--seconds 10] [--rounds 2]
//              [--trigger-interval 1s] [--customers 1000] [--modes abcde]
//              [--keep DIR]

#include <mysql.h>

// After mysql.h, which it needs.
#include <mariadb_rpl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/bench_util.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "fmt/format.h"

namespace {

using Clock = weir::bench::BenchClock;
using weir::bench::LoadAverage;
using weir::bench::Median;
using weir::bench::PidCpuSeconds;
using weir::bench::ProcessCpuSeconds;
using weir::bench::SecondsSince;

constexpr char kDatabase[] = "bench";

struct Args {
  int port = 33106;
  std::string only;           // "", "freshness" or "triggers"
  std::string plan = "view";  // "view" or "direct"
  double rate = 2000;
  int txn_rows = 10;
  int sample_every = 4;
  double fresh_seconds = 15;
  double warmup = 3;
  std::vector<std::string> intervals = {"100ms", "1s"};
  int writers = 4;
  double seconds = 10;
  int rounds = 2;
  std::string trigger_interval = "1s";
  int customers = 1000;
  std::string modes = "abc";  // of the trigger comparison, run in this order
  std::string keep;
};

// ---------------------------------------------------------------- server

std::string g_server_dir;  // stopped by Die when set

void StopServer() {
  if (g_server_dir.empty()) return;
  const std::string cmd =
      fmt::format("'{}/scripts/mariadb.sh' stop '{}' >/dev/null",
                  WEIR_SOURCE_DIR, g_server_dir);
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "stop failed\n");
  g_server_dir.clear();
}

[[noreturn]] void Die(const std::string& message) {
  std::fflush(stdout);  // the rows printed so far
  std::fprintf(stderr, "view_bench: %s\n", message.c_str());
  StopServer();
  std::_Exit(1);  // threads may still run; no destructors
}

int ServerPid() {
  std::ifstream in(g_server_dir + "/mariadb.pid");
  int pid = 0;
  in >> pid;
  return pid;
}

// ------------------------------------------------------------- C API

/// An owned connection.
struct MysqlDeleter {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
using Mysql = std::unique_ptr<MYSQL, MysqlDeleter>;

Mysql Connect(int port) {
  Mysql m(mysql_init(nullptr));
  if (!mysql_real_connect(m.get(), "127.0.0.1", "weir", "weir", kDatabase,
                          static_cast<unsigned>(port), nullptr, 0)) {
    Die(fmt::format("connect: {}", mysql_error(m.get())));
  }
  return m;
}

/// Runs `sql`; its error number (0 when it succeeded). Dies on other
/// errors than those in `tolerated`.
unsigned Exec(MYSQL* m, const std::string& sql,
              std::initializer_list<unsigned> tolerated = {}) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    const unsigned err = mysql_errno(m);
    if (std::find(tolerated.begin(), tolerated.end(), err) != tolerated.end())
      return err;
    Die(fmt::format("{}: {}", sql.substr(0, 200), mysql_error(m)));
  }
  if (MYSQL_RES* r = mysql_store_result(m)) mysql_free_result(r);
  return 0;
}

/// The rows of `sql`, NULL cells as "NULL".
std::vector<std::vector<std::string>> Query(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    Die(fmt::format("{}: {}", sql, mysql_error(m)));
  }
  std::vector<std::vector<std::string>> out;
  MYSQL_RES* r = mysql_store_result(m);
  if (r == nullptr) return out;
  while (MYSQL_ROW row = mysql_fetch_row(r)) {
    std::vector<std::string> cells;
    for (unsigned i = 0; i < mysql_num_fields(r); ++i)
      cells.push_back(row[i] ? row[i] : "NULL");
    out.push_back(std::move(cells));
  }
  mysql_free_result(r);
  return out;
}

constexpr unsigned kDeadlock = 1213;
constexpr unsigned kLockWaitTimeout = 1205;
constexpr unsigned kNoSuchTable = 1146;

void CreateSource(MYSQL* m, const std::string& table) {
  Exec(m, fmt::format("CREATE TABLE {} (id BIGINT PRIMARY KEY, customer INT "
                      "NOT NULL, amount DECIMAL(10,2) NOT NULL)",
                      table));
}

/// customer -> "n|total", from `sql` (customer, n, total).
std::map<std::string, std::string> Groups(MYSQL* m, const std::string& sql) {
  std::map<std::string, std::string> out;
  for (const auto& r : Query(m, sql)) out[r[0]] = r[1] + "|" + r[2];
  return out;
}

/// Whether `agg` holds MariaDB's own GROUP BY of `source`; the message
/// says how it differs.
bool AggregateEquals(MYSQL* m, const std::string& source,
                     const std::string& agg, std::string* message) {
  const auto expected = Groups(
      m, fmt::format("SELECT customer, COUNT(*), SUM(amount) FROM {} GROUP BY "
                     "customer",
                     source));
  const auto got =
      Groups(m, fmt::format("SELECT customer, n, total FROM {}", agg));
  int64_t rows = 0;
  for (const auto& [customer, value] : expected)
    rows += std::atoll(value.c_str());
  if (expected == got) {
    *message = fmt::format(
        "equal to GROUP BY of the source ({} customers, "
        "{} rows)",
        expected.size(), rows);
    return true;
  }
  int differ = 0;
  for (const auto& [customer, value] : expected) {
    auto it = got.find(customer);
    if (it == got.end() || it->second != value) ++differ;
  }
  *message = fmt::format(
      "DIFFERS from GROUP BY of the source: {} of {} "
      "customers differ, {} rows in the aggregate table",
      differ + static_cast<int>(got.size() > expected.size()
                                    ? got.size() - expected.size()
                                    : 0),
      expected.size(), got.size());
  return false;
}

/// A transaction's INSERT: `rows` rows from id `first`, random customers
/// (the last row the marker customer 0 when `marker`).
std::string InsertSql(const std::string& table, int64_t first, int rows,
                      int customers, bool marker, std::mt19937_64& rng) {
  std::string sql =
      fmt::format("INSERT INTO {} (id, customer, amount) VALUES ", table);
  for (int i = 0; i < rows; ++i) {
    const int customer =
        marker && i == rows - 1
            ? 0
            : 1 + static_cast<int>(rng() % static_cast<uint64_t>(customers));
    const uint64_t cents = 100 + rng() % 99900;  // 1.00 to 999.99
    sql += fmt::format("{}({},{},{}.{:02})", i ? "," : "", first + i, customer,
                       cents / 100, cents % 100);
  }
  return sql;
}

// ------------------------------------------------------------------ weir

void Execute(weir::Session& session, const std::string& sql,
             weir::StatementResult* last = nullptr) {
  absl::Status st =
      session.ExecuteScript(sql, [&](const weir::StatementResult& r) {
        if (last != nullptr) *last = r;
      });
  if (!st.ok()) Die(std::string(st.message()) + "\n" + sql);
}

/// A session maintaining `agg` from `source` (both in kDatabase): the
/// view and its sink (or, plan "direct", one sink query), checkpoints
/// every `interval`, state kept under `state_dir`.
std::unique_ptr<weir::Session> StartWeir(const Args& a,
                                         const std::string& source,
                                         const std::string& agg,
                                         const std::string& interval,
                                         const std::string& state_dir) {
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  if (!session.ok()) Die(std::string(session.status().message()));
  const std::string server = fmt::format(
      "host = '127.0.0.1', port = {}, user = 'weir', password = 'weir', "
      "database = '{}'",
      a.port, kDatabase);
  const std::string aggregate =
      "SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders "
      "GROUP BY customer";
  std::string script = fmt::format(
      "SET 'checkpoint.interval' = '{}';\nSET 'state.dir' = '{}';\n"
      "CREATE TABLE orders WITH (connector = 'mysql-cdc', {}, table = '{}');\n",
      interval, state_dir, server, source);
  if (a.plan == "direct") {
    script += fmt::format(
        "CREATE SINK s WITH (connector = 'mysql', {}, table = '{}') AS {};\n",
        server, agg, aggregate);
  } else {
    script += fmt::format(
        "CREATE MATERIALIZED VIEW v AS {};\n"
        "CREATE SINK s FROM v WITH (connector = 'mysql', {}, table = '{}');\n",
        aggregate, server, agg);
  }
  Execute(**session, script);
  return *std::move(session);
}

/// The checkpoints SHOW QUERIES showed, per query ("writes to" -> id ->
/// duration in ms).
using CheckpointsSeen = std::map<std::string, std::map<uint64_t, int64_t>>;

void NoteCheckpoints(weir::Session& session, CheckpointsSeen* seen) {
  weir::StatementResult r;
  Execute(session, "SHOW QUERIES;", &r);
  size_t target = 0, checkpoint = 0;
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (r.columns[c] == "writes to") target = c;
    if (r.columns[c] == "checkpoint") checkpoint = c;
  }
  for (const auto& row : r.rows) {
    unsigned long long id = 0;
    long long ms = 0;
    if (std::sscanf(row[checkpoint].c_str(), "%llu at %*d:%*d:%*d UTC, %lld ms",
                    &id, &ms) == 2) {
      (*seen)[row[target]][id] = ms;
    }
  }
}

std::string CheckpointSummary(const CheckpointsSeen& seen) {
  std::string out;
  for (const auto& [query, checkpoints] : seen) {
    std::vector<double> ms;
    for (const auto& [id, duration] : checkpoints)
      ms.push_back(static_cast<double>(duration));
    out += fmt::format(
        "{}checkpoints of the query writing '{}': {} seen, "
        "duration median {:.0f} ms, max {:.0f} ms",
        out.empty() ? "" : "; ", query, ms.size(), Median(ms),
        ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
  }
  return out;
}

int g_run = 0;  // numbers the tables and state directories of each run

// ------------------------------------------------------------- freshness

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank =
      static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

void RunFreshness(const Args& a, MYSQL* admin, const std::string& interval) {
  const int run = ++g_run;
  const std::string source = fmt::format("fr{}", run);
  const std::string agg = source + "_agg";
  CreateSource(admin, source);
  // Sample 1: the marker row before Weir starts (its snapshot reads it).
  Exec(admin, fmt::format("INSERT INTO {} VALUES (0, 0, 1.00)", source));
  const Clock::time_point started = Clock::now();
  std::unique_ptr<weir::Session> session = StartWeir(
      a, source, agg, interval, fmt::format("{}/state{}", g_server_dir, run));
  Mysql poll = Connect(a.port);
  const std::string marker_sql =
      fmt::format("SELECT n FROM {} WHERE customer = 0", agg);
  auto marker_count = [&]() -> int64_t {
    if (mysql_real_query(poll.get(), marker_sql.data(), marker_sql.size()) != 0)
      Die(mysql_error(poll.get()));
    MYSQL_RES* r = mysql_store_result(poll.get());
    int64_t n = 0;
    if (MYSQL_ROW row = mysql_fetch_row(r)) n = row[0] ? std::atoll(row[0]) : 0;
    mysql_free_result(r);
    return n;
  };
  while (marker_count() < 1) {
    if (SecondsSince(started) > 60)
      Die("the marker row did not arrive in 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double startup = SecondsSince(started);

  // commit_at[k] / visible_at[k]: sample k (k = the marker's count).
  const int64_t max_samples =
      static_cast<int64_t>(a.fresh_seconds * a.rate / a.txn_rows /
                           a.sample_every) +
      16;
  std::vector<Clock::time_point> commit_at(static_cast<size_t>(max_samples) +
                                           2);
  std::vector<Clock::time_point> visible_at(commit_at.size());
  std::atomic<int64_t> committed{1};  // samples committed
  std::atomic<bool> writing{true};
  std::atomic<int64_t> seen{1};  // samples visible; the poller owns `poll`
  std::thread poller([&] {
    pthread_setname_np(pthread_self(), "poller");
    while (writing.load() || seen.load() < committed.load()) {
      const int64_t n = marker_count();
      const Clock::time_point now = Clock::now();
      for (int64_t k = seen.load() + 1;
           k <= n && k < static_cast<int64_t>(visible_at.size()); ++k)
        visible_at[static_cast<size_t>(k)] = now;
      if (n > seen.load()) seen.store(n);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  CheckpointsSeen checkpoints;
  const double cpu0 = ProcessCpuSeconds();
  const int server_pid = ServerPid();
  const double server_cpu0 = PidCpuSeconds(server_pid);
  int64_t rows = 0;
  const Clock::time_point t0 = Clock::now();
  std::thread writer([&] {
    pthread_setname_np(pthread_self(), "writer");
    Mysql w = Connect(a.port);
    std::mt19937_64 rng(42 + run);
    int64_t next_id = 1;
    for (int64_t t = 0;; ++t) {
      const auto due =
          t0 + std::chrono::duration_cast<Clock::duration>(
                   std::chrono::duration<double>(static_cast<double>(t) *
                                                 a.txn_rows / a.rate));
      if (SecondsSince(t0) >= a.fresh_seconds) break;
      std::this_thread::sleep_until(due);
      const bool marker =
          t % a.sample_every == 0 &&
          committed.load() + 1 < static_cast<int64_t>(commit_at.size());
      Exec(w.get(), "START TRANSACTION");
      Exec(w.get(),
           InsertSql(source, next_id, a.txn_rows, a.customers, marker, rng));
      Exec(w.get(), "COMMIT");
      const Clock::time_point now = Clock::now();
      next_id += a.txn_rows;
      rows += a.txn_rows;
      if (marker) {
        commit_at[static_cast<size_t>(committed.load() + 1)] = now;
        committed.fetch_add(1);
      }
    }
  });
  while (SecondsSince(t0) < a.fresh_seconds) {
    NoteCheckpoints(*session, &checkpoints);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  writer.join();
  const double elapsed = SecondsSince(t0);
  writing.store(false);
  const Clock::time_point drain = Clock::now();
  while (true) {
    NoteCheckpoints(*session, &checkpoints);
    if (seen.load() >= committed.load()) break;
    if (SecondsSince(drain) > 60)
      Die("the last samples did not arrive in 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  poller.join();
  const double cpu = ProcessCpuSeconds() - cpu0;
  const double server_cpu = PidCpuSeconds(server_pid) - server_cpu0;

  std::vector<double> ms;
  int early = 0;  // visible before the COMMIT's answer was noted
  for (int64_t k = 2; k <= committed.load(); ++k) {
    const auto i = static_cast<size_t>(k);
    if (std::chrono::duration<double>(commit_at[i] - t0).count() < a.warmup)
      continue;
    const double d =
        std::chrono::duration<double, std::milli>(visible_at[i] - commit_at[i])
            .count();
    if (d < 0) ++early;
    ms.push_back(std::max(d, 0.0));
  }
  // The table must end equal to the source's GROUP BY.
  std::string check;
  const Clock::time_point converge = Clock::now();
  while (!AggregateEquals(admin, source, agg, &check)) {
    if (SecondsSince(converge) > 60) Die("freshness: " + check);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  session.reset();
  std::printf(
      "checkpoint.interval %-6s %6zu %9.1f %9.1f %9.1f %9.1f %10.0f %7.2f "
      "%7.2f\n",
      interval.c_str(), ms.size(), Percentile(ms, 0.5), Percentile(ms, 0.99),
      ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()),
      std::accumulate(ms.begin(), ms.end(), 0.0) /
          std::max<size_t>(ms.size(), 1),
      static_cast<double>(rows) / elapsed, cpu, server_cpu);
  std::printf(
      "  startup (CREATE statements to the first row in the table) "
      "%.2f s; %s; %s%s\n",
      startup, CheckpointSummary(checkpoints).c_str(), check.c_str(),
      early ? fmt::format("; {} samples seen before their COMMIT "
                          "returned (counted as 0 ms)",
                          early)
                  .c_str()
            : "");
  std::fflush(stdout);
}

// -------------------------------------------------------------- triggers

struct InsertRun {
  int64_t rows = 0;
  double seconds = 0;
  int64_t retries = 0;    // deadlocks and lock wait timeouts
  double cpu = 0;         // this process (writers, and Weir in (b))
  double server_cpu = 0;  // mariadbd
  double catch_up = 0;    // (b): writers stopped -> the table equal
  std::string check;
};

/// (d): the least a binlog client does, on a thread of this process: a
/// binlog dump through Connector/C's replication API from the current
/// position, every event fetched and dropped.
class FetchLoop {
 public:
  FetchLoop(const Args& a, MYSQL* admin, int run) : conn_(Connect(a.port)) {
    const auto status = Query(admin, "SHOW MASTER STATUS").at(0);
    Exec(conn_.get(),
         "SET @master_binlog_checksum = @@global.binlog_checksum, "
         "@mariadb_slave_capability = 4");
    id_ = mysql_thread_id(conn_.get());
    rpl_ = mariadb_rpl_init(conn_.get());
    if (rpl_ == nullptr) Die("mariadb_rpl_init failed");
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID,
                         static_cast<uint32_t>(7000 + run));
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, status[0].c_str(),
                         status[0].size());
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START,
                         std::strtoul(status[1].c_str(), nullptr, 10));
    if (mariadb_rpl_open(rpl_) != 0) Die(mysql_error(conn_.get()));
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "fetch");
      MARIADB_RPL_EVENT* ev = nullptr;
      while ((ev = mariadb_rpl_fetch(rpl_, ev)) != nullptr)
        events_.fetch_add(1);
    });
  }
  /// Ends the dump (KILL of its connection) and the thread.
  void Stop(MYSQL* admin) {
    Exec(admin, fmt::format("KILL CONNECTION {}", id_));
    thread_.join();
    mariadb_rpl_close(rpl_);
  }
  int64_t events() const { return events_.load(); }

 private:
  Mysql conn_;
  unsigned long id_ = 0;
  MARIADB_RPL* rpl_ = nullptr;
  std::atomic<int64_t> events_{0};
  std::thread thread_;
};

/// (e): `mariadb-binlog --raw --stop-never` reading the binlog from its
/// current file into files under the server's directory (MariaDB's own
/// binlog client, copying the events), connected before it returns.
pid_t StartBinlogReader(const Args& a, MYSQL* admin, int run) {
  const std::string file = Query(admin, "SHOW MASTER STATUS").at(0).at(0);
  // The dump threads before it (one of an earlier run may linger).
  const std::string dumps_sql =
      "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE "
      "'Binlog Dump%'";
  const auto dumps_before = Query(admin, dumps_sql);
  const std::string out = fmt::format("{}/raw{}/", g_server_dir, run);
  if (std::system(("mkdir -p '" + out + "'").c_str()) != 0) Die("mkdir " + out);
  const std::string port = fmt::format("--port={}", a.port);
  const std::string result = "--result-file=" + out;
  const pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    execlp("mariadb-binlog", "mariadb-binlog", "--no-defaults",
           "--read-from-remote-server", "--raw", "--stop-never",
           "--host=127.0.0.1", port.c_str(), "--user=weir", "--password=weir",
           result.c_str(), file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Connected once the server lists a new binlog dump thread.
  const Clock::time_point start = Clock::now();
  auto connected = [&] {
    for (const auto& row : Query(admin, dumps_sql)) {
      if (std::find(dumps_before.begin(), dumps_before.end(), row) ==
          dumps_before.end())
        return true;
    }
    return false;
  };
  while (!connected()) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) Die("mariadb-binlog exited");
    if (SecondsSince(start) > 30) Die("mariadb-binlog did not connect in 30 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pid;
}

InsertRun RunInserts(const Args& a, MYSQL* admin, char mode) {
  const int run = ++g_run;
  const std::string source = fmt::format("tr{}{}", run, mode);
  const std::string agg = source + "_agg";
  CreateSource(admin, source);
  std::unique_ptr<weir::Session> session;
  if (mode == 'b') {
    session = StartWeir(a, source, agg, a.trigger_interval,
                        fmt::format("{}/state{}", g_server_dir, run));
  } else if (mode == 'c') {
    Exec(admin, fmt::format("CREATE TABLE {} (customer INT NOT NULL PRIMARY "
                            "KEY, n BIGINT NOT NULL, total DECIMAL(38,2) NOT "
                            "NULL)",
                            agg));
    Exec(admin,
         fmt::format("CREATE TRIGGER {0}_t AFTER INSERT ON {0} FOR EACH ROW "
                     "INSERT INTO {1} (customer, n, total) VALUES "
                     "(NEW.customer, 1, NEW.amount) ON DUPLICATE KEY UPDATE "
                     "n = n + 1, total = total + NEW.amount",
                     source, agg));
  }
  pid_t reader = -1;  // (e): mariadb-binlog
  if (mode == 'e') reader = StartBinlogReader(a, admin, run);
  std::unique_ptr<FetchLoop> fetch;  // (d)
  if (mode == 'd') fetch = std::make_unique<FetchLoop>(a, admin, run);
  // One row first, in every mode; (b) waits until it is in the table, so
  // the timed window sees Weir running end to end.
  Exec(admin, fmt::format("INSERT INTO {} VALUES (0, 0, 1.00)", source));
  if (mode == 'b') {
    const Clock::time_point start = Clock::now();
    const std::string sql =
        fmt::format("SELECT n FROM {} WHERE customer = 0", agg);
    while (Query(admin, sql).empty()) {
      if (SecondsSince(start) > 60)
        Die("(b): the first row did not arrive in 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  InsertRun result;
  std::atomic<int64_t> rows{0}, retries{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point t0;
  std::vector<std::thread> writers;
  for (int w = 0; w < a.writers; ++w) {
    writers.emplace_back([&, w] {
      pthread_setname_np(pthread_self(), "writer");  // for perf
      Mysql m = Connect(a.port);
      std::mt19937_64 rng(1000 * run + w);
      int64_t next_id = (int64_t{w} + 1) * 1'000'000'000;
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      while (SecondsSince(t0) < a.seconds) {
        const std::string insert =
            InsertSql(source, next_id, a.txn_rows, a.customers, false, rng);
        while (true) {  // retried after a deadlock or lock wait timeout
          Exec(m.get(), "START TRANSACTION");
          if (Exec(m.get(), insert, {kDeadlock, kLockWaitTimeout}) == 0 &&
              Exec(m.get(), "COMMIT", {kDeadlock, kLockWaitTimeout}) == 0)
            break;
          Exec(m.get(), "ROLLBACK");
          retries.fetch_add(1);
        }
        next_id += a.txn_rows;
        rows.fetch_add(a.txn_rows);
      }
    });
  }
  while (ready.load() < a.writers) std::this_thread::yield();
  const int server_pid = ServerPid();
  const double cpu0 = ProcessCpuSeconds();
  const double server_cpu0 = PidCpuSeconds(server_pid);
  const double reader_cpu0 = reader > 0 ? PidCpuSeconds(reader) : 0;
  t0 = Clock::now();
  go.store(true);
  for (std::thread& t : writers) t.join();
  result.seconds = SecondsSince(t0);
  result.cpu = ProcessCpuSeconds() - cpu0;
  result.server_cpu = PidCpuSeconds(server_pid) - server_cpu0;
  if (reader > 0) {
    result.cpu += PidCpuSeconds(reader) - reader_cpu0;
    kill(reader, SIGTERM);
    waitpid(reader, nullptr, 0);
  }
  if (fetch) {
    fetch->Stop(admin);
    result.check = fmt::format("{} events fetched", fetch->events());
  }
  result.rows = rows.load();
  result.retries = retries.load();

  if (mode == 'b' || mode == 'c') {
    const Clock::time_point stopped = Clock::now();
    while (!AggregateEquals(admin, source, agg, &result.check)) {
      if (mode == 'c' || SecondsSince(stopped) > 120) {
        Die(fmt::format("({}): the aggregate table {}", mode, result.check));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    result.catch_up = SecondsSince(stopped);
  }
  session.reset();
  return result;
}

void RunTriggers(const Args& a, MYSQL* admin) {
  const char* names[] = {"(a) nothing attached", "(b) weir view -> mysql",
                         "(c) AFTER INSERT trigger", "(d) C API binlog fetch",
                         "(e) mariadb-binlog --raw"};
  std::map<char, std::vector<double>> rates;
  std::printf("%-6s %-26s %9s %8s %10s %8s %8s %8s  %s\n", "round", "mode",
              "rows", "seconds", "rows/s", "retries", "cpu s", "srv cpu",
              "check");
  for (int round = 1; round <= a.rounds; ++round) {
    std::string order = a.modes;
    if (round % 2 == 0) std::reverse(order.begin(), order.end());
    for (char mode : order) {
      InsertRun r = RunInserts(a, admin, mode);
      const double rate = static_cast<double>(r.rows) / r.seconds;
      rates[mode].push_back(rate);
      std::string check = r.check;
      if (mode == 'b')
        check += fmt::format(" {:.2f} s after the writers stopped", r.catch_up);
      std::printf("%-6d %-26s %9lld %8.2f %10.0f %8lld %8.2f %8.2f  %s\n",
                  round, names[mode - 'a'], static_cast<long long>(r.rows),
                  r.seconds, rate, static_cast<long long>(r.retries), r.cpu,
                  r.server_cpu, check.c_str());
      std::fflush(stdout);
    }
  }
  for (char mode : std::string("bcde")) {
    if (rates[mode].empty() || rates['a'].empty()) continue;
    std::string rounds;
    for (size_t i = 0; i < rates[mode].size(); ++i)
      rounds += fmt::format(" {:.2f}x", rates[mode][i] / rates['a'][i]);
    const double ratio = Median(rates[mode]) / Median(rates['a']);
    std::printf(
        "%s: median %.0f rows/s = %.2fx of (a)'s %.0f rows/s (rounds:%s)%s\n",
        names[mode - 'a'], Median(rates[mode]), ratio, Median(rates['a']),
        rounds.c_str(),
        mode == 'b' ? fmt::format("; goal >= 0.95x: {}",
                                  ratio >= 0.95 ? "met" : "NOT met")
                          .c_str()
                    : "");
  }
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  const char* usage =
      "usage: view_bench [--port P] [--only freshness|triggers] [--plan "
      "view|direct] [--rate N] [--txn-rows N] [--sample-every N] "
      "[--fresh-seconds S] [--warmup S] [--intervals 100ms,1s] [--writers N] "
      "[--seconds S] [--rounds N] [--trigger-interval 1s] [--customers N] "
      "[--modes abc] [--keep DIR]";
  weir::bench::FlagReader flags(argc, argv);
  while (flags.Next()) {
    if (const char* v = flags.Value("--port"))
      a.port = std::atoi(v);
    else if (const char* v = flags.Value("--only"))
      a.only = v;
    else if (const char* v = flags.Value("--plan"))
      a.plan = v;
    else if (const char* v = flags.Value("--rate"))
      a.rate = std::atof(v);
    else if (const char* v = flags.Value("--txn-rows"))
      a.txn_rows = std::atoi(v);
    else if (const char* v = flags.Value("--sample-every"))
      a.sample_every = std::atoi(v);
    else if (const char* v = flags.Value("--fresh-seconds"))
      a.fresh_seconds = std::atof(v);
    else if (const char* v = flags.Value("--warmup"))
      a.warmup = std::atof(v);
    else if (const char* v = flags.Value("--intervals"))
      a.intervals = SplitCommas(v);
    else if (const char* v = flags.Value("--writers"))
      a.writers = std::atoi(v);
    else if (const char* v = flags.Value("--seconds"))
      a.seconds = std::atof(v);
    else if (const char* v = flags.Value("--rounds"))
      a.rounds = std::atoi(v);
    else if (const char* v = flags.Value("--trigger-interval"))
      a.trigger_interval = v;
    else if (const char* v = flags.Value("--customers"))
      a.customers = std::atoi(v);
    else if (const char* v = flags.Value("--modes"))
      a.modes = v;
    else if (const char* v = flags.Value("--keep"))
      a.keep = v;
    else
      Die(usage);
  }
  if (a.rate <= 0 || a.txn_rows < 1 || a.sample_every < 1 || a.writers < 1 ||
      a.rounds < 1 || a.customers < 1 || a.intervals.empty() ||
      (a.plan != "view" && a.plan != "direct") ||
      (!a.only.empty() && a.only != "freshness" && a.only != "triggers") ||
      a.modes.empty() ||
      a.modes.find_first_not_of("abcde") != std::string::npos)
    Die(usage);

  std::string dir = a.keep;
  if (dir.empty()) {
    char tmpl[] = "/tmp/weir-viewbench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
    dir = tmpl;
  }
  std::printf(
      "view_bench: MariaDB on 127.0.0.1:%d in %s (scripts/mariadb.sh); "
      "load average %s\n",
      a.port, dir.c_str(), LoadAverage().c_str());
  g_server_dir = dir;
  const std::string start =
      fmt::format("'{}/scripts/mariadb.sh' start '{}' {} >/dev/null",
                  WEIR_SOURCE_DIR, dir, a.port);
  if (std::system(start.c_str()) != 0) Die("MariaDB did not start");
  {
    Mysql root(mysql_init(nullptr));
    if (!mysql_real_connect(root.get(), "127.0.0.1", "weir", "weir", nullptr,
                            static_cast<unsigned>(a.port), nullptr, 0))
      Die(mysql_error(root.get()));
    Exec(root.get(), fmt::format("DROP DATABASE IF EXISTS {}", kDatabase));
    Exec(root.get(), fmt::format("CREATE DATABASE {}", kDatabase));
  }
  Mysql admin = Connect(a.port);
  const auto settings =
      Query(admin.get(),
            "SELECT @@version, @@innodb_flush_log_at_trx_commit, "
            "@@sync_binlog, @@binlog_format");
  std::printf(
      "server %s, innodb_flush_log_at_trx_commit %s, sync_binlog %s, "
      "binlog_format %s; weir plan: %s\n\n",
      settings[0][0].c_str(), settings[0][1].c_str(), settings[0][2].c_str(),
      settings[0][3].c_str(),
      a.plan == "view" ? "CREATE MATERIALIZED VIEW v + CREATE SINK s FROM v"
                       : "CREATE SINK s AS SELECT ... GROUP BY (no view)");

  if (a.only != "triggers") {
    std::printf(
        "freshness: a writer commits %.0f rows/s in transactions of %d rows "
        "(customers 1..%d); in every %d-th the last row is of customer 0; "
        "timed: its COMMIT returning -> `SELECT n FROM <agg> WHERE customer = "
        "0` (polled every 1 ms on another connection) first shows it; %.0f s "
        "per interval, samples of the first %.0f s left out\n",
        a.rate, a.txn_rows, a.customers, a.sample_every, a.fresh_seconds,
        a.warmup);
    std::printf("%-26s %6s %9s %9s %9s %9s %10s %7s %7s\n", "", "samples",
                "p50 ms", "p99 ms", "max ms", "mean ms", "rows/s", "cpu s",
                "srv cpu");
    for (const std::string& interval : a.intervals)
      RunFreshness(a, admin.get(), interval);
    std::printf("load average %s\n\n", LoadAverage().c_str());
  }
  if (a.only != "freshness") {
    std::printf(
        "triggers: %d writer connections, each committing transactions of "
        "one %d-row INSERT (customers 1..%d at random) for %.0f s; (b) with "
        "checkpoint.interval %s; rows/s = rows committed / seconds until the "
        "last writer's last COMMIT; cpu s: this process (writers, and Weir in "
        "(b)); srv cpu: mariadbd\n",
        a.writers, a.txn_rows, a.customers, a.seconds,
        a.trigger_interval.c_str());
    RunTriggers(a, admin.get());
    std::printf("load average %s\n", LoadAverage().c_str());
  }
  admin.reset();
  StopServer();
  if (a.keep.empty()) {
    if (std::system(("rm -rf '" + dir + "'").c_str()) != 0)
      std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  }
  return 0;
}
