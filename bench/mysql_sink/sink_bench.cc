// The MySQL sink against a hand-written batched upsert through the C API,
// on the same MariaDB in the same run (a server already running on
// --port, user weir/weir, e.g. `scripts/mariadb.sh start DIR PORT`).
//
// The workload: --changes row changes of a table (k BIGINT key, n BIGINT,
// s VARCHAR) spread over --keys keys, in --checkpoints equal spans, each
// change an update-after (+U) of its key. Built in memory first (not
// timed), as Weir batches of 1024 rows.
//
// Timed, each from an empty table:
//  (a) Weir's sink: one task's exec::Sink::Write of every batch, with
//      PrepareCheckpoint + the committer's CommitCheckpoint at each span's
//      end (what the runtime calls), so every change reaches MySQL;
//  (b) the reference: per span, one transaction of multi-row
//      `INSERT ... ON DUPLICATE KEY UPDATE` of every change, 1000 rows a
//      statement, text values through mysql_real_escape_string: the best
//      plain batched upsert a MySQL user writes by hand.
// Both tables are compared (row count and checksums) before the times
// count. Reported: row changes applied per second on each side and the
// ratio (goal >= 1.0x; with --keys < --changes the sink's per-key
// compaction writes fewer rows). Not a test: no thresholds.
//
//   sink_bench [--port 33111] [--changes 1000000] [--keys 1000000]
//              [--checkpoints 10] [--repeats 3]

#include <mysql.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
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

/// Change i: key i % keys, n = i, s = "v<i>'\\".
std::vector<Batch> Workload(const Args& a,
                            std::shared_ptr<const weir::types::Schema> schema) {
  std::vector<Batch> batches;
  for (int64_t i = 0; i < a.changes;) {
    Batch b(schema);
    std::vector<ChangeKind> kinds;
    for (size_t r = 0; r < kBatchRows && i < a.changes; ++r, ++i) {
      b.column(0).AppendInt(i % a.keys);
      b.column(1).AppendInt(i);
      b.column(2).AppendString(fmt::format("v{}'\\", i));
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

/// Seconds of readying the table (PrepareMySqlSink) in the last RunWeir.
double g_prepare_seconds = 0;

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
  for (size_t i = 0; i < batches.size(); ++i) {
    if (absl::Status st = (*sink)->Write(batches[i]); !st.ok())
      Fail(std::string(st.message()));
    if ((i + 1) % per_span == 0 || i + 1 == batches.size()) {
      ++id;
      if (!(*sink)->PrepareCheckpoint(id, std::chrono::seconds(1)).ok() ||
          !committer->CommitCheckpoint(id).ok())
        Fail("checkpoint failed");
      committer->CheckpointDone(id);
    }
  }
  return SecondsSince(start);
}

double RunReference(const Args& a, const std::vector<Batch>& batches) {
  const auto start = BenchClock::now();
  MYSQL* m = mysql_init(nullptr);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(m, "127.0.0.1", "weir", "weir", "bench_sink",
                          static_cast<unsigned>(a.port), nullptr, 0))
    Fail(mysql_error(m));
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
      sql += ",'";
      const std::string_view s = b.column(2).StringAt(r);
      escaped.resize(s.size() * 2 + 1);
      escaped.resize(mysql_real_escape_string(m, escaped.data(), s.data(),
                                              s.size()));
      sql += escaped;
      sql += "')";
      if (++rows == kStatementRows) flush();
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

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int64_t v = std::atoll(argv[i + 1]);
    if (k == "--port") a.port = static_cast<int>(v);
    else if (k == "--changes") a.changes = v;
    else if (k == "--keys") a.keys = v;
    else if (k == "--checkpoints") a.checkpoints = static_cast<int>(v);
    else if (k == "--repeats") a.repeats = static_cast<int>(v);
    else Fail("unknown option " + k);
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
  std::vector<double> weir_s, ref_s, prepare_s, weir_cpu, ref_cpu;
  for (int round = 0; round < a.repeats; ++round) {
    Exec(**admin, "DROP TABLE IF EXISTS bench_sink.weir_side");
    Exec(**admin, "DROP TABLE IF EXISTS bench_sink.ref_side");
    Exec(**admin,
         "CREATE TABLE bench_sink.ref_side (k BIGINT NOT NULL PRIMARY KEY, n "
         "BIGINT, s LONGTEXT) CHARSET utf8mb4 COLLATE utf8mb4_nopad_bin");
    // Alternate which side goes first.
    auto weir_side = [&] {
      const double cpu = weir::bench::ProcessCpuSeconds();
      weir_s.push_back(RunWeir(a, batches, schema));
      weir_cpu.push_back(weir::bench::ProcessCpuSeconds() - cpu);
    };
    auto ref_side = [&] {
      const double cpu = weir::bench::ProcessCpuSeconds();
      ref_s.push_back(RunReference(a, batches));
      ref_cpu.push_back(weir::bench::ProcessCpuSeconds() - cpu);
    };
    if (round % 2 == 0) {
      weir_side();
      ref_side();
    } else {
      ref_side();
      weir_side();
    }
    prepare_s.push_back(g_prepare_seconds);
    const std::string w = Checksum(**admin, "weir_side");
    const std::string r = Checksum(**admin, "ref_side");
    if (w != r) Fail("tables differ: weir " + w + ", reference " + r);
  }
  const double w = Median(weir_s), r = Median(ref_s);
  const double changes = static_cast<double>(a.changes);
  std::printf(
      "changes %lld over %lld keys, %d checkpoints, median of %d rounds\n"
      "  weir sink:          %.3f s  %.0f changes/s (readying the table: "
      "%.3f s; client CPU %.3f s)\n"
      "  C API upsert (ref): %.3f s  %.0f changes/s (client CPU %.3f s)\n"
      "  ratio weir/ref: %.2fx (goal >= 1.0x)\n",
      static_cast<long long>(a.changes), static_cast<long long>(a.keys),
      a.checkpoints, a.repeats, w, changes / w, Median(prepare_s),
      Median(weir_cpu), r, changes / r, Median(ref_cpu), r / w);
  return 0;
}
