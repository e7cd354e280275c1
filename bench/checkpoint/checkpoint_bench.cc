// What periodic checkpoints cost a stateful persistent query, and how fast
// it resumes (issue 10, "Benchmark"). The query is stateful_bench's agg1m
// (COUNT/SUM per (auction * 1000 + price) % 1000000: about 1M keys, far
// beyond the 16 MB hot-state cache) run as a persistent query with kept
// state (`state.dir`) over a bounded nexmark stream, writing to a Kafka
// topic of an embedded broker held by this process (the `blackhole`
// connector is declared but does not run yet, so a persistent query cannot
// target it).
//
// 1. Throughput: runs with `checkpoint.interval = '1s'` alternate with runs
//    of the same statements with `'24h'` (no checkpoint is ever due);
//    medians; goal >= 0.9x. Each run's checkpoints (id, duration, bytes
//    added) are read from SHOW QUERIES' checkpoint column, polled every
//    100 ms.
// 2. Recovery: the query runs with 1 s checkpoints until it has read
//    --recovery-events events and a checkpoint completed after that, is
//    stopped (TERMINATE, in a session then destroyed, as a restart of Weir
//    would), and the same statements run again in a new session against
//    the same state.dir: it resumes from its last checkpoint. Timed from
//    handing the statements to the new session to (a) its first new output
//    row handed to the sink (SHOW QUERIES' `rows written` + `rows pending`
//    above 0, polled every 5 ms), (b) its first output row the broker
//    acknowledged (`rows written` above 0) and (c) its first completed
//    checkpoint after the resume; the goal (< 5 s) is judged on (b).
//
// Not a test: no thresholds; it prints the figures and whether each goal is
// met. See README.md.
//
//   checkpoint_bench [--events N] [--repeats N] [--recovery-events N]
//                    [--parallelism N] [--cache SIZE] [--interval D]
//                    [--skip-throughput] [--skip-recovery]

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/common/bench_util.h"
#include "bench/stateful/reference.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "fmt/format.h"
#include "storage/state_store.h"

namespace {

namespace fs = std::filesystem;
namespace kafka = weir::connectors::kafka;
using Clock = weir::bench::BenchClock;
using weir::bench::LoadAverage;
using weir::bench::Median;
using weir::bench::ProcessCpuSeconds;
using weir::bench::SecondsSince;

struct Args {
  // 4M nexmark events: 3.68M bids over 956K distinct keys.
  int64_t events = 4'000'000;
  int repeats = 3;
  // Recovery: stop after this many events (and a checkpoint after them).
  int64_t recovery_events = 4'000'000;
  int parallelism = 2;
  std::string cache = "16MB";
  std::string interval = "1s";
  bool throughput = true;
  bool recovery = true;
};

// Event time advances 1 s per this many events; pacing never binds.
constexpr int64_t kRate = 10'000'000;
// 46 of every 50 nexmark events are bids.
constexpr double kBidsPerEvent = 46.0 / 50.0;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "checkpoint_bench: %s\n", message.c_str());
  std::exit(1);
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  weir::bench::FlagReader flags(argc, argv);
  while (flags.Next()) {
    const std::string flag = flags.current();
    if (flag == "--skip-throughput") {
      args.throughput = false;
    } else if (flag == "--skip-recovery") {
      args.recovery = false;
    } else if (const char* v = flags.Value("--events")) {
      args.events = std::atoll(v);
    } else if (const char* v = flags.Value("--repeats")) {
      args.repeats = std::atoi(v);
    } else if (const char* v = flags.Value("--recovery-events")) {
      args.recovery_events = std::atoll(v);
    } else if (const char* v = flags.Value("--parallelism")) {
      args.parallelism = std::atoi(v);
    } else if (const char* v = flags.Value("--cache")) {
      args.cache = v;
    } else if (const char* v = flags.Value("--interval")) {
      args.interval = v;
    } else {
      Die(fmt::format(
          "unknown argument '{}'; usage: checkpoint_bench [--events N] "
          "[--repeats N] [--recovery-events N] [--parallelism N] [--cache "
          "SIZE] [--interval D] [--skip-throughput] [--skip-recovery]",
          flag));
    }
  }
  if (args.events < 50 || args.recovery_events < 50 || args.repeats < 1 ||
      args.parallelism < 1) {
    Die("--events and --recovery-events must be >= 50; --repeats and "
        "--parallelism >= 1");
  }
  return args;
}

// ------------------------------------------------------------ the query

/// The statements of one run; the same text resumes the same query.
std::string Script(const Args& args, const std::string& bootstrap,
                   const fs::path& state_dir, const std::string& topic,
                   const std::string& interval, int64_t events) {
  return fmt::format(
      "SET 'parallelism' = '{}'; SET 'state.cache-size' = '{}'; "
      "SET 'state.dir' = '{}'; SET 'checkpoint.interval' = '{}'; "
      "SET 'bootstrap.servers' = '{}';\n"
      "CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, "
      "date_time TIMESTAMP(3), "
      "WATERMARK FOR date_time AS date_time - INTERVAL '0.001' SECOND) "
      "WITH (connector = 'nexmark', table = 'bid', max-events = {}, "
      "events-per-second = {});\n"
      "CREATE SINK agg1m WITH (connector = 'kafka', topic = '{}') AS "
      "SELECT {} AS k, COUNT(*) AS n, SUM(price) AS total FROM bids "
      "GROUP BY {};\n",
      args.parallelism, args.cache, state_dir.string(), interval, bootstrap,
      events, kRate, topic, weir::bench::kAgg1mKeySql,
      weir::bench::kAgg1mKeySql);
}

std::unique_ptr<weir::Session> NewSession(const Args& args) {
  auto session = weir::Session::Create(
      {.connect_to_sources = true,
       .worker_threads = args.parallelism,
       .connectors = weir::connectors::BuiltinConnectors()});
  if (!session.ok()) Die(session.status().ToString());
  return std::move(*session);
}

void Execute(weir::Session& session, const std::string& sql,
             weir::StatementResult* last = nullptr) {
  absl::Status st = session.ExecuteScript(
      sql, [&](const weir::StatementResult& r) {
        if (last != nullptr) *last = r;
      });
  if (!st.ok()) Die(std::string(st.message()) + "\n" + sql);
}

/// A checkpoint as SHOW QUERIES shows the last one:
/// "7 at 13:42:07 UTC, 120 ms, 34.0 KiB[; resumed from 4]".
struct Checkpoint {
  uint64_t id = 0;
  int64_t ms = 0;
  double bytes = 0;  // what its snapshots added on disk
};

/// The query's line of SHOW QUERIES (the session runs one query).
struct QueryLine {
  std::string id;
  std::string state;
  int64_t rows_read = 0;
  int64_t rows_written = 0;  // acknowledged by the broker
  int64_t rows_pending = 0;  // handed to the sink, not acknowledged yet
  std::optional<Checkpoint> checkpoint;
  uint64_t resumed_from = 0;
};

std::optional<Checkpoint> ParseCheckpoint(const std::string& text) {
  Checkpoint c;
  unsigned long long id = 0;
  long long ms = 0;
  double size = 0;
  char unit[8] = {};
  if (std::sscanf(text.c_str(), "%llu at %*d:%*d:%*d UTC, %lld ms, %lf %7s",
                  &id, &ms, &size, unit) != 4) {
    return std::nullopt;
  }
  const std::string u(unit);
  const double scale = u.starts_with("MiB") ? 1024.0 * 1024
                       : u.starts_with("KiB") ? 1024.0
                                              : 1.0;
  c.id = id;
  c.ms = ms;
  c.bytes = size * scale;
  return c;
}

QueryLine ShowQuery(weir::Session& session) {
  weir::StatementResult r;
  Execute(session, "SHOW QUERIES;", &r);
  if (r.rows.size() != 1) Die("SHOW QUERIES: expected one query");
  std::map<std::string, std::string> cells;
  for (size_t c = 0; c < r.columns.size(); ++c) cells[r.columns[c]] = r.rows[0][c];
  QueryLine q;
  q.id = cells["id"];
  q.state = cells["state"];
  q.rows_read = std::atoll(cells["rows read"].c_str());
  q.rows_written = std::atoll(cells["rows written"].c_str());
  q.rows_pending = std::atoll(cells["rows pending"].c_str());
  const std::string& text = cells["checkpoint"];
  q.checkpoint = ParseCheckpoint(text);
  if (size_t at = text.find("resumed from "); at != std::string::npos)
    q.resumed_from = std::strtoull(text.c_str() + at + 13, nullptr, 10);
  return q;
}

/// Bytes of the files under `dir`, each inode once (a checkpoint's
/// snapshot hard-links the store's files).
uint64_t DiskBytes(const fs::path& dir) {
  uint64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        seen.emplace(st.st_dev, st.st_ino).second) {
      total += static_cast<uint64_t>(st.st_size);
    }
  }
  return total;
}

// ------------------------------------------------------------ throughput

struct Run {
  bool checkpoints = false;
  double seconds = 0;
  double cpu = 0;
  int64_t rows_read = 0;
  int64_t rows_written = 0;
  std::vector<Checkpoint> checkpoints_seen;  // distinct ids, in order
  uint64_t disk = 0;                         // the state dir at the end
};

void Note(std::vector<Checkpoint>* seen, const std::optional<Checkpoint>& c) {
  if (c && (seen->empty() || seen->back().id != c->id)) seen->push_back(*c);
}

std::string TempDir() {
  auto dir = weir::storage::MakeTemporaryStateDir();
  if (!dir.ok()) Die(dir.status().ToString());
  return dir->string();
}

/// One run to the end of the input, timed from handing the statements to
/// the session to the query's end (every row delivered to the topic).
Run RunOnce(const Args& args, kafka::EmbeddedBroker& broker, bool checkpoints,
            int n) {
  Run run;
  run.checkpoints = checkpoints;
  const fs::path dir = TempDir();
  const std::string topic = fmt::format("agg1m_{}", n);
  if (absl::Status st = broker.CreateTopic(topic, args.parallelism); !st.ok())
    Die(st.ToString());
  auto session = NewSession(args);
  const std::string sql =
      Script(args, broker.bootstrap_servers(), dir, topic,
             checkpoints ? args.interval : "24h", args.events);
  const double cpu = ProcessCpuSeconds();
  const auto start = Clock::now();
  Execute(*session, sql);
  while (!session->ActiveQueries().empty()) {
    Note(&run.checkpoints_seen, ShowQuery(*session).checkpoint);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  absl::Status st = session->WaitForQueries(nullptr);
  run.seconds = SecondsSince(start);
  run.cpu = ProcessCpuSeconds() - cpu;
  if (!st.ok()) Die(std::string(st.message()));
  const QueryLine end = ShowQuery(*session);
  Note(&run.checkpoints_seen, end.checkpoint);
  run.rows_read = end.rows_read;
  run.rows_written = end.rows_written;
  run.disk = DiskBytes(dir);
  session.reset();
  fs::remove_all(dir);
  std::fprintf(stderr,
               "  %-14s %7.3f s  cpu %6.2f s  read %lld  written %lld  "
               "checkpoints %zu  state %.1f MiB  (load %s)\n",
               checkpoints ? "checkpoints" : "no checkpoints", run.seconds,
               run.cpu, static_cast<long long>(run.rows_read),
               static_cast<long long>(run.rows_written),
               run.checkpoints_seen.size(), run.disk / 1048576.0,
               LoadAverage().c_str());
  return run;
}

bool Throughput(const Args& args, kafka::EmbeddedBroker& broker,
                int64_t expected_bids) {
  std::printf("\n## Throughput: checkpoint.interval '%s' vs '24h' (none)\n\n",
              args.interval.c_str());
  std::vector<Run> with, without;
  int n = 0;
  for (int i = 1; i <= args.repeats; ++i) {
    // Odd rounds run without checkpoints first, even rounds with.
    const bool first = i % 2 == 0;
    for (bool ckpt : {first, !first}) {
      Run run = RunOnce(args, broker, ckpt, n++);
      if (run.rows_read != expected_bids) {
        Die(fmt::format("a run read {} bids, expected {}", run.rows_read,
                        expected_bids));
      }
      (ckpt ? with : without).push_back(std::move(run));
    }
  }
  auto seconds = [](const std::vector<Run>& runs) {
    std::vector<double> v;
    for (const Run& r : runs) v.push_back(r.seconds);
    return v;
  };
  auto cpus = [](const std::vector<Run>& runs) {
    std::vector<double> v;
    for (const Run& r : runs) v.push_back(r.cpu);
    return v;
  };
  std::printf("%-16s %8s %10s %10s %8s %12s %10s %9s\n", "run", "weir s",
              "events/s", "per core", "cpu s", "rows out", "ckpts", "disk MiB");
  for (size_t i = 0; i < with.size(); ++i) {
    for (const Run* r : {&without[i], &with[i]}) {
      const double rate = args.events / r->seconds;
      std::printf("%-16s %8.3f %10.0f %10.0f %8.2f %12lld %10zu %9.1f\n",
                  fmt::format("{} {}", r->checkpoints ? "ckpt" : "none", i + 1)
                      .c_str(),
                  r->seconds, rate, rate / args.parallelism, r->cpu,
                  static_cast<long long>(r->rows_written),
                  r->checkpoints_seen.size(), r->disk / 1048576.0);
    }
  }
  const double t_with = Median(seconds(with));
  const double t_without = Median(seconds(without));
  const double ratio = t_without / t_with;
  std::printf(
      "\nmedian: without %.3f s (%.0f events/s), with %.3f s (%.0f "
      "events/s); CPU %.2f s vs %.2f s\n",
      t_without, args.events / t_without, t_with, args.events / t_with,
      Median(cpus(without)), Median(cpus(with)));
  std::printf("throughput with checkpoints = %.2fx without; goal >= 0.9x: %s\n",
              ratio, ratio >= 0.9 ? "met" : "NOT met");
  // On a shared machine wall clock swings with the others' load; CPU per
  // run (workers, client, broker and RocksDB threads) is steadier.
  std::printf("by CPU: without / with = %.2fx (what the ratio would be if "
              "the runs were CPU-bound)\n",
              Median(cpus(without)) / Median(cpus(with)));

  std::vector<double> ms, bytes;
  for (const Run& r : with) {
    for (const Checkpoint& c : r.checkpoints_seen) {
      ms.push_back(static_cast<double>(c.ms));
      bytes.push_back(c.bytes);
    }
  }
  if (!ms.empty()) {
    std::printf(
        "checkpoints seen (SHOW QUERIES every 100 ms, %zu over %zu runs): "
        "duration median %.0f ms, max %.0f ms; bytes added median %.1f "
        "MiB, max %.1f MiB\n",
        ms.size(), with.size(), Median(ms),
        *std::max_element(ms.begin(), ms.end()), Median(bytes) / 1048576.0,
        *std::max_element(bytes.begin(), bytes.end()) / 1048576.0);
  }
  return ratio >= 0.9;
}

// ------------------------------------------------------------ recovery

bool Recovery(const Args& args, kafka::EmbeddedBroker& broker) {
  // The input goes on well past the stop, so the resumed query has rows to
  // read; it is terminated after its first checkpoint.
  const int64_t events = args.recovery_events * 2;
  const int64_t stop_bids =
      static_cast<int64_t>(args.recovery_events * kBidsPerEvent);
  std::printf(
      "\n## Recovery: stop after %lld events and a checkpoint, restart the "
      "same statements\n\n",
      static_cast<long long>(args.recovery_events));
  const fs::path dir = TempDir();
  const std::string topic = "agg1m_recovery";
  if (absl::Status st = broker.CreateTopic(topic, args.parallelism); !st.ok())
    Die(st.ToString());
  const std::string sql = Script(args, broker.bootstrap_servers(), dir, topic,
                                 args.interval, events);

  // Run 1: until a checkpoint completes after stop_bids bids were read.
  std::vector<Checkpoint> seen;
  int64_t read_at_stop = 0;
  {
    auto session = NewSession(args);
    Execute(*session, sql);
    std::optional<uint64_t> after;  // the checkpoint id when stop_bids read
    while (true) {
      const QueryLine q = ShowQuery(*session);
      Note(&seen, q.checkpoint);
      const uint64_t id = q.checkpoint ? q.checkpoint->id : 0;
      if (!after && q.rows_read >= stop_bids) after = id;
      if (after && id > *after) {
        read_at_stop = q.rows_read;
        Execute(*session, fmt::format("TERMINATE {};", q.id));
        break;
      }
      if (q.state != "RUNNING") Die("the query ended before the stop: " + q.state);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const Checkpoint& last = seen.back();
  const uint64_t disk = DiskBytes(dir);

  // The keys in that state: the loop's groups over the events read by then
  // (rows read at the stop, a little past the checkpoint's position).
  weir::bench::GeneratorSettings gen;
  gen.events = static_cast<int64_t>(read_at_stop / kBidsPerEvent);
  gen.events_per_second = kRate;
  const size_t keys =
      weir::bench::RunReference(weir::bench::StatefulQuery::kAgg1m, gen, {},
                                /*want_rows=*/false)
          .groups;

  // Run 2: a new session (a restarted Weir), the same statements.
  double to_started = 0, to_sink = 0, to_row = 0, to_checkpoint = 0;
  uint64_t resumed_from = 0;
  std::optional<Checkpoint> first;
  {
    auto session = NewSession(args);
    const auto start = Clock::now();
    Execute(*session, sql);
    to_started = SecondsSince(start);
    while (to_row == 0 || !first) {
      const QueryLine q = ShowQuery(*session);
      resumed_from = q.resumed_from;
      if (to_sink == 0 && q.rows_written + q.rows_pending > 0)
        to_sink = SecondsSince(start);
      if (to_row == 0 && q.rows_written > 0) to_row = SecondsSince(start);
      if (!first && q.checkpoint) {
        first = q.checkpoint;
        to_checkpoint = SecondsSince(start);
      }
      if (q.state != "RUNNING") Die("the resumed query ended: " + q.state);
      if (SecondsSince(start) > 300) Die("no output 300 s after the restart");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Execute(*session, fmt::format("TERMINATE {};", ShowQuery(*session).id));
  }
  fs::remove_all(dir);

  std::printf(
      "stopped at checkpoint %llu (%lld ms, %.1f MiB added) after %lld bids "
      "read; about %zu keys in its state; state dir %.1f MiB\n",
      static_cast<unsigned long long>(last.id), static_cast<long long>(last.ms),
      last.bytes / 1048576.0, static_cast<long long>(read_at_stop), keys,
      disk / 1048576.0);
  std::printf("checkpoints of run 1 (id: ms, MiB added):");
  for (const Checkpoint& c : seen) {
    std::printf(" %llu: %lld, %.1f;", static_cast<unsigned long long>(c.id),
                static_cast<long long>(c.ms), c.bytes / 1048576.0);
  }
  std::printf("\nresumed from checkpoint %llu\n",
              static_cast<unsigned long long>(resumed_from));
  std::printf("restart -> statements returned (query started, stores "
              "restored): %.3f s\n",
              to_started);
  std::printf("restart -> first new output row handed to the sink (rows "
              "written + pending > 0): %.3f s\n",
              to_sink);
  std::printf("restart -> first new output row acknowledged by the broker "
              "(rows written > 0): %.3f s; goal < 5 s: %s\n",
              to_row, to_row < 5 ? "met" : "NOT met");
  std::printf("restart -> first completed checkpoint after resume (%llu, %lld "
              "ms): %.3f s\n",
              static_cast<unsigned long long>(first->id),
              static_cast<long long>(first->ms), to_checkpoint);
  if (resumed_from != last.id) {
    std::printf("note: resumed from %llu, the last checkpoint seen was %llu "
                "(one completed while it stopped)\n",
                static_cast<unsigned long long>(resumed_from),
                static_cast<unsigned long long>(last.id));
  }
  return to_row < 5;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  auto broker = kafka::EmbeddedBroker::Start(1);
  if (!broker.ok()) Die(broker.status().ToString());
  std::printf(
      "checkpoint_bench: agg1m as a persistent query (state.dir kept, sink: "
      "a Kafka topic of an embedded broker), %d workers, cache %s, %lld "
      "events; load average %s\n",
      args.parallelism, args.cache.c_str(), static_cast<long long>(args.events),
      LoadAverage().c_str());
  // The bids a full run reads.
  weir::bench::GeneratorSettings gen;
  gen.events = args.events;
  gen.events_per_second = kRate;
  const auto reference = weir::bench::RunReference(
      weir::bench::StatefulQuery::kAgg1m, gen, {}, /*want_rows=*/false);
  std::printf("%lld bids over %zu keys\n",
              static_cast<long long>(reference.bids), reference.groups);
  if (args.throughput) Throughput(args, **broker, reference.bids);
  if (args.recovery) Recovery(args, **broker);
  std::printf("load average at the end: %s\n", LoadAverage().c_str());
  return 0;
}
