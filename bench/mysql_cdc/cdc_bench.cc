// The mysql-cdc source against MariaDB's own tools, on a private MariaDB
// this program starts (binlog in ROW format, a loopback port, a temporary
// directory), in two parts:
//  stream:   a binlog file holding --changes row changes of one table
//            (3/5 inserts, 1/5 updates, 1/5 deletes; multi-row statements
//            of 1000 rows, not timed). Timed: (a) Weir's source
//            (scan.startup.mode 'binlog-position' at the file's start, its
//            binlog client thread + exec::Source::Next as the runtime calls
//            it, 1024 rows a batch) from OpenCdcSource to the last change
//            decoded into a batch; (b) `mariadb-binlog
//            --read-from-remote-server --verbose FILE > /dev/null` (the
//            reference, one process, from fork to exit), and (c) the same
//            on the local file (shown, not the ratio's reference).
//  snapshot: a table of --rows rows. Timed: (a) the source in mode
//            'initial' (consistent snapshot, chunked primary-key reads,
//            text cells to Weir values) from OpenCdcSource to its last
//            snapshot row; (b) `SELECT *` through the C API
//            (mysql_real_query + mysql_use_result + mysql_fetch_row and
//            mysql_fetch_lengths over every cell), connect included, the
//            ratio's reference; and (c) the same with each cell converted
//            by the snapshot's ValueFromText into batches (shown only: the
//            source's per-cell work without its row copies and chunks).
// Every Weir run is checked (change counts and sums of columns against
// what the workload wrote, computed here) before its time counts. The
// sides alternate their order from round to round; figures are medians of
// --repeats rounds. Not a test: no thresholds; see README.md.
//
//   cdc_bench [--changes N] [--rows N] [--repeats N] [--port P]
//             [--chunk N] [--charset CS] [--only stream|snapshot] [--weir-only] [--keep DIR]

#include <mysql.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/bench_util.h"
#include "connectors/mysql/cdc_source.h"
#include "connectors/mysql/row_decoder.h"
#include "connectors/mysql/text_values.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "engine/types/batch.h"
#include "fmt/format.h"

namespace {

namespace mysql = weir::connectors::mysql;
using Clock = weir::bench::BenchClock;
using weir::bench::LoadAverage;
using weir::bench::Median;
using weir::bench::ProcessCpuSeconds;
using weir::bench::SecondsSince;
using weir::types::Batch;
using weir::types::ChangeKind;

constexpr int kStatementRows = 1000;  // rows per INSERT/UPDATE/DELETE
constexpr size_t kBatchRows = 1024;   // the runtime's batch_rows default
constexpr std::chrono::microseconds kMinBackoff{1000};  // the executor's
constexpr std::chrono::microseconds kMaxBackoff{10000};
constexpr char kDatabase[] = "bench";

struct Args {
  int64_t changes = 1'000'000;
  int64_t rows = 1'000'000;
  int repeats = 3;
  int port = 33105;
  int64_t chunk = 8192;  // the snapshot's scan.snapshot.chunk-size
  std::string charset;   // of the tables; "": the server's default (latin1)
  std::string only;  // "", "stream" or "snapshot"
  bool weir_only = false;  // no reference runs (for perf record)
  std::string keep;  // a directory for the server, kept afterwards
};

// ---------------------------------------------------------------- server

struct Server {
  std::string dir;
  int port = 0;
  std::string socket() const { return dir + "/mariadb.sock"; }
  std::string datadir() const { return dir + "/data"; }
};

void StopServer(const Server& s);
const Server* g_started = nullptr;  // stopped by Die

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "cdc_bench: %s\n", message.c_str());
  if (g_started != nullptr) StopServer(*g_started);
  std::exit(1);
}

/// The flags of scripts/mariadb.sh, with a buffer pool that holds both
/// tables (so both sides of the snapshot read memory) and a relaxed redo
/// flush (setup speed only).
void StartServer(const Server& s) {
  const std::string cmd = fmt::format(
      R"sh(set -e; export PATH="$PATH:/usr/sbin:/usr/local/sbin"
user=""; if [ "$(id -u)" = 0 ]; then user=--user=root; fi
if [ ! -d '{0}/data/mysql' ]; then
  mariadb-install-db --no-defaults --datadir='{0}/data' $user \
    --auth-root-authentication-method=normal --skip-test-db >'{0}/install.log' 2>&1
fi
mariadbd --no-defaults --datadir='{0}/data' --socket='{0}/mariadb.sock' --port={1} \
  --bind-address=127.0.0.1 --pid-file='{0}/mariadb.pid' $user \
  --log-bin='{0}/data/binlog' --binlog-format=ROW --server-id=1 \
  --innodb-buffer-pool-size=1G --innodb-log-file-size=512M \
  --innodb-flush-log-at-trx-commit=2 --max-allowed-packet=64M \
  --skip-name-resolve --log-error='{0}/error.log' </dev/null >'{0}/server.out' 2>&1 &
for i in $(seq 1 300); do
  if mariadb --no-defaults --socket='{0}/mariadb.sock' -uroot -e 'SELECT 1' >/dev/null 2>&1; then break; fi
  sleep 0.1
done
mariadb --no-defaults --socket='{0}/mariadb.sock' -uroot -e "
  CREATE USER IF NOT EXISTS 'weir'@'%' IDENTIFIED BY 'weir';
  GRANT ALL PRIVILEGES ON *.* TO 'weir'@'%'; FLUSH PRIVILEGES;")sh",
      s.dir, s.port);
  if (std::system(cmd.c_str()) != 0) {
    Die(fmt::format("MariaDB did not start; see {}/error.log", s.dir));
  }
}

void StopServer(const Server& s) {
  const std::string cmd = fmt::format(
      "p=$(cat '{0}/mariadb.pid' 2>/dev/null) && kill $p && "
      "for i in $(seq 1 100); do kill -0 $p 2>/dev/null || break; sleep 0.1; "
      "done",
      s.dir);
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "stop failed\n");
}

MYSQL* Connect(const Server& s) {
  MYSQL* m = mysql_init(nullptr);
  if (!mysql_real_connect(m, "127.0.0.1", "weir", "weir", nullptr,
                          static_cast<unsigned>(s.port), nullptr, 0)) {
    Die(fmt::format("connect: {}", mysql_error(m)));
  }
  return m;
}

void Exec(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    Die(fmt::format("{}: {}", sql.substr(0, 200), mysql_error(m)));
  }
  if (MYSQL_RES* r = mysql_store_result(m)) mysql_free_result(r);
}

/// The first row of `sql`'s result, NULL cells as "".
std::vector<std::string> QueryRow(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    Die(fmt::format("{}: {}", sql, mysql_error(m)));
  }
  MYSQL_RES* r = mysql_store_result(m);
  std::vector<std::string> out;
  if (r == nullptr) return out;
  if (MYSQL_ROW row = mysql_fetch_row(r)) {
    for (unsigned i = 0; i < mysql_num_fields(r); ++i)
      out.push_back(row[i] ? row[i] : "");
  }
  mysql_free_result(r);
  return out;
}

// ------------------------------------------------------------------ data

constexpr char kColumns[] =
    "(id BIGINT PRIMARY KEY, a INT NOT NULL, name VARCHAR(64) NOT NULL, "
    "amount DECIMAL(12,2), ts DATETIME(6), note TEXT)";

/// Column `a` of row `id` (both tables): what the checks sum.
int64_t ValueA(int64_t id) { return (id * 7919) % 1000003 - 500000; }

/// Row `id` as a SQL tuple: a realistic mix, names 14 to 50 bytes, every
/// tenth note NULL.
std::string RowTuple(int64_t id) {
  const int64_t s = id % (28 * 86400);
  std::string note = "NULL";
  if (id % 10 != 0) {
    note = fmt::format("'note {} {}'", id,
                       std::string(static_cast<size_t>(20 + id % 60), 'n'));
  }
  return fmt::format(
      "({},{},'customer-{:x}{}',{}.{:02},'2026-02-{:02} {:02}:{:02}:{:02}."
      "{:06}',{})",
      id, ValueA(id), (id * 2654435761) & 0xffffffff,
      std::string(static_cast<size_t>(id % 24), 'x'), (id * 37) % 10000000,
      id % 100, 1 + s / 86400, s / 3600 % 24, s / 60 % 60, s % 60,
      (id * 13) % 1000000, note);
}

void Fill(MYSQL* m, const std::string& table, int64_t first, int64_t count) {
  for (int64_t i = 0; i < count; i += kStatementRows) {
    std::string sql = fmt::format("INSERT INTO {}.{} VALUES ", kDatabase, table);
    for (int64_t j = i; j < std::min(count, i + kStatementRows); ++j) {
      if (j > i) sql += ',';
      sql += RowTuple(first + j);
    }
    Exec(m, sql);
  }
}

/// The binlog workload: ids 1..inserts inserted; 1..updates updated (a+1,
/// name and amount changed); the last `deletes` ids deleted.
struct Workload {
  int64_t inserts = 0, updates = 0, deletes = 0;
  std::string file;  // the binlog file holding exactly these changes
  int64_t changes() const { return inserts + updates + deletes; }
};

Workload WriteWorkload(MYSQL* m, int64_t changes) {
  Workload w;
  w.updates = changes / 5;
  w.deletes = changes / 5;
  w.inserts = changes - w.updates - w.deletes;
  Exec(m, "FLUSH BINARY LOGS");
  w.file = QueryRow(m, "SHOW MASTER STATUS").at(0);
  Fill(m, "changes", 1, w.inserts);
  for (int64_t i = 0; i < w.updates; i += kStatementRows) {
    Exec(m, fmt::format(
                "UPDATE {}.changes SET a = a + 1, name = CONCAT(name, 'u'), "
                "amount = amount + 1 WHERE id BETWEEN {} AND {}",
                kDatabase, i + 1, std::min(w.updates, i + kStatementRows)));
  }
  const int64_t first_deleted = w.inserts - w.deletes + 1;
  for (int64_t i = first_deleted; i <= w.inserts; i += kStatementRows) {
    Exec(m, fmt::format("DELETE FROM {}.changes WHERE id BETWEEN {} AND {}",
                        kDatabase, i, std::min(w.inserts, i + kStatementRows - 1)));
  }
  Exec(m, "FLUSH BINARY LOGS");  // the file is closed: a reader stops at it
  return w;
}

// ------------------------------------------------------------------ runs

struct RunResult {
  double seconds = 0;
  double cpu = 0;       // CPU seconds of the side (Weir: this process)
  int64_t changes = 0;  // row changes (an update counts once)
  int64_t bytes = 0;    // reference: cell or output bytes
};

/// What a Weir run returned, folded: count, sum of id, sum of a per kind.
struct Tally {
  int64_t count[4] = {0, 0, 0, 0};
  __int128 id_sum[4] = {0, 0, 0, 0};
  __int128 a_sum[4] = {0, 0, 0, 0};

  void Add(const Batch& b) {
    const int64_t* id = b.column(0).ints();
    const int64_t* a = b.column(1).ints();
    for (size_t r = 0; r < b.num_rows(); ++r) {
      const int k = static_cast<int>(b.change(r));
      ++count[k];
      id_sum[k] += id[r];
      a_sum[k] += a[r];
    }
  }
  int64_t changes() const {
    return count[0] + count[1] + count[2];  // +I, -D, -U (+U pairs a -U)
  }
};

__int128 IdSum(int64_t first, int64_t last) {
  return (static_cast<__int128>(first) + last) * (last - first + 1) / 2;
}
__int128 ASum(int64_t first, int64_t last) {
  __int128 s = 0;
  for (int64_t id = first; id <= last; ++id) s += ValueA(id);
  return s;
}

std::string CdcTableSql(const Server& s, const std::string& table,
                        const std::string& extra) {
  return fmt::format(
      "CREATE TABLE {0} WITH (connector = 'mysql-cdc', host = '127.0.0.1', "
      "port = {1}, user = 'weir', password = 'weir', database = '{2}', "
      "table = '{0}'{3});",
      table, s.port, kDatabase, extra);
}

/// Opens the source of `create` (a session's CREATE TABLE, untimed) and
/// times it from OpenCdcSource until `tally` holds `target` changes.
struct Prepared {
  std::shared_ptr<const weir::types::Schema> schema;
  mysql::CdcSourceConfig config;
};

/// What the runtime does when a query starts (untimed): the table declared
/// in a session, its columns read from the server, the source's options.
Prepared Prepare(const std::string& create, const std::string& table) {
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  if (!session.ok()) Die(std::string(session.status().message()));
  absl::Status st = (*session)->ExecuteScript(
      create, [](const weir::StatementResult&) {});
  if (!st.ok()) Die(std::string(st.message()));
  const weir::catalog::Entry* entry = (*session)->catalog().Find(table);
  auto config = mysql::PrepareCdcSource(*entry);
  if (!config.ok()) Die(std::string(config.status().message()));
  return {std::make_shared<const weir::types::Schema>(entry->schema), *config};
}

RunResult RunWeir(const std::string& create, const std::string& table,
                  int64_t target, Tally* tally) {
  Prepared p = Prepare(create, table);
  const std::shared_ptr<const weir::types::Schema>& schema = p.schema;
  auto* config = &p.config;

  const double cpu0 = ProcessCpuSeconds();
  const Clock::time_point t0 = Clock::now();
  auto source = mysql::OpenCdcSource(*config, schema, 0, 1);
  if (!source.ok()) Die(std::string(source.status().message()));
  // As the executor steps a source task: again at once after rows, else
  // after a backoff of 1 ms doubling to 10 ms (executor.h).
  std::chrono::microseconds backoff{0};
  while (tally->changes() < target) {
    Batch batch(schema);
    absl::StatusOr<size_t> n = (*source)->Next(&batch, kBatchRows);
    if (!n.ok()) Die(std::string(n.status().message()));
    if (*n == 0) {
      backoff = backoff.count() == 0 ? kMinBackoff
                                     : std::min(backoff * 2, kMaxBackoff);
      std::this_thread::sleep_for(backoff);
      continue;
    }
    backoff = std::chrono::microseconds(0);
    tally->Add(batch);
  }
  RunResult r;
  r.seconds = SecondsSince(t0);
  r.cpu = ProcessCpuSeconds() - cpu0;
  r.changes = tally->changes();
  source->reset();  // stops the client thread (not timed)
  return r;
}

/// Runs `argv` with stdout to /dev/null; wall and CPU seconds of the child.
RunResult RunProcess(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const Clock::time_point t0 = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout)) _exit(126);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) Die("wait4 failed");
  RunResult r;
  r.seconds = SecondsSince(t0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die(fmt::format("{} failed (status {})", argv[0], status));
  }
  r.cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
          usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  return r;
}

/// SELECT * through the C API, every cell's length touched.
RunResult RunSelect(const Server& s, int64_t expected_rows) {
  const double cpu0 = ProcessCpuSeconds();
  const Clock::time_point t0 = Clock::now();
  MYSQL* m = Connect(s);
  const std::string sql = fmt::format("SELECT * FROM {}.snap", kDatabase);
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) Die(mysql_error(m));
  MYSQL_RES* res = mysql_use_result(m);
  if (res == nullptr) Die(mysql_error(m));
  const unsigned fields = mysql_num_fields(res);
  RunResult r;
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    (void)row;
    const unsigned long* lengths = mysql_fetch_lengths(res);
    for (unsigned i = 0; i < fields; ++i) r.bytes += static_cast<int64_t>(lengths[i]);
    ++r.changes;
  }
  if (mysql_errno(m) != 0) Die(mysql_error(m));
  mysql_free_result(res);
  mysql_close(m);
  r.seconds = SecondsSince(t0);
  r.cpu = ProcessCpuSeconds() - cpu0;
  if (r.changes != expected_rows) {
    Die(fmt::format("SELECT * returned {} rows, not {}", r.changes, expected_rows));
  }
  return r;
}

/// SELECT * through the C API as RunSelect, each cell converted with the
/// snapshot's own ValueFromText into 1024-row batches: the source's
/// per-cell work without its row copies and chunk queries (shown only).
RunResult RunSelectConvert(const Server& s, const Prepared& p, Tally* tally) {
  const std::vector<mysql::ColumnTarget> targets =
      mysql::TargetsFor(p.config.mysql);
  const double cpu0 = ProcessCpuSeconds();
  const Clock::time_point t0 = Clock::now();
  MYSQL* m = Connect(s);
  const std::string sql = fmt::format("SELECT * FROM {}.snap", kDatabase);
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) Die(mysql_error(m));
  MYSQL_RES* res = mysql_use_result(m);
  if (res == nullptr) Die(mysql_error(m));
  auto batch = std::make_unique<Batch>(p.schema);
  auto flush = [&] {
    tally->Add(*batch);
    batch = std::make_unique<Batch>(p.schema);
  };
  RunResult r;
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    for (size_t i = 0; i < targets.size(); ++i) {
      absl::StatusOr<weir::types::Value> v = mysql::ValueFromText(
          targets[i], row[i] ? std::optional<std::string_view>(
                                   std::string_view(row[i], lengths[i]))
                             : std::nullopt);
      if (!v.ok()) Die(std::string(v.status().message()));
      batch->column(i).Append(*v);
    }
    batch->SetNumRows(batch->num_rows() + 1);
    if (batch->num_rows() == kBatchRows) flush();
  }
  flush();
  if (mysql_errno(m) != 0) Die(mysql_error(m));
  mysql_free_result(res);
  mysql_close(m);
  r.seconds = SecondsSince(t0);
  r.cpu = ProcessCpuSeconds() - cpu0;
  r.changes = tally->changes();
  return r;
}

// ------------------------------------------------------------ reporting

struct Side {
  Side(std::string n, std::function<RunResult()> r)
      : name(std::move(n)), run(std::move(r)) {}
  std::string name;
  std::function<RunResult()> run;
  std::vector<double> seconds, cpu;
  int64_t changes = 0;
};

void PrintRow(const std::string& round, const Side& side, const RunResult& r) {
  std::printf("%-8s %-26s %10lld %9.3f %11.0f %8.2f\n", round.c_str(),
              side.name.c_str(), static_cast<long long>(r.changes), r.seconds,
              r.changes / r.seconds, r.cpu);
  std::fflush(stdout);
}

/// Alternates the sides' order (reversed every other round); prints each
/// run and the medians; returns the median seconds per side.
std::vector<double> Rounds(std::vector<Side>& sides, int repeats) {
  std::printf("%-8s %-26s %10s %9s %11s %8s\n", "round", "side", "changes",
              "seconds", "changes/s", "cpu s");
  for (int round = 1; round <= repeats; ++round) {
    for (size_t i = 0; i < sides.size(); ++i) {
      Side& side = sides[round % 2 == 1 ? i : sides.size() - 1 - i];
      RunResult r = side.run();
      side.seconds.push_back(r.seconds);
      side.cpu.push_back(r.cpu);
      side.changes = r.changes;
      PrintRow(std::to_string(round), side, r);
    }
  }
  std::vector<double> medians;
  for (const Side& side : sides) {
    RunResult m;
    m.seconds = Median(side.seconds);
    m.cpu = Median(side.cpu);
    m.changes = side.changes;
    PrintRow("median", side, m);
    medians.push_back(m.seconds);
  }
  return medians;
}

void PrintRatio(const char* what, const std::vector<double>& medians,
                const std::vector<Side>& sides, double goal) {
  if (medians.size() < 2) return;
  const double ratio = medians[1] / medians[0];  // rate ratio = time ratio^-1
  std::string rounds;
  for (size_t i = 0; i < sides[0].seconds.size(); ++i) {
    rounds += fmt::format(" {:.2f}x", sides[1].seconds[i] / sides[0].seconds[i]);
  }
  std::printf("%s: per round%s; CPU median weir %.2f s, %s %.2f s\n", what,
              rounds.c_str(), Median(sides[0].cpu), sides[1].name.c_str(),
              Median(sides[1].cpu));
  std::printf("%s: weir rate / %s rate = %.2fx (goal >= %.1fx: %s)\n\n", what,
              sides[1].name.c_str(), ratio, goal, ratio >= goal ? "met" : "NOT met");
}

void CheckStream(const Tally& t, const Workload& w) {
  const int64_t last_deleted = w.inserts;
  const int64_t first_deleted = w.inserts - w.deletes + 1;
  const int kI = 0, kD = 1, kUb = 2, kUa = 3;
  const bool ok =
      t.count[kI] == w.inserts && t.count[kD] == w.deletes &&
      t.count[kUb] == w.updates && t.count[kUa] == w.updates &&
      t.id_sum[kI] == IdSum(1, w.inserts) &&
      t.id_sum[kD] == IdSum(first_deleted, last_deleted) &&
      t.id_sum[kUb] == IdSum(1, w.updates) && t.id_sum[kUa] == IdSum(1, w.updates) &&
      t.a_sum[kI] == ASum(1, w.inserts) && t.a_sum[kUb] == ASum(1, w.updates) &&
      t.a_sum[kUa] == ASum(1, w.updates) + w.updates &&
      t.a_sum[kD] == ASum(first_deleted, last_deleted);
  if (!ok) {
    Die(fmt::format("the stream's changes are wrong: +I {} -D {} -U {} +U {} "
                    "(expected {} {} {} {}) or their sums differ",
                    t.count[kI], t.count[kD], t.count[kUb], t.count[kUa],
                    w.inserts, w.deletes, w.updates, w.updates));
  }
}

void CheckSnapshot(const Tally& t, int64_t rows) {
  if (t.count[0] != rows || t.changes() != rows || t.id_sum[0] != IdSum(1, rows) ||
      t.a_sum[0] != ASum(1, rows)) {
    Die(fmt::format("the snapshot is wrong: {} rows of {}, or their sums differ",
                    t.count[0], rows));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  const char* usage =
      "usage: cdc_bench [--changes N] [--rows N] [--repeats N] [--port P] "
      "[--chunk N] [--charset CS] [--only stream|snapshot] [--weir-only] [--keep DIR]";
  weir::bench::FlagReader flags(argc, argv);
  while (flags.Next()) {
    if (const char* v = flags.Value("--changes")) {
      args.changes = std::atoll(v);
    } else if (const char* v = flags.Value("--rows")) {
      args.rows = std::atoll(v);
    } else if (const char* v = flags.Value("--repeats")) {
      args.repeats = std::atoi(v);
    } else if (const char* v = flags.Value("--port")) {
      args.port = std::atoi(v);
    } else if (const char* v = flags.Value("--chunk")) {
      args.chunk = std::atoll(v);
    } else if (const char* v = flags.Value("--charset")) {
      args.charset = v;
    } else if (const char* v = flags.Value("--only")) {
      args.only = v;
    } else if (const char* v = flags.Value("--keep")) {
      args.keep = v;
    } else if (std::strcmp(flags.current(), "--weir-only") == 0) {
      args.weir_only = true;
    } else {
      Die(usage);
    }
  }
  if (args.changes < 5 || args.rows < 1 || args.repeats < 1) Die(usage);

  Server server;
  server.port = args.port;
  if (args.keep.empty()) {
    char tmpl[] = "/tmp/weir-cdcbench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
    server.dir = tmpl;
  } else {
    server.dir = args.keep;
    if (std::system(("mkdir -p '" + server.dir + "'").c_str()) != 0) Die("mkdir");
  }
  std::printf("cdc_bench: MariaDB on 127.0.0.1:%d in %s; load average %s\n",
              server.port, server.dir.c_str(), LoadAverage().c_str());
  g_started = &server;
  StartServer(server);
  MYSQL* m = Connect(server);
  std::printf("server %s\n", mysql_get_server_info(m));

  const Clock::time_point setup = Clock::now();
  Exec(m, fmt::format("DROP DATABASE IF EXISTS {}", kDatabase));
  Exec(m, fmt::format("CREATE DATABASE {}", kDatabase));
  const std::string charset =
      args.charset.empty() ? "" : " DEFAULT CHARSET=" + args.charset;
  Exec(m, fmt::format("CREATE TABLE {}.snap {}{}", kDatabase, kColumns, charset));
  Exec(m, fmt::format("CREATE TABLE {}.changes {}{}", kDatabase, kColumns,
                      charset));
  std::printf("tables: bench.snap and bench.changes %s, charset %s\n",
              kColumns,
              QueryRow(m, "SELECT CCSA.CHARACTER_SET_NAME FROM "
                          "information_schema.TABLES T JOIN information_schema."
                          "COLLATION_CHARACTER_SET_APPLICABILITY CCSA ON "
                          "CCSA.COLLATION_NAME = T.TABLE_COLLATION WHERE "
                          "T.TABLE_SCHEMA = 'bench' AND T.TABLE_NAME = 'snap'")
                  .at(0)
                  .c_str());
  if (args.only != "stream") Fill(m, "snap", 1, args.rows);
  Workload w;
  if (args.only != "snapshot") w = WriteWorkload(m, args.changes);
  std::printf("setup (not timed): %.1f s; load average %s\n\n",
              SecondsSince(setup), LoadAverage().c_str());

  int round_id = 0;  // a server-id per Weir run
  if (args.only != "snapshot") {
    std::printf(
        "stream: %lld row changes (%lld inserts, %lld updates, %lld deletes) "
        "in %s.\n  weir: mysql-cdc source from %s:4, OpenCdcSource until the "
        "last change is in a batch (client thread + Next, %zu-row batches, the executor's idle backoff)\n"
        "  mariadb-binlog remote: --read-from-remote-server --verbose %s > "
        "/dev/null (process wall time)\n  mariadb-binlog file: --verbose "
        "data/%s > /dev/null (shown only)\n",
        static_cast<long long>(w.changes()), static_cast<long long>(w.inserts),
        static_cast<long long>(w.updates), static_cast<long long>(w.deletes),
        w.file.c_str(), w.file.c_str(), kBatchRows, w.file.c_str(),
        w.file.c_str());
    std::vector<Side> sides;
    sides.push_back({"weir mysql-cdc", [&] {
                       Tally t;
                       RunResult r = RunWeir(
                           CdcTableSql(server, "changes",
                                       fmt::format(", 'scan.startup.mode' = "
                                                   "'binlog-position', "
                                                   "'scan.startup.binlog-file' = "
                                                   "'{}', 'scan.startup.binlog-"
                                                   "position' = 4, 'server-id' "
                                                   "= {}",
                                                   w.file, 1000 + ++round_id)),
                           "changes", w.changes(), &t);
                       CheckStream(t, w);
                       return r;
                     }});
    if (!args.weir_only) {
      sides.push_back({"mariadb-binlog remote", [&] {
                         RunResult r = RunProcess(
                             {"mariadb-binlog", "--no-defaults",
                              "--read-from-remote-server", "--host=127.0.0.1",
                              fmt::format("--port={}", server.port),
                              "--user=weir", "--password=weir", "--verbose",
                              w.file});
                         r.changes = w.changes();
                         return r;
                       }});
      sides.push_back({"mariadb-binlog file", [&] {
                         RunResult r = RunProcess(
                             {"mariadb-binlog", "--no-defaults", "--verbose",
                              server.datadir() + "/" + w.file});
                         r.changes = w.changes();
                         return r;
                       }});
    }
    PrintRatio("stream", Rounds(sides, args.repeats), sides, 1.0);
  }

  if (args.only != "stream") {
    std::printf(
        "snapshot: %lld rows of bench.snap.\n  weir: mysql-cdc source in "
        "mode 'initial' (chunk-size %lld), OpenCdcSource until the last "
        "snapshot row is in a batch\n  C API SELECT *: connect, "
        "mysql_real_query + mysql_use_result + mysql_fetch_row + "
        "mysql_fetch_lengths of every cell\n  C API + ValueFromText (shown only): the same, each cell converted by the snapshot's ValueFromText into 1024-row batches\n",
        static_cast<long long>(args.rows), static_cast<long long>(args.chunk));
    std::vector<Side> sides;
    sides.push_back({"weir mysql-cdc snapshot", [&] {
                       Tally t;
                       RunResult r = RunWeir(
                           CdcTableSql(server, "snap",
                                       fmt::format(", 'server-id' = {}, "
                                                   "'scan.snapshot.chunk-size' = {}",
                                                   1000 + ++round_id, args.chunk)),
                           "snap", args.rows, &t);
                       CheckSnapshot(t, args.rows);
                       return r;
                     }});
    if (!args.weir_only) {
      sides.push_back({"C API SELECT *", [&] { return RunSelect(server, args.rows); }});
      sides.push_back({"C API + ValueFromText", [&] {
                         Tally t;
                         RunResult r = RunSelectConvert(
                             server,
                             Prepare(CdcTableSql(server, "snap", ""), "snap"),
                             &t);
                         CheckSnapshot(t, args.rows);
                         return r;
                       }});
    }
    PrintRatio("snapshot", Rounds(sides, args.repeats), sides, 0.8);
  }
  std::printf("load average at the end %s\n", LoadAverage().c_str());
  mysql_close(m);
  g_started = nullptr;
  StopServer(server);
  if (args.keep.empty()) {
    if (std::system(("rm -rf '" + server.dir + "'").c_str()) != 0) {
      std::fprintf(stderr, "could not remove %s\n", server.dir.c_str());
    }
  }
  return 0;
}
