// The kill -9 loop (docs/state-and-recovery.md, issue 10): `weir broker`
// runs as its own process; a finite input goes into a topic of 4
// partitions, a chunk before each run; the `weir` binary runs two
// persistent queries over it with checkpoints every 200 ms and state.dir
// set -- a window-close aggregate (TUMBLE ... EMIT ON WINDOW CLOSE,
// exactly-once sink) and an updating GROUP BY (at-least-once sink) -- and
// is SIGKILLed at a random moment, then started again, at least 20 times.
// A last run goes on until the outputs are complete. Then:
//  - the window-close output, as a set of distinct rows, equals the
//    per-window aggregates of a plain fold of the input. As a set: on the
//    embedded broker a read_committed reader still sees the rows of a
//    transaction that a kill left open (librdkafka's mock cluster keeps no
//    transaction state), and those windows are written again after the
//    restart, with the same values; every copy must have them. Row for row
//    would need a real cluster.
//  - the updating output's last row per key equals the fold per key.
// The kills must hit work in flight: restarts resume from checkpoints
// (ids > 0, growing) and the output grows between kills. The seed of the
// kill moments is printed; WEIR_KILL_LOOP_SEED=<seed> replays a run.
#define BOOST_TEST_MODULE kill_loop_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "fmt/format.h"
#include "tests/e2e/kafka_test_util.h"
#include "tests/e2e/weir_process.h"
#include "tests/unit/run_weir.h"

using namespace weir::kafka_test;
using weir::testing::ResumedFrom;
using weir::testing::WeirProcess;

namespace {

constexpr int kPartitions = 4;
constexpr int kRuns = 24;            // killed runs; one chunk of input each
constexpr int64_t kChunkRows = 2500;  // 60,000 rows, 600 windows
constexpr int64_t kWindowMs = 100;    // TUMBLE of 0.1 s; row i at i ms
constexpr int64_t kKeys = 101;

int64_t KeyOf(int64_t i) { return (i * 7919) % kKeys; }
int64_t ValueOf(int64_t i) { return (i * 104729) % 1000; }

/// Row i's event time: 2026-01-01 00:00:00 plus i ms.
std::string TimeOf(int64_t i) {
  const int64_t s = i / 1000;
  return fmt::format("2026-01-01 {:02}:{:02}:{:02}.{:03}", s / 3600,
                     s / 60 % 60, s % 60, i % 1000);
}

/// A window's row: COUNT, SUM(v), MIN(id), MAX(id).
using WindowRow = std::tuple<int64_t, int64_t, int64_t, int64_t>;
/// An updating row: COUNT, SUM(v).
using KeyRow = std::pair<int64_t, int64_t>;

/// Rows [first, first + count): row i into partition i % kPartitions, so
/// that event time grows within each partition: no row is late, so the
/// output is a function of the input (which rows are late would depend on
/// batch timing). Late rows across a restart: checkpoint_test.
void ProduceChunk(KafkaProducer& producer, int64_t first, int64_t count) {
  for (int64_t i = first; i < first + count; ++i) {
    RequireOk(producer.Produce(
        "input", static_cast<int32_t>(i % kPartitions), std::nullopt,
        nlohmann::json{
            {"id", i}, {"k", KeyOf(i)}, {"v", ValueOf(i)}, {"ts", TimeOf(i)}}
            .dump()));
  }
  RequireOk(producer.Flush(seconds(60)));
}

std::string Script(const std::string& bootstrap, const std::string& dir) {
  return "SET 'bootstrap.servers' = '" + bootstrap + "';\n" +
         "SET 'state.dir' = '" + dir + "';\n" +
         "SET 'checkpoint.interval' = '200ms';\n"
         "SET 'parallelism' = '2';\n"
         // A partition is never idle: an idle one would let the watermark
         // pass rows it has not returned yet (after a restart, say), and
         // they would be late.
         "SET 'watermark.idle-timeout' = '0s';\n"
         "CREATE STREAM input (id BIGINT NOT NULL, k BIGINT NOT NULL, v "
         "BIGINT NOT NULL, ts TIMESTAMP(3) NOT NULL, WATERMARK FOR ts AS ts "
         "- INTERVAL '0.01' SECOND) WITH (connector = 'kafka', topic = "
         "'input');\n"
         "CREATE SINK windows WITH (connector = 'kafka', topic = 'windows', "
         "'sink.delivery-guarantee' = 'exactly-once') AS SELECT "
         "window_start, COUNT(*) AS n, SUM(v) AS total, MIN(id) AS lo, "
         "MAX(id) AS hi FROM TUMBLE(input, ts, INTERVAL '0.1' SECOND) GROUP "
         "BY window_start, window_end EMIT ON WINDOW CLOSE;\n"
         "CREATE SINK counts WITH (connector = 'kafka', topic = 'counts') AS "
         "SELECT k, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY k;\n"
         "SHOW QUERIES;\n";
}

/// Reads what a topic gained since the last call.
class TopicReader {
 public:
  TopicReader(const std::string& bootstrap, const std::string& topic)
      : consumer_(MakeConsumer(bootstrap)) {
    std::vector<int32_t> all;
    for (int p = 0; p < kPartitions; ++p) all.push_back(p);
    RequireOk(consumer_->Assign(topic, all, StartOffset{}));
  }
  /// Every record that arrived since the last call (polls until one
  /// empty poll).
  std::vector<KafkaMessage> More() {
    std::vector<KafkaMessage> got;
    while (true) {
      auto polled = consumer_->Poll(10000, milliseconds(200));
      BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
      if (polled->empty()) return got;
      for (auto& m : *polled) got.push_back(std::move(m));
    }
  }

 private:
  std::unique_ptr<KafkaConsumer> consumer_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(kill_9_at_random_moments_loses_and_changes_nothing) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("WEIR_KILL_LOOP_SEED")) seed = std::stoull(s);
  BOOST_TEST_MESSAGE("kill loop seed " << seed
                                       << " (replay: WEIR_KILL_LOOP_SEED="
                                       << seed << ")");
  std::printf("kill loop seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);

  WeirBroker broker({"--partitions", std::to_string(kPartitions), "--topic",
                     "input", "--topic", "windows", "--topic", "counts"});
  const std::string bootstrap = broker.address();
  const std::string dir = weir::testing::MakeTempDir();
  const std::string script = Script(bootstrap, dir + "/state");
  auto producer = MakeProducer(bootstrap);

  // The plain fold of the whole input.
  const int64_t rows = kRuns * kChunkRows;
  std::map<int64_t, WindowRow> expected_windows;  // by window
  std::map<int64_t, KeyRow> expected_keys;
  for (int64_t i = 0; i < rows; ++i) {
    auto& [n, total, lo, hi] =
        expected_windows.try_emplace(i / kWindowMs, 0, 0, i, i).first->second;
    ++n;
    total += ValueOf(i);
    hi = i;
    auto& [kn, ktotal] = expected_keys[KeyOf(i)];
    ++kn;
    ktotal += ValueOf(i);
  }
  // The last window never closes: no row comes after it.
  expected_windows.erase(std::prev(expected_windows.end()));
  std::set<WindowRow> expected_set;
  for (const auto& [w, row] : expected_windows) expected_set.insert(row);

  TopicReader windows_topic(bootstrap, "windows");
  TopicReader counts_topic(bootstrap, "counts");
  std::set<WindowRow> windows_seen;  // distinct rows
  size_t window_rows = 0;            // every copy
  std::map<int64_t, WindowRow> per_window;  // hi / kWindowMs: its values
  std::map<int64_t, KeyRow> last_per_key;
  auto read_outputs = [&] {
    size_t got = 0;
    for (const auto& m : windows_topic.More()) {
      BOOST_REQUIRE(m.value);
      const auto v = nlohmann::json::parse(*m.value);
      const WindowRow row{v.at("n").get<int64_t>(), v.at("total").get<int64_t>(),
                          v.at("lo").get<int64_t>(), v.at("hi").get<int64_t>()};
      // Every copy of a window has the same values.
      auto [it, added] = per_window.emplace(std::get<3>(row) / kWindowMs, row);
      BOOST_TEST((it->second == row),
                 "window " << it->first << ": " << std::get<0>(row) << " rows "
                           << std::get<2>(row) << ".." << std::get<3>(row)
                           << ", before " << std::get<0>(it->second)
                           << " rows " << std::get<2>(it->second) << ".."
                           << std::get<3>(it->second));
      windows_seen.insert(row);
      ++window_rows;
      ++got;
    }
    for (const auto& m : counts_topic.More()) {
      BOOST_REQUIRE(m.value);
      const auto v = nlohmann::json::parse(*m.value);
      last_per_key[v.at("k").get<int64_t>()] = {v.at("n").get<int64_t>(),
                                                v.at("total").get<int64_t>()};
      ++got;
    }
    return got;
  };

  int resumed = 0;             // runs that resumed from a checkpoint
  int grew = 0;                // killed runs during which the output grew
  uint64_t last_resumed = 0;   // of the window query
  std::uniform_int_distribution<int> kill_after_ms(0, 1200);
  for (int run = 0; run < kRuns; ++run) {
    ProduceChunk(*producer, run * kChunkRows, kChunkRows);
    WeirProcess weir(script, dir);
    weir.WaitUntilRunning();
    const uint64_t from = ResumedFrom(weir.out(), "windows");
    BOOST_TEST(from >= last_resumed, "resumed from " << from << ":\n"
                                                     << weir.out() << "\n"
                                                     << weir.err());
    last_resumed = std::max(last_resumed, from);
    resumed += from > 0 ? 1 : 0;
    const int after = kill_after_ms(random);
    std::this_thread::sleep_for(milliseconds(after));
    BOOST_REQUIRE_MESSAGE(!weir.exited(), "weir ended: " << weir.err());
    weir.Kill();
    const size_t got = read_outputs();
    grew += got > 0 ? 1 : 0;
    BOOST_TEST_MESSAGE("run " << run << ": resumed from " << from
                              << ", killed after " << after << " ms, "
                              << got << " new output records");
  }

  // The last run goes on until the outputs are complete (or a deadline far
  // beyond what it needs: the assertions below then say what is missing).
  WeirProcess weir(script, dir);
  weir.WaitUntilRunning();
  const auto deadline = Clock::now() + seconds(90);
  while ((windows_seen.size() < expected_set.size() ||
          last_per_key != expected_keys) &&
         Clock::now() < deadline && !weir.exited()) {
    read_outputs();
  }
  const std::string out = weir.out();
  const int code = weir.Stop();
  BOOST_TEST(code == 0, weir.err());
  read_outputs();

  BOOST_TEST_MESSAGE(resumed << " of " << kRuns + 1
                             << " runs resumed from a checkpoint (last "
                             << ResumedFrom(out, "windows") << "); output grew in "
                             << grew << " killed runs; " << window_rows
                             << " window rows for " << windows_seen.size()
                             << " distinct");
  // The kills hit the queries at work: runs resumed from checkpoints the
  // killed ones took, and wrote output before they were killed.
  BOOST_TEST(resumed > 0);
  BOOST_TEST(ResumedFrom(out, "windows") >= last_resumed);
  BOOST_TEST(grew > 0);
  BOOST_TEST(windows_seen.size() == expected_set.size());
  BOOST_TEST((windows_seen == expected_set));
  BOOST_TEST(last_per_key.size() == expected_keys.size());
  BOOST_TEST((last_per_key == expected_keys));
  int shown = 0;
  for (const auto& [k, want] : expected_keys) {
    const auto it = last_per_key.find(k);
    if (it != last_per_key.end() && it->second == want) continue;
    if (++shown > 5) break;
    BOOST_TEST_MESSAGE("key " << k << ": want " << want.first << "/"
                              << want.second << ", got "
                              << (it == last_per_key.end()
                                      ? std::string("nothing")
                                      : std::to_string(it->second.first) +
                                            "/" +
                                            std::to_string(it->second.second)));
  }
  std::filesystem::remove_all(dir);
}
