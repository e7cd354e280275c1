// Watermarks end to end: SHOW QUERIES reports each query's watermark, the
// minimum over partitions and tasks, with an idle partition released and
// held again on a clock the test moves by hand (no sleeps as asserts, no
// timing thresholds: the test waits for conditions, the clock decides
// idleness). Expected watermarks are worked out from the produced event
// times in the comments.
#define BOOST_TEST_MODULE watermark_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/exec/clock.h"
#include "engine/session/session.h"

using namespace weir;
namespace kafka = weir::connectors::kafka;

namespace {

struct Run {
  std::string error;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

Run Execute(Session& s, const std::string& sql) {
  Run run;
  absl::Status st = s.ExecuteScript(sql, [&](const StatementResult& r) {
    if (!r.columns.empty()) {
      run.columns = r.columns;
      run.rows = r.rows;
    }
  });
  run.error = st.ok() ? "" : std::string(st.message());
  return run;
}

std::unique_ptr<Session> ClockedSession(
    std::shared_ptr<const exec::Clock> clock) {
  auto s = Session::Create({.connect_to_sources = true,
                            .connectors = weir::connectors::BuiltinConnectors(),
                            .clock = std::move(clock)});
  BOOST_REQUIRE(s.ok());
  return std::move(*s);
}

/// The cell of `column` in the first row of SHOW QUERIES.
std::string QueryCell(Session& s, const std::string& column) {
  Run r = Execute(s, "SHOW QUERIES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (r.columns[c] == column) return r.rows[0][c];
  }
  BOOST_FAIL("no column " + column);
  return "";
}

/// Waits up to a minute for `done`; returns whether it came true.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// Writes one JSON record {"id": id, "ts": ts} to `partition`.
void Produce(kafka::KafkaProducer& producer, int32_t partition, int id,
             const std::string& ts) {
  const std::string value =
      "{\"id\": " + std::to_string(id) + ", \"ts\": \"" + ts + "\"}";
  BOOST_REQUIRE(
      producer.Produce("events", partition, std::nullopt, value).ok());
  BOOST_REQUIRE(producer.Flush(std::chrono::seconds(30)).ok());
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    kafka_watermark_is_the_minimum_and_an_idle_partition_lets_go) {
  auto started = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(started.ok(), started.status().message());
  auto broker = std::move(*started);
  BOOST_REQUIRE(broker->CreateTopic("events", 3).ok());
  const std::string bootstrap = broker->bootstrap_servers();
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  // Partition 0 up to 10:00:05, partition 1 up to 10:00:03 (out of order),
  // partition 2 nothing.
  Produce(**producer, 0, 1, "2026-01-01 10:00:01");
  Produce(**producer, 0, 2, "2026-01-01 10:00:05");
  Produce(**producer, 1, 3, "2026-01-01 10:00:03");
  Produce(**producer, 1, 4, "2026-01-01 10:00:02");

  auto clock = std::make_shared<exec::ManualClock>();
  auto s = ClockedSession(clock);
  // Two tasks: task 0 reads partitions 0 and 2, task 1 partition 1.
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + bootstrap +
              "'; SET 'parallelism' = '2';"
              "SET 'watermark.idle-timeout' = '5s';"
              "CREATE STREAM events (id BIGINT, ts TIMESTAMP(3), WATERMARK "
              "FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = "
              "'kafka', topic = 'events');"
              "CREATE STREAM copies (id BIGINT) WITH (connector = 'kafka', "
              "topic = 'copies');"
              "INSERT INTO copies SELECT id FROM events;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE(WaitFor([&] { return QueryCell(*s, "rows read") == "4"; }));
  // Partition 2 has no event time and is not idle (the clock stands
  // still): it holds the query's watermark at "none".
  BOOST_TEST(QueryCell(*s, "watermark") == "");

  // 3 s on, partitions 0 and 1 get rows again (not beyond what they had);
  // 3 s more and only partition 2 has been silent for 5 s or longer: it is
  // idle, and the watermark is min(10:00:05, 10:00:03) - 1 s.
  clock->Advance(std::chrono::seconds(3));
  Produce(**producer, 0, 5, "2026-01-01 10:00:04");
  Produce(**producer, 1, 6, "2026-01-01 10:00:01");
  BOOST_REQUIRE(WaitFor([&] { return QueryCell(*s, "rows read") == "6"; }));
  BOOST_TEST(QueryCell(*s, "watermark") == "");
  clock->Advance(std::chrono::seconds(3));
  BOOST_TEST(WaitFor(
      [&] { return QueryCell(*s, "watermark") == "2026-01-01 10:00:02"; }));

  // Partition 2 comes back, behind: the watermark does not step back.
  Produce(**producer, 2, 7, "2026-01-01 10:00:01");
  BOOST_REQUIRE(WaitFor([&] { return QueryCell(*s, "rows read") == "7"; }));
  BOOST_TEST(QueryCell(*s, "watermark") == "2026-01-01 10:00:02");
  // Partition 1 moves to 10:00:09 (task 1 at 10:00:08); task 0 stays at
  // 10:00:04 (partitions 0 at 10:00:04 and 2 at 10:00:00, never back).
  Produce(**producer, 1, 8, "2026-01-01 10:00:09");
  BOOST_TEST(WaitFor(
      [&] { return QueryCell(*s, "watermark") == "2026-01-01 10:00:04"; }));
  // Partition 0 jumps to 10:00:20, but partition 2 holds task 0 again (at
  // 10:00:00, below what it emitted): still 10:00:04.
  Produce(**producer, 0, 9, "2026-01-01 10:00:20");
  BOOST_REQUIRE(WaitFor([&] { return QueryCell(*s, "rows read") == "9"; }));
  BOOST_TEST(QueryCell(*s, "watermark") == "2026-01-01 10:00:04");
  // Partition 2 moves to 10:00:07: task 0 = min(10:00:19, 10:00:06), the
  // query min(10:00:06, 10:00:08).
  Produce(**producer, 2, 10, "2026-01-01 10:00:07");
  BOOST_TEST(WaitFor(
      [&] { return QueryCell(*s, "watermark") == "2026-01-01 10:00:06"; }));
  // Everything silent for 5 s: nothing holds the watermark back any more,
  // it moves to the largest, partition 0's 10:00:19.
  clock->Advance(std::chrono::seconds(5));
  BOOST_TEST(WaitFor(
      [&] { return QueryCell(*s, "watermark") == "2026-01-01 10:00:19"; }));
  BOOST_TEST(QueryCell(*s, "rows read") == "10");
  r = Execute(*s, "TERMINATE ALL;");
  BOOST_TEST(r.error == "");
}

BOOST_AUTO_TEST_CASE(a_generator_query_reports_its_last_watermark) {
  auto started = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(started.ok(), started.status().message());
  auto broker = std::move(*started);
  auto clock = std::make_shared<exec::ManualClock>();
  auto s = ClockedSession(clock);
  // 1,000 nexmark events at 1,000 per second of event time: event n at
  // 2026-01-01 00:00:00 + n ms. Each block of 50 events is a person, 3
  // auctions, then 46 bids, so the last bid is event 999, at 00:00:00.999;
  // minus the 4 s of the watermark: 2025-12-31 23:59:56.999. The two
  // splits end with events 949 and 999; once both ended the query's
  // watermark is the later.
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + broker->bootstrap_servers() +
              "'; SET 'parallelism' = '2';"
              "CREATE STREAM gen_bids (WATERMARK FOR date_time AS date_time - "
              "INTERVAL '4' SECOND) WITH (connector = 'nexmark', table = "
              "'bid', max-events = 1000, events-per-second = 1000);"
              "CREATE STREAM bids (auction BIGINT) WITH (connector = 'kafka', "
              "topic = 'bids');"
              "INSERT INTO bids SELECT auction FROM gen_bids;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE(s->WaitForQueries([] { return false; }).ok());
  BOOST_TEST(QueryCell(*s, "state") == "FINISHED");
  BOOST_TEST(QueryCell(*s, "rows read") == "920");  // 1000 * 46 / 50
  BOOST_TEST(QueryCell(*s, "watermark") == "2025-12-31 23:59:56.999");
}

BOOST_AUTO_TEST_CASE(a_stream_s_own_idle_timeout_overrides_the_session_s) {
  auto started = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(started.ok(), started.status().message());
  auto broker = std::move(*started);
  BOOST_REQUIRE(broker->CreateTopic("events", 2).ok());
  const std::string bootstrap = broker->bootstrap_servers();
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  // Partition 0 up to 10:00:05; partition 1 stays empty.
  Produce(**producer, 0, 1, "2026-01-01 10:00:05");

  auto clock = std::make_shared<exec::ManualClock>();
  auto s = ClockedSession(clock);
  // The session would hold an empty partition back for an hour; the
  // stream's own option lets it go after 5 s.
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + bootstrap +
              "'; SET 'parallelism' = '1';"
              "SET 'watermark.idle-timeout' = '1h';"
              "CREATE STREAM events (id BIGINT, ts TIMESTAMP(3), WATERMARK "
              "FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = "
              "'kafka', topic = 'events', watermark.idle-timeout = '5s');"
              "CREATE STREAM copies (id BIGINT) WITH (connector = 'kafka', "
              "topic = 'copies');"
              "INSERT INTO copies SELECT id FROM events;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE(WaitFor([&] { return QueryCell(*s, "rows read") == "1"; }));
  // Partition 1 is not idle yet (the clock stands still): no watermark.
  BOOST_TEST(QueryCell(*s, "watermark") == "");
  // 5 s on (far below the session's hour) partition 1 is idle, and the
  // watermark is partition 0's 10:00:05 - 1 s.
  clock->Advance(std::chrono::seconds(5));
  BOOST_TEST(WaitFor(
      [&] { return QueryCell(*s, "watermark") == "2026-01-01 10:00:04"; }));
  r = Execute(*s, "TERMINATE ALL;");
  BOOST_TEST(r.error == "");
}

BOOST_AUTO_TEST_CASE(the_idle_timeout_option_is_checked_when_declared) {
  auto s = ClockedSession(std::make_shared<exec::ManualClock>());
  Run r = Execute(*s,
                  "CREATE STREAM e (id BIGINT) WITH (connector = 'kafka', "
                  "topic = 'e', watermark.idle-timeout = '5 seconds');");
  BOOST_TEST(r.error.find("option 'watermark.idle-timeout' must be a "
                          "duration like '5s' or '500ms'") != std::string::npos,
             r.error);
  r = Execute(*s,
              "CREATE STREAM e (id BIGINT) WITH (connector = 'datagen', "
              "watermark.idle-timeout = '0s');"
              "CREATE SINK out WITH (connector = 'kafka', topic = 'out', "
              "watermark.idle-timeout = '5s') AS SELECT id FROM e;");
  BOOST_TEST(r.error.find("applies to a STREAM or TABLE that is read, not to "
                          "a sink") != std::string::npos,
             r.error);
}
