// Checkpoints and restore (docs/state-and-recovery.md), end to end: the
// weir binary runs an updating aggregate and a window-close aggregate over
// a bounded nexmark stream into topics of an embedded broker held by the
// test, checkpointing every 100 ms, and is crashed by a failpoint right
// after a commit record (a real _exit: no flush, no destructors). Run
// again, the same statements resume from their last checkpoints and run to
// the end. The output topics, folded, must equal a plain fold of the
// generator's bids computed here: every key's last upsert is its final
// COUNT/SUM (at-least-once: replayed updates come again, the last wins),
// and every window is there with its final values (duplicates allowed for
// now: a window emitted after the last checkpoint before the crash is
// emitted again, with the same values). The same over a Kafka source: a
// query crashed after reading half the input, resumed after the other half
// was produced, must read on from its checkpoint's offsets (from the start
// it would count twice, from the end it would miss rows). A changed query
// is refused; the commit record's metadata round-trips.
#define BOOST_TEST_MODULE checkpoint_test
#include "engine/exec/checkpoint.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/generators/nexmark.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/base/failpoint.h"
#include "fmt/format.h"
#include "tests/e2e/read_topic.h"
#include "tests/unit/plan_test_util.h"
#include "tests/unit/run_weir.h"

using namespace weir;
namespace kafka = weir::connectors::kafka;
namespace gen = weir::connectors::generators;

namespace {

constexpr int64_t kEvents = 400000;
constexpr int64_t kEventsPerSecond = 100000;  // 4 s of input per run
constexpr int64_t kWindowMicros = 100000;     // TUMBLE of 0.1 s

/// COUNT(*) and SUM(price).
struct Totals {
  int64_t n = 0;
  int64_t total = 0;
  bool operator==(const Totals&) const = default;
};

/// The plain fold: per auction, and per window in window order.
struct Expected {
  std::map<int64_t, Totals> per_auction;
  std::vector<Totals> per_window;
};

Expected Fold() {
  gen::NexmarkOptions options;
  options.max_events = kEvents;
  options.events_per_second = kEventsPerSecond;
  const types::Schema schema(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  const size_t auction = *schema.IndexOf("auction");
  const size_t price = *schema.IndexOf("price");
  const size_t date_time = *schema.IndexOf("date_time");
  Expected e;
  std::map<int64_t, Totals> windows;
  test::ForEachNexmarkBid(options, [&](const types::Batch& b, size_t r) {
    const int64_t p = b.column(price).ints()[r];
    Totals& a = e.per_auction[b.column(auction).ints()[r]];
    ++a.n;
    a.total += p;
    // Times are positive: division rounds down.
    Totals& w = windows[b.column(date_time).ints()[r] / kWindowMicros];
    ++w.n;
    w.total += p;
  });
  for (const auto& [start, t] : windows) e.per_window.push_back(t);
  return e;
}

/// What Script writes.
struct Job {
  std::string window = "0.1";  // the TUMBLE's size in seconds
  bool counts = true;          // the updating aggregate too
  std::string guarantee = "exactly-once";
};

/// The job; its sinks write topics `prefix`counts (with job.counts) and
/// `prefix`windows.
std::string Script(const std::string& bootstrap, const std::string& dir,
                   const std::string& prefix, const Job& job = {}) {
  const std::string with =
      "', 'sink.delivery-guarantee' = '" + job.guarantee + "') AS SELECT ";
  std::string script =
      "SET 'bootstrap.servers' = '" + bootstrap + "';\n" +
      "SET 'state.dir' = '" + dir + "';\n" +
      "SET 'checkpoint.interval' = '100ms';\n"
      "SET 'parallelism' = '2';\n"
      "CREATE STREAM bids (auction BIGINT NOT NULL, price BIGINT NOT "
      "NULL, date_time TIMESTAMP(3) NOT NULL, WATERMARK FOR date_time AS "
      "date_time - INTERVAL '0.01' SECOND) WITH (connector = 'nexmark', "
      "table = 'bid', max-events = " +
      std::to_string(kEvents) +
      ", events-per-second = " + std::to_string(kEventsPerSecond) + ");\n";
  if (job.counts) {
    script += "CREATE SINK counts WITH (connector = 'kafka', topic = '" +
              prefix + "counts" + with +
              "auction, COUNT(*) AS n, SUM(price) AS total FROM bids GROUP "
              "BY auction;\n";
  }
  script += "CREATE SINK windows WITH (connector = 'kafka', topic = '" +
            prefix + "windows" + with +
            "window_start, COUNT(*) AS n, SUM(price) AS total FROM "
            "TUMBLE(bids, date_time, INTERVAL '" +
            job.window +
            "' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW "
            "CLOSE;\n"
            "SHOW QUERIES;\n";
  return script;
}

/// Every record of `topic` (partitions 0..partitions-1) up to its end.
/// Partitions of the updating aggregate's output topic: its upserts (~160K
/// records with a crash's replay) must stay within what the embedded
/// broker keeps per partition (its last 5 MiB).
constexpr int kCountsPartitions = 8;

std::vector<kafka::KafkaMessage> ReadAll(const std::string& bootstrap,
                                         const std::string& topic,
                                         int partitions, size_t at_least) {
  return testing::ReadWhatIsThere(bootstrap, topic, partitions, at_least);
}

std::string StateDir() { return testing::MakeTempDir(); }

}  // namespace

BOOST_AUTO_TEST_CASE(metadata_round_trips_and_damage_is_data_loss) {
  exec::CheckpointMetadata m;
  m.fingerprint = exec::PlanFingerprint("plan text");
  m.plan = "Logical plan:\nline 1\n\nPhysical plan:\nline 2";
  m.positions = {exec::SourcePosition{{0, 17}, {3, 42}}, std::nullopt,
                 exec::SourcePosition{}};
  auto back = exec::CheckpointMetadata::Decode(m.Encode(), "test");
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().message());
  BOOST_TEST(back->fingerprint == m.fingerprint);
  BOOST_TEST(back->plan == m.plan);
  BOOST_TEST((back->positions == m.positions));
  BOOST_TEST(back->watermarks.empty());  // none recorded: none restored
  m.watermarks = {exec::kNoWatermark, 1767225600000000, exec::kEndOfTime};
  back = exec::CheckpointMetadata::Decode(m.Encode(), "test");
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().message());
  BOOST_TEST((back->watermarks == m.watermarks));
  BOOST_TEST(back->plan == m.plan);
  BOOST_TEST(exec::PlanFingerprint("plan text") != exec::PlanFingerprint("x"));
  std::string damaged = m.Encode();
  damaged.replace(damaged.find("17"), 2, "x7");
  BOOST_TEST(absl::IsDataLoss(
      exec::CheckpointMetadata::Decode(damaged, "test").status()));
  BOOST_TEST(
      absl::IsDataLoss(exec::CheckpointMetadata::Decode("", "test").status()));
}

BOOST_AUTO_TEST_CASE(show_queries_text_of_a_checkpoint) {
  BOOST_TEST(exec::CheckpointText(std::nullopt, 0) == "");
  BOOST_TEST(exec::CheckpointText(std::nullopt, 4) == "resumed from 4");
  exec::CheckpointInfo info;
  info.id = 7;
  info.completed = std::chrono::system_clock::time_point(
      std::chrono::seconds(13 * 3600 + 42 * 60 + 7));
  info.duration = std::chrono::milliseconds(120);
  info.bytes = 34 * 1024;
  BOOST_TEST(exec::CheckpointText(info, 4) ==
             "7 at 13:42:07 UTC, 120 ms, 34.0 KiB; resumed from 4");
}

/// The checkpoint id of the last marker in sink `sink`'s marker topic
/// (0: none).
uint64_t LastMarker(const std::string& bootstrap, const std::string& sink) {
  uint64_t last = 0;
  for (const auto& m :
       ReadAll(bootstrap, "weir-sink-" + sink + ".checkpoints", 1, 0)) {
    if (m.value) last = std::stoull(*m.value);
  }
  return last;
}

/// SHOW QUERIES in `out` says query `name` resumed from checkpoint `id`:
/// "| name | ... | resumed from N |".
void CheckResumedFrom(const std::string& out, const std::string& name,
                      uint64_t id) {
  const size_t row = out.find("| " + name + " ");
  BOOST_REQUIRE(row != std::string::npos);
  const std::string line = out.substr(row, out.find('\n', row) - row);
  BOOST_TEST(
      line.find(fmt::format("resumed from {} ", id)) != std::string::npos,
      "marker " << id << ": " << line);
}

/// Runs the job, crashed at the `nth` hit of `failpoint` (of its queries
/// together), then again to the end; checks the output. `exact`: the
/// window-close query alone, and its output must hold each window once.
void CrashAndResume(kafka::EmbeddedBroker& broker, const Expected& expected,
                    const std::string& failpoint, int nth, bool exact = false) {
  BOOST_TEST_MESSAGE("crash at " << failpoint);
  const std::string prefix = std::string(failpoint).substr(11) + "_";
  BOOST_REQUIRE(broker.CreateTopic(prefix + "counts", kCountsPartitions).ok());
  BOOST_REQUIRE(broker.CreateTopic(prefix + "windows", 2).ok());
  const std::string bootstrap = broker.bootstrap_servers();
  const std::string dir = StateDir();
  // The exact case runs the window-close query alone: the failpoint counts
  // the hits of every query of the process, and a crash in another query's
  // coordinator would leave this one's open transaction (rows after its
  // last commit record, visible on the embedded broker) to be written
  // again: at-least-once, not the roll forward under test.
  Job job;
  job.counts = !exact;
  const std::string script = Script(bootstrap, dir, prefix, job);

  // Run 1 dies at the failpoint's 3rd hit.
  testing::WeirRun crashed = testing::RunWeir(
      {"-f", "-"}, script,
      {"WEIR_FAILPOINTS=" + failpoint + "=crash@" + std::to_string(nth)});
  BOOST_REQUIRE_EQUAL(crashed.exit_code, kFailpointExitCode);
  BOOST_TEST(crashed.err.find("failpoint") != std::string::npos);
  const std::filesystem::path state(dir);
  const bool windows_committed =
      std::filesystem::exists(state / "windows" / "COMMIT");
  const bool committed =
      windows_committed ||
      (job.counts && std::filesystem::exists(state / "counts" / "COMMIT"));
  BOOST_TEST(committed);

  // A changed query is refused, naming what changed (a windows query
  // without a checkpoint would start afresh and write other windows).
  // (Not in the exact case: that run would do the roll forward, which
  // run 2 must show.)
  if (windows_committed && !exact) {
    testing::WeirRun changed = testing::RunWeir(
        {"-f", "-"}, Script(bootstrap, dir, prefix, {.window = "0.2"}));
    BOOST_TEST(changed.exit_code == 1);
    BOOST_TEST(changed.err.find("belongs to a different query plan") !=
                   std::string::npos,
               changed.err);
    BOOST_TEST(changed.err.find("now:") != std::string::npos, changed.err);
  }

  // What the windows sink committed last (its marker) is where the query
  // resumes: after a crash between the sink's commit and the commit
  // record, the state rolls forward to it.
  const uint64_t marker = LastMarker(bootstrap, "windows");

  // Run 2: the same statements resume and run to the end.
  testing::WeirRun resumed = testing::RunWeir({"-f", "-"}, script);
  BOOST_REQUIRE_EQUAL(resumed.exit_code, 0);
  if (committed) {
    BOOST_TEST(resumed.out.find("resumed from") != std::string::npos,
               resumed.out);
  }
  if (exact) {
    BOOST_TEST(resumed.err.find("'windows': the sinks committed checkpoint") !=
                   std::string::npos,
               resumed.err);
  }
  if (marker > 0) CheckResumedFrom(resumed.out, "windows", marker);

  // The updating aggregate: the last upsert of each key is its final value.
  if (job.counts) {
    std::map<int64_t, Totals> per_auction;
    for (const auto& m :
         ReadAll(bootstrap, prefix + "counts", kCountsPartitions,
                 expected.per_auction.size())) {
      BOOST_REQUIRE(m.key && m.value);
      const auto v = nlohmann::json::parse(*m.value);
      per_auction[v.at("auction").get<int64_t>()] = {
          v.at("n").get<int64_t>(), v.at("total").get<int64_t>()};
    }
    BOOST_TEST(per_auction.size() == expected.per_auction.size());
    BOOST_TEST((per_auction == expected.per_auction));
  }

  // The window-close aggregate: every window, each copy with its final
  // values.
  std::map<std::string, Totals> per_window;
  size_t copies = 0;
  for (const auto& m :
       ReadAll(bootstrap, prefix + "windows", 2, expected.per_window.size())) {
    BOOST_REQUIRE(m.value);
    const auto v = nlohmann::json::parse(*m.value);
    const Totals t{v.at("n").get<int64_t>(), v.at("total").get<int64_t>()};
    auto [it, added] =
        per_window.emplace(v.at("window_start").get<std::string>(), t);
    BOOST_TEST((it->second == t), "window " << it->first);
    ++copies;
  }
  std::vector<Totals> got;  // in window order: the times sort as text
  for (const auto& [start, t] : per_window) got.push_back(t);
  BOOST_TEST(got.size() == expected.per_window.size());
  BOOST_TEST((got == expected.per_window));
  BOOST_TEST_MESSAGE("window rows written: " << copies << " for " << got.size()
                                             << " windows");
  // Rolled forward, nothing was written twice: the embedded broker hides
  // no aborted rows, and none were aborted (a crash before the sink's
  // commit replays, and there the rows of the aborted transaction stay
  // visible, so copies are allowed).
  if (exact) BOOST_TEST(copies == got.size());
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_crash_at_each_step_of_a_checkpoint_loses_nothing) {
  const Expected expected = Fold();
  BOOST_REQUIRE(expected.per_window.size() > 10u);
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  // Each checkpoint of the two queries passes the state write once per
  // task (12 tasks) and each commit point once per query: crash in about
  // the third checkpoint.
  CrashAndResume(**broker, expected, exec::kFailpointAfterStateWrite, 30);
  CrashAndResume(**broker, expected, exec::kFailpointBeforeCommitRecord, 5);
  CrashAndResume(**broker, expected, exec::kFailpointBeforeSinkCommit, 5);
  CrashAndResume(**broker, expected, exec::kFailpointAfterCommitRecord, 5);
}

// Exactly-once: a crash after the sinks committed checkpoint n with their
// markers and before its commit record rolls the state forward to n on
// restart (the marker says n), so n's rows are not written again; the
// window-close output then holds every window exactly once.
BOOST_AUTO_TEST_CASE(a_crash_during_the_sink_commit_rolls_forward) {
  const Expected expected = Fold();
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  CrashAndResume(**broker, expected, exec::kFailpointDuringSinkCommit, 5,
                 /*exact=*/true);
}

// A bounded input read to its end takes a final checkpoint: the job run
// again against the same state.dir resumes at the end and writes nothing
// (without it, it would replay from its last periodic checkpoint), and an
// exactly-once sink's last rows are committed with the final marker. No
// crash here, so the window-close output is exact with either guarantee.
BOOST_AUTO_TEST_CASE(a_finished_job_run_again_writes_nothing) {
  const Expected expected = Fold();
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  for (const std::string guarantee : {"exactly-once", "at-least-once"}) {
    BOOST_TEST_MESSAGE("sink.delivery-guarantee " << guarantee);
    const std::string prefix = "final_" + guarantee.substr(0, 5) + "_";
    BOOST_REQUIRE(
        (*broker)->CreateTopic(prefix + "counts", kCountsPartitions).ok());
    BOOST_REQUIRE((*broker)->CreateTopic(prefix + "windows", 2).ok());
    const std::string dir = StateDir();
    Job job;
    job.guarantee = guarantee;
    const std::string script = Script(bootstrap, dir, prefix, job);

    testing::WeirRun first = testing::RunWeir({"-f", "-"}, script);
    BOOST_REQUIRE_EQUAL(first.exit_code, 0);
    const auto counts = ReadAll(bootstrap, prefix + "counts", kCountsPartitions,
                                expected.per_auction.size());
    const auto windows =
        ReadAll(bootstrap, prefix + "windows", 2, expected.per_window.size());
    BOOST_TEST(windows.size() == expected.per_window.size());
    std::map<int64_t, Totals> per_auction;
    for (const auto& m : counts) {
      const auto v = nlohmann::json::parse(m.value.value_or("{}"));
      per_auction[v.at("auction").get<int64_t>()] = {
          v.at("n").get<int64_t>(), v.at("total").get<int64_t>()};
    }
    BOOST_TEST((per_auction == expected.per_auction));
    // Exactly-once: the final checkpoint committed the last transaction.
    const uint64_t marker =
        guarantee == "exactly-once" ? LastMarker(bootstrap, "windows") : 0;

    testing::WeirRun second = testing::RunWeir({"-f", "-"}, script);
    BOOST_REQUIRE_EQUAL(second.exit_code, 0);
    BOOST_TEST(second.out.find("resumed from") != std::string::npos,
               second.out);
    // Nothing more was written (read up to the end again).
    BOOST_TEST(
        ReadAll(bootstrap, prefix + "counts", kCountsPartitions, counts.size())
            .size() == counts.size());
    BOOST_TEST(
        ReadAll(bootstrap, prefix + "windows", 2, windows.size()).size() ==
        windows.size());
    if (guarantee == "exactly-once") {
      // Its marker is the final checkpoint, where the second run resumed.
      BOOST_TEST(marker > 0u);
      CheckResumedFrom(second.out, "windows", marker);
    }
    std::filesystem::remove_all(dir);
  }
}

namespace {

/// Produces `count` bids (auction, price) as JSON into `topic`, record i
/// into partition i % partitions, starting at bid `first`; adds them to
/// `expected`.
void ProduceBids(const std::string& bootstrap, const std::string& topic,
                 int partitions, int64_t first, int64_t count,
                 std::map<int64_t, Totals>* expected) {
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  for (int64_t i = first; i < first + count; ++i) {
    const int64_t auction = (i * 7919) % 97;
    const int64_t price = (i * 104729) % 1000;
    BOOST_REQUIRE(
        (*producer)
            ->Produce(
                topic, static_cast<int32_t>(i % partitions), std::nullopt,
                nlohmann::json{{"auction", auction}, {"price", price}}.dump())
            .ok());
    Totals& t = (*expected)[auction];
    ++t.n;
    t.total += price;
  }
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(60)).ok());
}

/// The upsert topic `topic` folded (the last record per key wins), read
/// until it equals `expected` or a minute passes.
std::map<int64_t, Totals> FoldCounts(
    const std::string& bootstrap, const std::string& topic,
    const std::map<int64_t, Totals>& expected) {
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(consumer.ok());
  BOOST_REQUIRE((*consumer)->Assign(topic, {0, 1}, kafka::StartOffset{}).ok());
  std::map<int64_t, Totals> got;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got != expected && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*consumer)->Poll(10000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (const auto& m : *polled) {
      BOOST_REQUIRE(m.value);
      const auto v = nlohmann::json::parse(*m.value);
      got[v.at("auction").get<int64_t>()] = {v.at("n").get<int64_t>(),
                                             v.at("total").get<int64_t>()};
    }
  }
  return got;
}

/// weir running `script` (as -f -) in the background until Stop.
class Background {
 public:
  explicit Background(const std::string& script) {
    dir_ = testing::MakeTempDir();
    std::ofstream(dir_ + "/in") << script;
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int in = ::open((dir_ + "/in").c_str(), O_RDONLY);
      const int out = ::open((dir_ + "/out").c_str(), O_WRONLY | O_CREAT, 0600);
      if (in < 0 || out < 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      testing::internal::ExecWeir({"-f", "-"}, {});
    }
  }
  /// SIGTERM, then its exit status (-1: not a normal exit) and output.
  int Stop(std::string* output) {
    ::kill(pid_, SIGTERM);
    const int code = testing::internal::ExitCode(pid_);
    *output = testing::ReadFile(dir_ + "/out");
    std::filesystem::remove_all(dir_);
    return code;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_kafka_source_resumes_at_its_checkpointed_offsets) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  BOOST_REQUIRE((*broker)->CreateTopic("kbids", 4).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("kcounts", 2).ok());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  const std::string dir = StateDir();
  const std::string script =
      "SET 'bootstrap.servers' = '" + bootstrap + "';\n" +
      "SET 'state.dir' = '" + dir + "';\n" +
      "SET 'checkpoint.interval' = '100ms';\n"
      "SET 'parallelism' = '2';\n"
      "CREATE STREAM kbids (auction BIGINT, price BIGINT) WITH (connector = "
      "'kafka', topic = 'kbids');\n"
      "CREATE SINK kcounts WITH (connector = 'kafka', topic = 'kcounts') AS "
      "SELECT auction, COUNT(*) AS n, SUM(price) AS total FROM kbids GROUP "
      "BY auction;\n"
      "SHOW QUERIES;\n";
  std::map<int64_t, Totals> expected;
  ProduceBids(bootstrap, "kbids", 4, 0, 20000, &expected);
  // A Kafka stream never ends: checkpoints go on, and the 5th commit
  // record is the last.
  testing::WeirRun crashed =
      testing::RunWeir({"-f", "-"}, script,
                       {std::string("WEIR_FAILPOINTS=") +
                        exec::kFailpointAfterCommitRecord + "=crash@5"});
  BOOST_REQUIRE_EQUAL(crashed.exit_code, kFailpointExitCode);
  ProduceBids(bootstrap, "kbids", 4, 20000, 20000, &expected);

  Background resumed(script);
  const std::map<int64_t, Totals> got =
      FoldCounts(bootstrap, "kcounts", expected);
  std::string output;
  const int code = resumed.Stop(&output);
  BOOST_TEST(code == 0, output);
  BOOST_TEST(output.find("resumed from 5") != std::string::npos, output);
  BOOST_TEST(got.size() == expected.size());
  BOOST_TEST((got == expected));
  std::filesystem::remove_all(dir);
}

namespace {

/// Row `id` of the late-row test: v = id * 7 % 100 at `ms` ms of event time.
std::string LateTestRow(int64_t id, int64_t ms) {
  return nlohmann::json{
      {"id", id},
      {"v", id * 7 % 100},
      {"ts", fmt::format("2026-01-01 00:00:{:02}.{:03}", ms / 1000, ms % 1000)}}
      .dump();
}

}  // namespace

// A row late before a crash stays late after it: the watermark is part of
// the checkpoint. The late row arrives after the restart, behind the
// watermark the crashed run had reached (and checkpointed); a resumed run
// without that watermark would count it in a window it emitted already,
// and emit that window again with other values.
BOOST_AUTO_TEST_CASE(a_row_late_before_a_crash_stays_late_after_it) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  BOOST_REQUIRE((*broker)->CreateTopic("lin", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("lout", 1).ok());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  const std::string dir = StateDir();
  const std::string script =
      "SET 'bootstrap.servers' = '" + bootstrap + "';\n" +
      "SET 'state.dir' = '" + dir + "';\n" +
      "SET 'checkpoint.interval' = '100ms';\n"
      "SET 'parallelism' = '1';\n"
      "CREATE STREAM lin (id BIGINT NOT NULL, v BIGINT NOT NULL, ts "
      "TIMESTAMP(3) NOT NULL, WATERMARK FOR ts AS ts) WITH (connector = "
      "'kafka', topic = 'lin');\n"
      "CREATE SINK lout WITH (connector = 'kafka', topic = 'lout') AS "
      "SELECT window_start, COUNT(*) AS n, SUM(v) AS total FROM TUMBLE(lin, "
      "ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end EMIT ON "
      "WINDOW CLOSE;\n"
      "SHOW QUERIES;\n";

  // The input, in order: (id, event time in ms). Phase 1 reaches 9.9 s;
  // phase 2 starts with a row of window 0, then goes on to 13 s.
  std::vector<std::pair<int64_t, int64_t>> phase1, phase2;
  for (int64_t i = 0; i < 100; ++i) phase1.push_back({i, i * 100});
  phase2.push_back({100, 500});
  for (int64_t i = 101; i <= 131; ++i) phase2.push_back({i, (i - 1) * 100});

  // The uninterrupted run, folded: a row whose window ended at or before
  // the largest event time before it (the watermark) is dropped; windows
  // close once the watermark reaches their end.
  std::map<int64_t, Totals> windows;  // by window index (seconds)
  int64_t watermark = -1;
  for (const auto& rows : {phase1, phase2}) {
    for (const auto& [id, ms] : rows) {
      const int64_t w = ms / 1000;
      if ((w + 1) * 1000 <= watermark) continue;  // late: dropped
      Totals& t = windows[w];
      ++t.n;
      t.total += id * 7 % 100;
      watermark = std::max(watermark, ms);
    }
  }
  std::vector<Totals> expected;
  for (const auto& [w, t] : windows)
    if ((w + 1) * 1000 <= watermark) expected.push_back(t);
  BOOST_REQUIRE_EQUAL(expected.size(), 13u);

  auto produce = [&](const std::vector<std::pair<int64_t, int64_t>>& rows) {
    auto producer =
        kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
    BOOST_REQUIRE(producer.ok());
    for (const auto& [id, ms] : rows)
      BOOST_REQUIRE((*producer)
                        ->Produce("lin", 0, std::nullopt, LateTestRow(id, ms))
                        .ok());
    BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(60)).ok());
  };

  // Run 1 reads phase 1 (closing windows 0 to 8) and dies after its 5th
  // commit record.
  produce(phase1);
  testing::WeirRun crashed =
      testing::RunWeir({"-f", "-"}, script,
                       {std::string("WEIR_FAILPOINTS=") +
                        exec::kFailpointAfterCommitRecord + "=crash@5"});
  BOOST_REQUIRE_EQUAL(crashed.exit_code, kFailpointExitCode);
  produce(phase2);

  Background resumed(script);
  // Each window's values (every copy the same: at-least-once may write a
  // window twice, never with other values), in window order.
  std::map<std::string, Totals> per_window;
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(consumer.ok());
  BOOST_REQUIRE((*consumer)->Assign("lout", {0}, kafka::StartOffset{}).ok());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int quiet_polls = 0;
  // Until every window is there, then a second more (a window emitted
  // again after the restart would come before the last one: one
  // partition, one task, in order).
  while (std::chrono::steady_clock::now() < deadline &&
         (per_window.size() < expected.size() || quiet_polls < 10)) {
    auto polled = (*consumer)->Poll(10000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    if (polled->empty()) ++quiet_polls;
    for (const auto& m : *polled) {
      BOOST_REQUIRE(m.value);
      const auto v = nlohmann::json::parse(*m.value);
      const Totals t{v.at("n").get<int64_t>(), v.at("total").get<int64_t>()};
      auto [it, added] =
          per_window.emplace(v.at("window_start").get<std::string>(), t);
      BOOST_TEST((it->second == t),
                 "window " << it->first << " emitted with other values");
    }
  }
  std::string output;
  const int code = resumed.Stop(&output);
  BOOST_TEST(code == 0, output);
  BOOST_TEST(output.find("resumed from 5") != std::string::npos, output);
  std::vector<Totals> got;  // in window order: the times sort as text
  for (const auto& [start, t] : per_window) got.push_back(t);
  BOOST_TEST(got.size() == expected.size());
  BOOST_TEST((got == expected));
  std::filesystem::remove_all(dir);
}
