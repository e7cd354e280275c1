// The MySQL sink against a hand-written batched upsert through the C API,
// on the same MariaDB in the same run (a server already running on
// --port, user weir/weir, e.g. `scripts/mariadb.sh start DIR PORT`).
//
// The workload: --changes row changes of a table (k BIGINT key, n BIGINT,
// s VARCHAR) spread over --keys keys, in --checkpoints equal spans, each
// change an update-after (+U) of its key. Built in memory first (not
// timed), as Weir batches of 1024 rows.
//
// Timed, each from an empty table, one side after another (--sides, in
// an order rotated and reversed from round to round):
//  weir:     Weir's sink: one task's exec::Sink::Write of every batch,
//            with PrepareCheckpoint + the committer's CommitCheckpoint at
//            each span's end (what the runtime calls), so every change
//            reaches MySQL;
//  ref:      per span, one transaction of multi-row
//            `INSERT ... ON DUPLICATE KEY UPDATE` of every change, 1000
//            rows a statement, text through mysql_real_escape_string;
//  ref-hex:  the same with text as _utf8mb4 X'..' literals (how the sink
//            wrote it up to 2026-12-05);
//  ref-big:  the same as ref with --big-rows rows a statement;
//  ref-bulk: per span, one transaction of one prepared
//            `INSERT ... ON DUPLICATE KEY UPDATE` executed with MariaDB's
//            array binding, 1000 rows an execution, values in binary.
// Every side's table is compared with the first one's (row count and
// checksums). Reported per side: seconds, changes/s, the client's CPU
// (this process) and the server's (mariadbd, from /proc when it runs on
// this machine), and the ratio to the fastest hand-written side (goal for
// weir >= 1.0x; with --keys < --changes the sink's per-key compaction
// writes fewer rows). Not a test: no thresholds.
//
//   sink_bench [--port 33111] [--changes 1000000] [--keys 1000000]
//              [--checkpoints 10] [--repeats 3]
//              [--sides weir,ref,ref-bulk] [--big-rows 10000]

#include <mysql.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/bench_util.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/mysql_sink.h"
#include "engine/types/batch.h"
#include "fmt/format.h"

namespace {

namespace mysql = weir::connectors::mysql;
using weir::bench::BenchClock;
using weir::bench::Median;
using weir::bench::PidCpuSeconds;
using weir::bench::SecondsSince;
using weir::types::Batch;
using weir::types::ChangeKind;
using weir::types::LogicalType;

constexpr size_t kBatchRows = 1024;
constexpr int kStatementRows = 1000;

struct Args {
  int port = 33111;
  int64_t changes = 1'000'000;
  int64_t keys = 1'000'000;
  int checkpoints = 10;
  int repeats = 3;
  int big_rows = 10000;  // statement size of the ref-big side
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "sink_bench: %s\n", what.c_str());
  std::exit(1);
}

mysql::ConnectionOptions Server(const Args& a) {
  mysql::ConnectionOptions o;
  o.port = a.port;
  o.user = "weir";
  o.password = "weir";
  o.database = "bench_sink";
  return o;
}

void Exec(mysql::Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  if (!r.ok()) Fail(std::string(r.status().message()));
}

std::string One(mysql::Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  if (!r.ok() || r->empty() || !(*r)[0][0]) Fail(sql);
  return *(*r)[0][0];
}

/// Change i: key i % keys, n = i, s = "v<i>'\\" (and more, see below).
std::vector<Batch> Workload(const Args& a,
                            std::shared_ptr<const weir::types::Schema> schema) {
  std::vector<Batch> batches;
  for (int64_t i = 0; i < a.changes;) {
    Batch b(schema);
    std::vector<ChangeKind> kinds;
    for (size_t r = 0; r < kBatchRows && i < a.changes; ++r, ++i) {
      b.column(0).AppendInt(i % a.keys);
      b.column(1).AppendInt(i);
      // Every 1000th also the bytes that need escaping and a 4-byte
      // character: the tables' comparison checks the sink's escaping
      // against mysql_real_escape_string's.
      b.column(2).AppendString(
          i % 1000 == 7
              ? fmt::format("v{}'\\\"{}\n\r\x1a`\U0001F600 ", i,
                            std::string_view("\0", 1))
              : fmt::format("v{}'\\", i));
      kinds.push_back(ChangeKind::kUpdateAfter);
    }
    b.SetNumRows(kinds.size());
    b.SetChanges(std::move(kinds));
    batches.push_back(std::move(b));
  }
  return batches;
}

std::string Checksum(mysql::Connection& c, const std::string& table) {
  return One(c, "SELECT CONCAT(COUNT(*), '/', SUM(n), '/', "
                "SUM(CRC32(s)), '/', SUM(k)) FROM bench_sink." + table);
}

/// Seconds of readying the table (PrepareMySqlSink), of the Write calls
/// and of the checkpoints (PrepareCheckpoint + CommitCheckpoint) in the
/// last RunWeir.
double g_prepare_seconds = 0;
double g_write_seconds = 0;
double g_commit_seconds = 0;

double RunWeir(const Args& a, const std::vector<Batch>& batches,
               std::shared_ptr<const weir::types::Schema> schema) {
  weir::catalog::Entry entry;
  entry.name = "bench";
  entry.kind = weir::catalog::EntryKind::kSink;
  entry.schema = *schema;
  entry.key = {0};
  entry.append_only = false;
  entry.connector = "mysql";
  entry.options = {{"host", "127.0.0.1"},
                   {"port", std::to_string(a.port)},
                   {"user", "weir"},
                   {"password", "weir"},
                   {"database", "bench_sink"},
                   {"table", "weir_side"}};
  const auto start = BenchClock::now();
  auto config = mysql::PrepareMySqlSink(entry);
  if (!config.ok()) Fail(std::string(config.status().message()));
  g_prepare_seconds = SecondsSince(start);
  auto shared = std::make_shared<const mysql::MySqlSinkConfig>(*config);
  std::shared_ptr<weir::exec::SinkCommitter> committer;
  auto sink = mysql::OpenMySqlSink(shared, schema, &committer);
  if (!sink.ok()) Fail(std::string(sink.status().message()));
  const size_t per_span =
      (batches.size() + static_cast<size_t>(a.checkpoints) - 1) /
      static_cast<size_t>(a.checkpoints);
  uint64_t id = 0;
  g_write_seconds = 0;
  g_commit_seconds = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    const auto write_start = BenchClock::now();
    if (absl::Status st = (*sink)->Write(batches[i]); !st.ok())
      Fail(std::string(st.message()));
    g_write_seconds += SecondsSince(write_start);
    if ((i + 1) % per_span == 0 || i + 1 == batches.size()) {
      const auto commit_start = BenchClock::now();
      ++id;
      if (!(*sink)->PrepareCheckpoint(id, std::chrono::seconds(1)).ok() ||
          !committer->CommitCheckpoint(id).ok())
        Fail("checkpoint failed");
      committer->CheckpointDone(id);
      g_commit_seconds += SecondsSince(commit_start);
    }
  }
  return SecondsSince(start);
}

/// How the reference spells a text value.
enum class RefText {
  kEscaped,  // '...' through mysql_real_escape_string (what users write)
  kHex,      // _utf8mb4 X'..' (how the sink spelled it up to 2026-12-05)
};

void AppendHexText(std::string_view s, std::string* out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  out->append("_utf8mb4 X'");
  for (unsigned char c : s) {
    out->push_back(kDigits[c >> 4]);
    out->push_back(kDigits[c & 15]);
  }
  out->push_back('\'');
}

/// A reference's connection (utf8mb4, the bench database), timed with it.
MYSQL* ConnectReference(const Args& a) {
  MYSQL* m = mysql_init(nullptr);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(m, "127.0.0.1", "weir", "weir", "bench_sink",
                          static_cast<unsigned>(a.port), nullptr, 0))
    Fail(mysql_error(m));
  return m;
}

double RunReference(const Args& a, const std::vector<Batch>& batches,
                    RefText text, int statement_rows) {
  const auto start = BenchClock::now();
  MYSQL* m = ConnectReference(a);
  auto q = [&](const std::string& sql) {
    if (mysql_real_query(m, sql.data(), sql.size()) != 0) Fail(mysql_error(m));
  };
  const size_t per_span =
      (batches.size() + static_cast<size_t>(a.checkpoints) - 1) /
      static_cast<size_t>(a.checkpoints);
  std::string sql;
  std::string escaped;
  int rows = 0;
  auto flush = [&] {
    if (rows == 0) return;
    sql += " ON DUPLICATE KEY UPDATE n=VALUES(n), s=VALUES(s)";
    q(sql);
    sql.clear();
    rows = 0;
  };
  q("START TRANSACTION");
  for (size_t i = 0; i < batches.size(); ++i) {
    const Batch& b = batches[i];
    for (size_t r = 0; r < b.num_rows(); ++r) {
      sql += rows == 0 ? "INSERT INTO ref_side (k, n, s) VALUES (" : ",(";
      sql += std::to_string(b.column(0).ints()[r]);
      sql += ',';
      sql += std::to_string(b.column(1).ints()[r]);
      sql += ',';
      const std::string_view s = b.column(2).StringAt(r);
      if (text == RefText::kHex) {
        AppendHexText(s, &sql);
      } else {
        escaped.resize(s.size() * 2 + 1);
        escaped.resize(mysql_real_escape_string(m, escaped.data(), s.data(),
                                                s.size()));
        sql += '\'';
        sql += escaped;
        sql += '\'';
      }
      sql += ')';
      if (++rows == statement_rows) flush();
    }
    if ((i + 1) % per_span == 0 || i + 1 == batches.size()) {
      flush();
      q("COMMIT");
      if (i + 1 != batches.size()) q("START TRANSACTION");
    }
  }
  mysql_close(m);
  return SecondsSince(start);
}

/// The reference through MariaDB's bulk array binding: one prepared
/// `INSERT ... ON DUPLICATE KEY UPDATE` executed with arrays of
/// --statement rows (COM_STMT_BULK_EXECUTE), values sent in binary, no
/// escaping; one transaction per span.
double RunReferenceBulk(const Args& a, const std::vector<Batch>& batches) {
  const auto start = BenchClock::now();
  MYSQL* m = ConnectReference(a);
  auto q = [&](const std::string& sql) {
    if (mysql_real_query(m, sql.data(), sql.size()) != 0) Fail(mysql_error(m));
  };
  MYSQL_STMT* stmt = mysql_stmt_init(m);
  const std::string insert =
      "INSERT INTO ref_side (k, n, s) VALUES (?, ?, ?) ON DUPLICATE KEY "
      "UPDATE n=VALUES(n), s=VALUES(s)";
  if (mysql_stmt_prepare(stmt, insert.data(), insert.size()) != 0)
    Fail(mysql_stmt_error(stmt));
  std::vector<long long> k, n;
  std::vector<const char*> s;
  std::vector<unsigned long> s_length;
  auto flush = [&] {
    if (k.empty()) return;
    unsigned int size = static_cast<unsigned int>(k.size());
    mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &size);
    MYSQL_BIND bind[3];
    std::memset(bind, 0, sizeof bind);
    bind[0].buffer_type = MYSQL_TYPE_LONGLONG;
    bind[0].buffer = k.data();
    bind[1].buffer_type = MYSQL_TYPE_LONGLONG;
    bind[1].buffer = n.data();
    bind[2].buffer_type = MYSQL_TYPE_STRING;
    bind[2].buffer = s.data();
    bind[2].length = s_length.data();
    if (mysql_stmt_bind_param(stmt, bind) != 0 ||
        mysql_stmt_execute(stmt) != 0)
      Fail(mysql_stmt_error(stmt));
    k.clear();
    n.clear();
    s.clear();
    s_length.clear();
  };
  const size_t per_span =
      (batches.size() + static_cast<size_t>(a.checkpoints) - 1) /
      static_cast<size_t>(a.checkpoints);
  q("START TRANSACTION");
  for (size_t i = 0; i < batches.size(); ++i) {
    const Batch& b = batches[i];
    for (size_t r = 0; r < b.num_rows(); ++r) {
      k.push_back(b.column(0).ints()[r]);
      n.push_back(b.column(1).ints()[r]);
      const std::string_view v = b.column(2).StringAt(r);
      s.push_back(v.data());
      s_length.push_back(static_cast<unsigned long>(v.size()));
      if (k.size() == static_cast<size_t>(kStatementRows)) flush();
    }
    if ((i + 1) % per_span == 0 || i + 1 == batches.size()) {
      flush();
      q("COMMIT");
      if (i + 1 != batches.size()) q("START TRANSACTION");
    }
  }
  mysql_stmt_close(stmt);
  mysql_close(m);
  return SecondsSince(start);
}

/// The server's process id, from its pid file (same machine), else 0.
int ServerPid(mysql::Connection& c) {
  auto r = c.Query("SELECT @@pid_file");
  if (!r.ok() || r->empty() || !(*r)[0][0]) return 0;
  std::ifstream in(*(*r)[0][0]);
  int pid = 0;
  in >> pid;
  return pid;
}

struct Side {
  std::string name;
  std::vector<double> seconds, client_cpu, server_cpu;
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::string sides = "weir,ref,ref-bulk";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int64_t v = std::atoll(argv[i + 1]);
    if (k == "--port") a.port = static_cast<int>(v);
    else if (k == "--changes") a.changes = v;
    else if (k == "--keys") a.keys = v;
    else if (k == "--checkpoints") a.checkpoints = static_cast<int>(v);
    else if (k == "--repeats") a.repeats = static_cast<int>(v);
    else if (k == "--big-rows") a.big_rows = static_cast<int>(v);
    else if (k == "--sides") sides = argv[i + 1];
    else Fail("unknown option " + k);
  }
  std::vector<Side> runs;
  for (size_t at = 0; at <= sides.size();) {
    size_t comma = sides.find(',', at);
    if (comma == std::string::npos) comma = sides.size();
    const std::string name = sides.substr(at, comma - at);
    if (name != "weir" && name != "ref" && name != "ref-hex" &&
        name != "ref-big" && name != "ref-bulk")
      Fail("unknown side " + name +
           " (weir, ref, ref-hex, ref-big, ref-bulk)");
    runs.push_back({name, {}, {}, {}});
    at = comma + 1;
  }
  auto schema = std::make_shared<const weir::types::Schema>(
      std::vector<weir::types::Field>{{"k", LogicalType::Bigint(), false},
                                      {"n", LogicalType::Bigint(), true},
                                      {"s", LogicalType::Varchar(), true}});
  const std::vector<Batch> batches = Workload(a, schema);
  mysql::ConnectionOptions server = Server(a);
  server.database = "";
  auto admin = mysql::Connection::Open(server);
  if (!admin.ok()) Fail(std::string(admin.status().message()));
  Exec(**admin, "CREATE DATABASE IF NOT EXISTS bench_sink");
  const int server_pid = ServerPid(**admin);
  std::printf("sink_bench: load average %s at the start; server pid %d\n",
              weir::bench::LoadAverage().c_str(), server_pid);
  std::vector<double> prepare_s, write_s, commit_s;
  for (int round = 0; round < a.repeats; ++round) {
    // Rotate which side goes first, and reverse every other round.
    std::vector<size_t> order;
    for (size_t i = 0; i < runs.size(); ++i)
      order.push_back((i + static_cast<size_t>(round)) % runs.size());
    if (round % 2 == 1) std::reverse(order.begin(), order.end());
    std::string expected;
    for (size_t index : order) {
      Side& side = runs[index];
      const std::string table = side.name == "weir" ? "weir_side" : "ref_side";
      Exec(**admin, "DROP TABLE IF EXISTS bench_sink." + table);
      if (table == "ref_side") {
        Exec(**admin,
             "CREATE TABLE bench_sink.ref_side (k BIGINT NOT NULL PRIMARY "
             "KEY, n BIGINT, s LONGTEXT) CHARSET utf8mb4 COLLATE "
             "utf8mb4_nopad_bin");
      }
      const double cpu = weir::bench::ProcessCpuSeconds();
      const double server_cpu = PidCpuSeconds(server_pid);
      double seconds = 0;
      if (side.name == "weir") {
        seconds = RunWeir(a, batches, schema);
        prepare_s.push_back(g_prepare_seconds);
        write_s.push_back(g_write_seconds);
        commit_s.push_back(g_commit_seconds);
      } else if (side.name == "ref-bulk") {
        seconds = RunReferenceBulk(a, batches);
      } else {
        seconds = RunReference(
            a, batches,
            side.name == "ref-hex" ? RefText::kHex : RefText::kEscaped,
            side.name == "ref-big" ? a.big_rows : kStatementRows);
      }
      side.seconds.push_back(seconds);
      side.client_cpu.push_back(weir::bench::ProcessCpuSeconds() - cpu);
      side.server_cpu.push_back(PidCpuSeconds(server_pid) - server_cpu);
      const std::string sum = Checksum(**admin, table);
      if (expected.empty()) expected = sum;
      if (sum != expected)
        Fail("tables differ: " + side.name + " " + sum + ", first side " +
             expected);
      std::printf("  round %d %-8s %7.3f s  client cpu %6.3f s  server cpu "
                  "%6.3f s\n",
                  round + 1, side.name.c_str(), seconds,
                  side.client_cpu.back(), side.server_cpu.back());
      std::fflush(stdout);
    }
  }
  const double changes = static_cast<double>(a.changes);
  std::printf("changes %lld over %lld keys, %d checkpoints, median of %d "
              "rounds; load average %s at the end\n",
              static_cast<long long>(a.changes),
              static_cast<long long>(a.keys), a.checkpoints, a.repeats,
              weir::bench::LoadAverage().c_str());
  // The reference is the fastest hand-written side of the run.
  double ref_seconds = 0;
  std::string ref_name;
  for (const Side& side : runs) {
    if (side.name == "weir") continue;
    if (ref_seconds == 0 || Median(side.seconds) < ref_seconds) {
      ref_seconds = Median(side.seconds);
      ref_name = side.name;
    }
  }
  for (const Side& side : runs) {
    const double w = Median(side.seconds);
    std::printf("  %-8s %7.3f s  %8.0f changes/s  client cpu %6.3f s  "
                "server cpu %6.3f s",
                side.name.c_str(), w, changes / w, Median(side.client_cpu),
                Median(side.server_cpu));
    if (ref_seconds > 0)
      std::printf("  %.2fx of %s", ref_seconds / w, ref_name.c_str());
    std::printf("\n");
    if (side.name == "weir") {
      std::printf("           (readying the table %.3f s, Write %.3f s, "
                  "checkpoints %.3f s)\n",
                  Median(prepare_s), Median(write_s), Median(commit_s));
    }
  }
  return 0;
}
