// Stateful Nexmark queries through a Session against a plain loop: q5 (HOP,
// count per auction: the counting part of "hot items"), q7 (TUMBLE + MAX),
// q11 (SESSION per bidder), q12 (TUMBLE count per bidder, on event time)
// and a COUNT/SUM GROUP BY over about 1M keys whose state is beyond the
// hot-state cache, from the nexmark generator (bounded by --events) on
// --parallelism workers. Each query's engine runs alternate with runs of
// reference.h's single-threaded loop (generate the same bids, fold them
// into an std::unordered_map): the in-memory ceiling. Before its timed
// runs each query runs once, untimed, and its whole output is compared
// with the loop's result. A query the engine refuses prints "not runnable
// yet: <error>" and the benchmark goes on. Not a test: no thresholds; see
// README.md.
//
//   stateful_bench [--events N] [--rate N] [--repeats N] [--parallelism N]
//                  [--cache SIZE] [--only NAME[,NAME...]] [--emit
//                  close|changes]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/bench_util.h"
#include "bench/stateful/reference.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "engine/types/batch.h"
#include "fmt/format.h"
#include "storage/state_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = weir::bench::BenchClock;
using weir::bench::LoadAverage;
using weir::bench::Median;
using weir::bench::ProcessCpuSeconds;
using weir::bench::SecondsSince;
using weir::bench::StatefulQuery;

struct Args {
  int64_t events = 10'000'000;
  // Event time advances 1 s per `rate` events; pacing never binds as long
  // as the engine is slower than this (the table says when it was not).
  int64_t rate = 10'000'000;
  int repeats = 3;
  int parallelism = 2;
  std::string cache = "16MB";  // state.cache-size
  std::vector<std::string> only;
  // How the windowed queries emit: "close" (EMIT ON WINDOW CLOSE, final
  // rows) or "changes" (EMIT CHANGES, a changelog of updates).
  std::string emit = "close";
};

// Nexmark's windows (q5: HOP 10 s every 2 s; q7, q12: TUMBLE 10 s; q11:
// SESSION gap 10 s) scaled by 1/100, so that at 10M events per second of
// event time the default run of 10M events (1 s) opens and closes ten
// windows per key, as a run of Nexmark's sizes over minutes would.
constexpr int64_t kSizeMs = 100;
constexpr int64_t kSlideMs = 20;
constexpr int64_t kGapMs = 100;

struct Query {
  const char* name;
  const char* what;
  StatefulQuery kind;
  std::string sql;
  size_t key_columns;  // the first output columns; the rest are values
  bool windowed;
  bool changelog;  // the output has -U/+U/-D rows: its row count varies
};

std::string Seconds(int64_t ms) { return fmt::format("'{:g}'", ms / 1000.0); }

std::vector<Query> Queries(const Args& args) {
  const std::string size = Seconds(kSizeMs);
  const bool changes = args.emit == "changes";
  const std::string close =
      changes ? " EMIT CHANGES;" : " EMIT ON WINDOW CLOSE;";
  return {
      {"q5", "HOP count per auction", StatefulQuery::kQ5,
       fmt::format("SELECT auction, window_start, window_end, COUNT(*) AS n "
                   "FROM HOP(bids, date_time, INTERVAL {} SECOND, INTERVAL "
                   "{} SECOND) GROUP BY auction, window_start, window_end",
                   Seconds(kSlideMs), size) +
           close,
       3, true, changes},
      {"q7", "TUMBLE max price", StatefulQuery::kQ7,
       fmt::format("SELECT window_start, window_end, MAX(price) AS top FROM "
                   "TUMBLE(bids, date_time, INTERVAL {} SECOND) GROUP BY "
                   "window_start, window_end",
                   size) +
           close,
       2, true, changes},
      {"q11", "SESSION count per bidder", StatefulQuery::kQ11,
       fmt::format("SELECT bidder, window_start, window_end, COUNT(*) AS n "
                   "FROM SESSION(bids, date_time, INTERVAL {} SECOND) GROUP "
                   "BY bidder, window_start, window_end",
                   Seconds(kGapMs)) +
           close,
       3, true, changes},
      {"q12", "TUMBLE count per bidder", StatefulQuery::kQ12,
       fmt::format("SELECT bidder, window_start, window_end, COUNT(*) AS n "
                   "FROM TUMBLE(bids, date_time, INTERVAL {} SECOND) GROUP "
                   "BY bidder, window_start, window_end",
                   size) +
           close,
       3, true, changes},
      {"agg1m", "COUNT/SUM over ~1M keys", StatefulQuery::kAgg1m,
       fmt::format("SELECT {0} AS k, COUNT(*) AS n, SUM(price) AS total FROM "
                   "bids GROUP BY {0} EMIT CHANGES;",
                   weir::bench::kAgg1mKeySql),
       1, false, true},
  };
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "stateful_bench: %s\n", message.c_str());
  std::exit(1);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  weir::bench::FlagReader flags(argc, argv);
  while (flags.Next()) {
    if (const char* v = flags.Value("--events")) {
      args.events = std::atoll(v);
    } else if (const char* v = flags.Value("--rate")) {
      args.rate = std::atoll(v);
    } else if (const char* v = flags.Value("--repeats")) {
      args.repeats = std::atoi(v);
    } else if (const char* v = flags.Value("--parallelism")) {
      args.parallelism = std::atoi(v);
    } else if (const char* v = flags.Value("--cache")) {
      args.cache = v;
    } else if (const char* v = flags.Value("--only")) {
      args.only = SplitCommas(v);
    } else if (const char* v = flags.Value("--emit")) {
      args.emit = v;
    } else {
      Die(fmt::format(
          "unknown argument '{}'; usage: stateful_bench [--events N] [--rate "
          "N] [--repeats N] [--parallelism N] [--cache SIZE] [--only "
          "q5,q7,q11,q12,agg1m] [--emit close|changes]",
          flags.current()));
    }
  }
  if (args.events < 50 || args.rate < 1 || args.repeats < 1 ||
      args.parallelism < 1 ||
      (args.emit != "close" && args.emit != "changes")) {
    Die("--events must be >= 50; --rate, --repeats, --parallelism >= 1; "
        "--emit close or changes");
  }
  return args;
}

// ------------------------------------------------------------ state size

/// Bytes of the files under `dir` now (files may vanish meanwhile).
uint64_t DiskBytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(
      dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

/// Samples DiskBytes(dir) every 50 ms on its own thread while it lives and
/// keeps the peak: the queries' state directories are removed when they
/// end.
class DiskSampler {
 public:
  explicit DiskSampler(fs::path dir)
      : dir_(std::move(dir)), thread_([this] { Loop(); }) {}
  ~DiskSampler() {
    stop_ = true;
    thread_.join();
  }
  uint64_t peak() const { return peak_; }

 private:
  void Loop() {
    while (!stop_) {
      peak_ = std::max<uint64_t>(peak_, DiskBytes(dir_));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  fs::path dir_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> peak_{0};
  std::thread thread_;
};

// ---------------------------------------------------------------- runs

/// One cell of an output row as ResultRows writes it.
std::string CellText(const weir::types::Batch& batch, size_t column,
                     size_t row) {
  const weir::types::Column& c = batch.column(column);
  if (c.IsNull(row)) return "NULL";
  switch (c.physical()) {
    case weir::types::PhysicalType::kInt64:
      return fmt::format("{}", c.ints()[row]);
    case weir::types::PhysicalType::kInt128: {
      // A DECIMAL: the reference's sums are integers (scale 0).
      const __int128 v = c.decimals()[row];
      if (c.type().scale() != 0 || v > INT64_MAX || v < INT64_MIN)
        return c.GetValue(row).ToString();
      return fmt::format("{}", static_cast<int64_t>(v));
    }
    default:
      return c.GetValue(row).ToString();
  }
}

/// The engine's output folded into ResultRows: an append-only row adds its
/// key, +I/+U set it, -U/-D remove it. `problems` counts rows that do not
/// fit (a second row for a key of append-only output, a retraction of a
/// row not there).
struct OutputFold {
  size_t key_columns = 0;
  weir::bench::ResultRows rows;
  int64_t problems = 0;

  void Add(const weir::types::Batch& batch, size_t r, std::string_view op) {
    std::string key, value;
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      std::string& out = c < key_columns ? key : value;
      if (!out.empty()) out += '|';
      out += CellText(batch, c, r);
    }
    if (op == "-U" || op == "-D") {
      auto it = rows.find(key);
      if (it == rows.end() || it->second != value) ++problems;
      if (it != rows.end()) rows.erase(it);
    } else if (op.empty()) {
      if (!rows.emplace(std::move(key), std::move(value)).second) ++problems;
    } else {
      rows[std::move(key)] = std::move(value);
    }
  }
};

/// "" when equal, else what differs (counts and a few examples).
std::string Compare(const weir::bench::ResultRows& expected,
                    const OutputFold& got) {
  int64_t missing = 0, wrong = 0, extra = 0;
  std::vector<std::string> examples;
  for (const auto& [k, v] : expected) {
    auto it = got.rows.find(k);
    if (it == got.rows.end()) {
      if (++missing <= 2)
        examples.push_back(fmt::format("missing {} -> {}", k, v));
    } else if (it->second != v) {
      if (++wrong <= 2) {
        examples.push_back(
            fmt::format("{}: expected {}, got {}", k, v, it->second));
      }
    }
  }
  for (const auto& [k, v] : got.rows) {
    if (!expected.contains(k) && ++extra <= 2)
      examples.push_back(fmt::format("unexpected {} -> {}", k, v));
  }
  if (missing == 0 && wrong == 0 && extra == 0 && got.problems == 0) return "";
  std::string text = fmt::format(
      "{} of {} expected rows missing, {} wrong, {} unexpected, {} "
      "changelog rows that do not fold",
      missing, expected.size(), wrong, extra, got.problems);
  for (const std::string& e : examples) text += "; " + e;
  return text;
}

struct WeirRun {
  double seconds = 0;  // statement handed over to the last row
  double first = 0;    // to the first row
  double cpu = 0;      // process CPU meanwhile (all threads)
  int64_t rows = 0;
  uint64_t disk_peak = 0;
};

/// Runs `sql` through the session; with `fold`, every output row goes into
/// it (the untimed check run).
absl::StatusOr<WeirRun> RunWeir(weir::Session& session, const std::string& sql,
                                const fs::path& state_dir, OutputFold* fold) {
  WeirRun run;
  Clock::time_point first;
  weir::PushHandler handler;
  handler.on_batch_row = [&](const weir::types::Batch& batch, size_t r,
                             std::string_view op) {
    if (run.rows++ == 0) first = Clock::now();
    if (fold != nullptr) fold->Add(batch, r, op);
    return true;
  };
  handler.should_stop = [] { return false; };
  session.set_push_handler(std::move(handler));
  DiskSampler sampler(state_dir);
  const double cpu = ProcessCpuSeconds();
  const auto start = Clock::now();
  absl::Status st =
      session.ExecuteScript(sql, [](const weir::StatementResult&) {});
  run.seconds = SecondsSince(start);
  run.cpu = ProcessCpuSeconds() - cpu;
  run.disk_peak = sampler.peak();
  if (!st.ok()) return st;
  run.first =
      run.rows > 0 ? std::chrono::duration<double>(first - start).count() : 0;
  return run;
}

std::unique_ptr<weir::Session> MakeSession(const Args& args,
                                           const fs::path& state_dir) {
  auto session = weir::Session::Create(
      {.connect_to_sources = true,
       .worker_threads = args.parallelism,
       .connectors = weir::connectors::BuiltinConnectors()});
  if (!session.ok()) Die(session.status().ToString());
  // The four columns the reference generates; event time has no disorder
  // within a split, the 1 ms only keeps a row at the watermark on time.
  const std::string setup = fmt::format(
      "SET 'parallelism' = '{}'; SET 'state.cache-size' = '{}'; "
      "SET 'state.dir' = '{}';"
      "CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, "
      "date_time TIMESTAMP(3), "
      "WATERMARK FOR date_time AS date_time - INTERVAL '0.001' SECOND) "
      "WITH (connector = 'nexmark', table = 'bid', max-events = {}, "
      "events-per-second = {});",
      args.parallelism, args.cache, state_dir.string(), args.events, args.rate);
  absl::Status st =
      (*session)->ExecuteScript(setup, [](const weir::StatementResult&) {});
  if (!st.ok()) Die("setup: " + std::string(st.message()));
  return std::move(*session);
}

/// One line of the table.
struct Row {
  const Query* query = nullptr;
  std::string refused;  // the engine's error, when it did not run
  std::string check;    // "ok" or what differs
  std::vector<WeirRun> weir;
  std::vector<double> loop;
  size_t groups = 0;
};

std::string FirstLine(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

Row RunQuery(const Args& args, const Query& q, weir::Session& session,
             const fs::path& state_dir) {
  const weir::bench::GeneratorSettings gen{args.events, args.rate};
  const weir::bench::WindowSizes windows{kSizeMs * 1000, kSlideMs * 1000,
                                         kGapMs * 1000};
  Row row;
  row.query = &q;
  OutputFold fold;
  fold.key_columns = q.key_columns;
  absl::StatusOr<WeirRun> checked = RunWeir(session, q.sql, state_dir, &fold);
  if (!checked.ok()) {
    row.refused = FirstLine(std::string(checked.status().message()));
    std::fprintf(stderr, "  %s: not runnable yet: %s\n", q.name,
                 std::string(checked.status().message()).c_str());
  } else {
    std::fprintf(stderr, "  %s: check run %.3f s, %lld rows\n", q.name,
                 checked->seconds, static_cast<long long>(checked->rows));
  }
  for (int rep = 0; rep < args.repeats; ++rep) {
    const bool weir_first = rep % 2 == 0;
    for (int side = 0; side < 2; ++side) {
      if ((side == 0) == weir_first) {
        if (!row.refused.empty()) continue;
        absl::StatusOr<WeirRun> run =
            RunWeir(session, q.sql, state_dir, nullptr);
        if (!run.ok())
          Die(fmt::format("{}: {}", q.name,
                          std::string(run.status().message())));
        // A changelog's rows depend on how rows meet in batches; final
        // rows (EMIT ON WINDOW CLOSE) are one per window and key.
        if (!q.changelog && run->rows != checked->rows) {
          Die(fmt::format("{}: {} rows, the check run had {}", q.name,
                          run->rows, checked->rows));
        }
        row.weir.push_back(*run);
        std::fprintf(stderr,
                     "  round %d %s weir: %.3f s (first row %.3f s, cpu %.2f "
                     "s, disk peak %.1f MiB)\n",
                     rep + 1, q.name, run->seconds, run->first, run->cpu,
                     run->disk_peak / 1048576.0);
      } else {
        const bool first_loop = row.loop.empty();
        weir::bench::ReferenceRun ref =
            weir::bench::RunReference(q.kind, gen, windows, first_loop);
        row.loop.push_back(ref.seconds);
        row.groups = ref.groups;
        std::fprintf(stderr, "  round %d %s loop: %.3f s\n", rep + 1, q.name,
                     ref.seconds);
        if (first_loop && row.refused.empty()) {
          const std::string diff = Compare(ref.rows, fold);
          row.check = diff.empty()
                          ? fmt::format("ok ({} rows)", ref.rows.size())
                          : "OUTPUT DIFFERS: " + diff;
          std::fprintf(stderr, "  %s check: %s\n", q.name, row.check.c_str());
        }
      }
    }
  }
  return row;
}

void PrintTable(const Args& args, const std::vector<Row>& rows) {
  const double events = static_cast<double>(args.events);
  std::printf("\n%-6s %-26s %8s %11s %10s %6s %8s %11s %6s %9s %9s\n", "query",
              "what", "weir s", "events/s", "per core", "cpu s", "loop s",
              "loop ev/s", "x loop", "groups", "disk MiB");
  for (const Row& r : rows) {
    const double loop = Median(r.loop);
    if (!r.refused.empty()) {
      std::printf("%-6s %-26s %8s %11s %10s %6s %8.3f %11.0f %6s %9zu %9s\n",
                  r.query->name, r.query->what, "-", "-", "-", "-", loop,
                  events / loop, "-", r.groups, "-");
      std::printf("       not runnable yet: %s\n", r.refused.c_str());
      continue;
    }
    std::vector<double> secs, cpus, disks;
    for (const WeirRun& w : r.weir) {
      secs.push_back(w.seconds);
      cpus.push_back(w.cpu);
      disks.push_back(static_cast<double>(w.disk_peak));
    }
    const double s = Median(secs);
    const double rate = events / s;
    std::printf(
        "%-6s %-26s %8.3f %11.0f %10.0f %6.2f %8.3f %11.0f %6.2f %9zu %9.1f\n",
        r.query->name, r.query->what, s, rate, rate / args.parallelism,
        Median(cpus), loop, events / loop, loop / s, r.groups,
        Median(disks) / 1048576.0);
    const bool windowed = r.query->windowed;
    const double per_core_goal = windowed ? 150'000 : 0;
    const double ratio_goal = windowed ? 0.5 : 0.25;
    const bool met =
        rate / args.parallelism >= per_core_goal && loop / s >= ratio_goal;
    std::printf(
        "       check: %s; goal %s%.2fx the loop: %s%s\n", r.check.c_str(),
        windowed ? ">= 150000 events/s per core and " : ">= ", ratio_goal,
        met ? "met" : "NOT met",
        rate >= 0.9 * static_cast<double>(args.rate)
            ? " (the engine ran near --rate: pacing may have held "
              "it back; raise --rate)"
            : "");
  }
  std::printf(
      "(medians. events: the nexmark sequence (--events; 46 of 50 are bids, "
      "the rows the queries read). weir s: from handing the statement to the "
      "session (parsing, planning, task start included) to its return after "
      "the last output row; per core = events/s / %d workers. cpu s: the "
      "process's CPU "
      "meanwhile. loop: one thread generating the same bids and folding them "
      "into an std::unordered_map. x loop = engine events/s / loop events/s. "
      "groups: entries of the loop's result. disk MiB: peak size of the "
      "query's state directory, sampled every 50 ms (RocksDB files; the "
      "hot-state cache and the memtables are in memory).)\n",
      args.parallelism);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  std::printf(
      "stateful_bench: %lld nexmark events at %lld events/s of event time "
      "(%.2f s); parallelism %d; state.cache-size %s; median of %d; load "
      "average %s\n",
      static_cast<long long>(args.events), static_cast<long long>(args.rate),
      static_cast<double>(args.events) / static_cast<double>(args.rate),
      args.parallelism, args.cache.c_str(), args.repeats,
      LoadAverage().c_str());
  std::fflush(stdout);

  auto state_dir = weir::storage::MakeTemporaryStateDir();
  if (!state_dir.ok()) Die(state_dir.status().ToString());
  auto session = MakeSession(args, *state_dir);
  const std::vector<Query> queries = Queries(args);
  std::vector<Row> rows;
  for (const Query& q : queries) {
    if (!args.only.empty() && std::find(args.only.begin(), args.only.end(),
                                        q.name) == args.only.end())
      continue;
    rows.push_back(RunQuery(args, q, *session, *state_dir));
  }
  session.reset();
  std::error_code ec;
  fs::remove_all(*state_dir, ec);

  PrintTable(args, rows);
  std::printf("load average at the end: %s\n", LoadAverage().c_str());
  std::printf(
      "generator alone (the four bid columns, 1 thread): %.0f events/s\n",
      weir::bench::GeneratorOnlyRate({args.events, args.rate}));
  return 0;
}
