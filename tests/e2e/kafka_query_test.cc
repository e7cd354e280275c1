// Push queries and INSERT over Kafka on the embedded broker: results compared
// with an expectation computed from the inserted values, malformed records
// under each on-error policy, and a broker outage in the middle of a query.
#define BOOST_TEST_MODULE kafka_query_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/base/log.h"
#include "engine/session/session.h"
#include "tests/e2e/topic_ids.h"

using namespace weir;
namespace kafka = weir::connectors::kafka;

namespace {

struct Run {
  std::string error;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string messages;
};

Run Execute(Session& s, const std::string& sql) {
  Run run;
  absl::Status st = s.ExecuteScript(sql, [&](const StatementResult& r) {
    run.messages += r.message;
    if (!r.columns.empty()) {
      run.columns = r.columns;
      run.rows = r.rows;
    }
  });
  run.error = st.ok() ? "" : std::string(st.message());
  return run;
}

std::unique_ptr<Session> OnlineSession() {
  auto s =
      Session::Create({.connect_to_sources = true,
                       .connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  return std::move(*s);
}

/// A broker of the test's own, with `topic` of `partitions` partitions.
std::unique_ptr<kafka::EmbeddedBroker> Broker(const std::string& topic,
                                              int partitions) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  BOOST_REQUIRE((*broker)->CreateTopic(topic, partitions).ok());
  return std::move(*broker);
}

/// Writes `values` to partition p = index % partitions of `topic`.
void Produce(const std::string& bootstrap, const std::string& topic,
             int partitions, const std::vector<std::string>& values) {
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  for (size_t i = 0; i < values.size(); ++i) {
    BOOST_REQUIRE((*producer)
                      ->Produce(topic, static_cast<int32_t>(i % partitions),
                                std::nullopt, values[i])
                      .ok());
  }
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    insert_then_filter_over_partitions_on_the_embedded_broker) {
  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "CREATE STREAM bids (auction BIGINT, price BIGINT, channel VARCHAR) WITH "
      "(connector = 'kafka', topic = 'bids', format = 'json', partitions = "
      "3);");
  BOOST_REQUIRE_EQUAL(r.error, "");
  // 30 bids: auction i % 4, price 100 * i, channel web for even i.
  std::string values;
  std::multiset<std::string>
      expected;  // "auction|price" for price > 1000 and channel 'web'
  for (int i = 1; i <= 30; ++i) {
    const char* channel = i % 2 == 0 ? "web" : "app";
    values += std::string(i > 1 ? ", " : "") + "(" + std::to_string(i % 4) +
              ", " + std::to_string(100 * i) + ", '" + channel + "')";
    if (100 * i > 1000 && i % 2 == 0) {
      expected.insert(std::to_string(i % 4) + "|" + std::to_string(100 * i));
    }
  }
  r = Execute(*s, "INSERT INTO bids VALUES " + values + ";");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(
      r.messages.find("Started an embedded Kafka broker at 127.0.0.1:") !=
      std::string::npos);
  BOOST_TEST(r.messages.find("Inserted 30 rows into 'bids'.") !=
             std::string::npos);
  r = Execute(*s,
              "SET 'parallelism' = '2'; SELECT auction, price FROM bids WHERE "
              "price > 1000 AND "
              "channel = 'web' EMIT CHANGES LIMIT " +
                  std::to_string(expected.size()) + ";");
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::multiset<std::string> got;
  for (const auto& row : r.rows) got.insert(row[0] + "|" + row[1]);
  BOOST_TEST((got == expected));
}

BOOST_AUTO_TEST_CASE(malformed_records_follow_the_on_error_policy) {
  auto broker = Broker("raw", 2);
  const std::string bootstrap = broker->bootstrap_servers();
  // Six records; the 3rd (partition 0, offset 1) and 6th (partition 1,
  // offset 2) do not decode.
  Produce(bootstrap, "raw", 2,
          {R"({"id": 1})", R"({"id": 2})", R"({"id": "three"})", R"({"id": 4})",
           R"({"id": 5})", R"(not json)"});
  auto s = OnlineSession();
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + bootstrap +
              "'; SET 'parallelism' = '1';"
              "CREATE STREAM failing (id BIGINT) WITH (connector = 'kafka', "
              "topic = "
              "'raw');"
              "CREATE STREAM skipping (id BIGINT) WITH (connector = 'kafka', "
              "topic = "
              "'raw', format.on-error = 'skip');"
              "CREATE STREAM routing (id BIGINT) WITH (connector = 'kafka', "
              "topic = "
              "'raw', format.on-error = 'dlq', format.dlq.topic = 'raw_dlq');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  // 'fail' (the default) stops the query and names the record.
  r = Execute(*s, "SELECT id FROM failing EMIT CHANGES LIMIT 4;");
  BOOST_TEST(r.error.find("malformed record at topic 'raw' partition ") !=
                 std::string::npos,
             r.error);
  BOOST_TEST(r.error.find("format.on-error") != std::string::npos, r.error);
  // 'skip' goes on with the four good records, and logs each skip.
  std::mutex log_mu;
  std::vector<std::string> logged;
  LogSink previous = SetLogSink([&](LogLevel, const std::string& message) {
    std::lock_guard lock(log_mu);
    logged.push_back(message);
  });
  r = Execute(*s, "SELECT id FROM skipping EMIT CHANGES LIMIT 4;");
  SetLogSink(previous);
  BOOST_REQUIRE_EQUAL(r.error, "");
  bool logged_skip = false;
  for (const std::string& m : logged) {
    logged_skip |=
        m.rfind(
            "skipped a malformed record at topic 'raw' partition 0 offset 1: ",
            0) == 0;
  }
  BOOST_TEST(logged_skip);
  std::set<std::string> ids;
  for (const auto& row : r.rows) ids.insert(row[0]);
  BOOST_TEST((ids == std::set<std::string>{"1", "2", "4", "5"}));
  // 'dlq' goes on too and copies the two bad records to the DLQ topic.
  BOOST_REQUIRE(broker->CreateTopic("raw_dlq", 1).ok());
  r = Execute(*s, "SELECT id FROM routing EMIT CHANGES LIMIT 4;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.rows.size() == 4u);
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(consumer.ok());
  BOOST_REQUIRE(
      (*consumer)->Assign("raw_dlq", {0}, kafka::StartOffset::Earliest()).ok());
  std::multiset<std::string> dead;
  for (int attempt = 0; attempt < 50 && dead.size() < 2; ++attempt) {
    auto polled = (*consumer)->Poll(10, std::chrono::milliseconds(200));
    BOOST_REQUIRE(polled.ok());
    for (const auto& m : *polled) {
      dead.insert(m.value.value_or(""));
      bool has_error = false;
      for (const auto& h : m.headers) has_error |= h.key == "weir.error";
      BOOST_TEST(has_error);
    }
  }
  BOOST_TEST(
      (dead == std::multiset<std::string>{R"({"id": "three"})", "not json"}));
}

// Projection pushdown: a query over some columns decodes only those (a
// wrong type in a column it does not read is skipped, as an unknown field
// is), returns the right rows, and still fails on a record that is not
// JSON, naming it; SELECT * decodes every column and fails on the wrong type.
BOOST_AUTO_TEST_CASE(a_query_over_some_columns_decodes_only_those) {
  auto broker = Broker("wide", 3);
  const std::string bootstrap = broker->bootstrap_servers();
  // 60 records: a = i, b = "b<i>" (with an escape), c = 10 i; d is a
  // BIGINT column holding text in every record.
  std::vector<std::string> records;
  std::multiset<std::string> expected;  // "c|a" of a % 4 == 1
  for (int i = 0; i < 60; ++i) {
    records.push_back(nlohmann::json{
        {"d", "not a number"},
        {"a", i},
        {"b", "b\"" + std::to_string(i)},
        {"c", 10 * i}}.dump());
    if (i % 4 == 1)
      expected.insert(std::to_string(10 * i) + "|" + std::to_string(i));
  }
  Produce(bootstrap, "wide", 3, records);
  auto s = OnlineSession();
  Run r = Execute(*s, "SET 'bootstrap.servers' = '" + bootstrap +
                          "'; SET 'parallelism' = '2';"
                          "CREATE STREAM wide (a BIGINT, b VARCHAR, c BIGINT, "
                          "d BIGINT) WITH (connector = 'kafka', topic = "
                          "'wide', format = 'json');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  r = Execute(*s, "SELECT c, a FROM wide WHERE a % 4 = 1 EMIT CHANGES LIMIT " +
                      std::to_string(expected.size()) + ";");
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::multiset<std::string> got;
  for (const auto& row : r.rows) got.insert(row[0] + "|" + row[1]);
  BOOST_TEST((got == expected));
  // A string column through the filter and the projection.
  r = Execute(*s, "SELECT b FROM wide WHERE a = 7 EMIT CHANGES LIMIT 1;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  BOOST_TEST(r.rows[0][0] == "b\"7");
  // Every column: 'd' is decoded and refused.
  r = Execute(*s, "SELECT * FROM wide EMIT CHANGES LIMIT 60;");
  BOOST_TEST(r.error.find("field 'd': expected a number, got a string") !=
                 std::string::npos,
             r.error);
  // A record that is not JSON fails the query over some columns too, with
  // its position (partition 60 % 3 = 0, offset 20).
  Produce(bootstrap, "wide", 3,
          std::vector<std::string>(61, R"({"a": 1, "c": 2, "d": "x"})"));
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  BOOST_REQUIRE(
      (*producer)
          ->Produce("wide", 0, std::nullopt, R"({"a": 3, "c": 4 "d": 1})")
          .ok());
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
  r = Execute(*s, "SELECT c, a FROM wide EMIT CHANGES LIMIT 1000;");
  BOOST_TEST(r.error.find("malformed record at topic 'wide' partition 0 "
                          "offset 41: malformed JSON") != std::string::npos,
             r.error);
}

BOOST_AUTO_TEST_CASE(the_dlq_topic_defaults_to_the_topic_dot_dlq) {
  auto s = OnlineSession();
  // On the session's embedded broker, one partition per topic Weir makes:
  // records are read in the order written, and the last good record comes
  // after both bad ones.
  Run r = Execute(
      *s,
      "SET 'topic.partitions' = '1';"
      "CREATE STREAM lines (line VARCHAR) WITH (connector = 'kafka', topic = "
      "'events', format = 'raw');"
      "INSERT INTO lines VALUES ('{\"id\": 1}'), ('{\"id\": \"two\"}'), "
      "('{\"id\": 3}'), ('not json'), ('{\"id\": 5}');"
      "CREATE STREAM events (id BIGINT) WITH (connector = 'kafka', topic = "
      "'events', format.on-error = 'dlq');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  const std::string started = "Started an embedded Kafka broker at ";
  const size_t at = r.messages.find(started);
  BOOST_REQUIRE(at != std::string::npos);
  const size_t from = at + started.size();
  const std::string bootstrap =
      r.messages.substr(from, r.messages.find(' ', from) - from);
  r = Execute(*s, "SELECT id FROM events EMIT CHANGES LIMIT 3;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::multiset<std::string> ids;
  for (const auto& row : r.rows) ids.insert(row[0]);
  BOOST_TEST((ids == std::multiset<std::string>{"1", "3", "5"}));
  // Weir made 'events.dlq' when the query started (the broker's own
  // creation on first use would give it 4 partitions), and the two bad
  // records are there.
  auto admin = kafka::KafkaAdmin::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(admin.ok());
  auto partitions = (*admin)->PartitionCount("events.dlq");
  BOOST_REQUIRE_MESSAGE(partitions.ok(), partitions.status().message());
  BOOST_TEST(*partitions == 1);
  auto offsets = (*admin)->WatermarkOffsets("events.dlq", 0);
  BOOST_REQUIRE(offsets.ok());
  BOOST_TEST(offsets->high == 2);
  // Copied unchanged, with the error in the weir.error header.
  r = Execute(*s,
              "CREATE STREAM dead (line VARCHAR, error VARCHAR METADATA FROM "
              "'header.weir.error') WITH (connector = 'kafka', topic = "
              "'events.dlq', format = 'raw');"
              "SELECT line, error IS NOT NULL FROM dead EMIT CHANGES LIMIT 2;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::multiset<std::string> dead;
  for (const auto& row : r.rows) dead.insert(row[0] + "|" + row[1]);
  BOOST_TEST((dead == std::multiset<std::string>{R"({"id": "two"}|TRUE)",
                                                 "not json|TRUE"}));
}

namespace {

/// Captures weir::Log messages while it lives (the sources report broker
/// outages there).
class LogCapture {
 public:
  LogCapture() {
    previous_ = SetLogSink([this](LogLevel, const std::string& message) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.push_back(message);
    });
  }
  ~LogCapture() { SetLogSink(previous_); }
  bool Has(const std::string& needle) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& m : messages_) {
      if (m.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  LogSink previous_;
};

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

/// JSON records {"n": from} .. {"n": to - 1}.
std::vector<std::string> Ticks(int from, int to) {
  std::vector<std::string> values;
  for (int i = from; i < to; ++i)
    values.push_back("{\"n\": " + std::to_string(i) + "}");
  return values;
}

/// Queues ticks [from, to) for `topic` (partition i % 4) while the broker
/// is down: the idempotent producer delivers them once it is back. Checks
/// only (no REQUIRE: it runs on a helper thread too); nullptr when the
/// producer cannot be made.
std::unique_ptr<kafka::KafkaProducer> QueueTicks(const std::string& bootstrap,
                                                 const std::string& topic,
                                                 int from, int to) {
  auto producer = kafka::KafkaProducer::Create(
      {{"bootstrap.servers", bootstrap}, {"reconnect.backoff.max.ms", "200"}});
  BOOST_CHECK(producer.ok());
  if (!producer.ok()) return nullptr;
  std::vector<std::string> values = Ticks(from, to);
  for (size_t i = 0; i < values.size(); ++i) {
    BOOST_CHECK((*producer)
                    ->Produce(topic, static_cast<int32_t>(i % 4), std::nullopt,
                              values[i])
                    .ok());
  }
  return std::move(*producer);
}

/// What the sources say when the cluster goes away and comes back.
constexpr char kWaiting[] = "waiting for it to come back";
constexpr char kBack[] = "Kafka is reachable again";

}  // namespace

// The outage happens while the query reads: the first 1,000 records have
// arrived, the sources then find the broker gone and say they wait, the
// next 1,000 are produced during the outage and arrive after it. Nothing
// lost, nothing doubled.
BOOST_AUTO_TEST_CASE(a_broker_outage_loses_and_doubles_nothing) {
  LogCapture log;
  auto broker = Broker("ticks", 4);
  const std::string bootstrap = broker->bootstrap_servers();
  Produce(bootstrap, "ticks", 4, Ticks(0, 1000));
  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; CREATE STREAM ticks (n BIGINT) WITH (connector = 'kafka', topic "
          "= 'ticks');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::mutex mu;
  std::vector<int64_t> arrived;  // in arrival order
  PushHandler handler;
  handler.on_row = [&](const std::vector<std::string>& row) {
    std::lock_guard<std::mutex> lock(mu);
    arrived.push_back(std::stoll(row[0]));
    return true;
  };
  s->set_push_handler(std::move(handler));
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return arrived.size();
  };
  size_t before = 0;    // rows when the broker went down
  size_t during = 0;    // rows when it came back
  bool waited = false;  // a source said it waits for the broker
  bool produced = false;
  std::thread outage([&] {
    // On a timeout the checks below fail; the rest is still produced so
    // that the query ends.
    WaitFor([&] { return count() == 1000; });
    before = count();
    BOOST_CHECK(broker->SetBrokerDown(-1, true).ok());
    waited = WaitFor([&] { return log.Has(kWaiting); });
    auto producer = QueueTicks(bootstrap, "ticks", 1000, 2000);
    during = count();
    BOOST_CHECK(broker->SetBrokerDown(-1, false).ok());
    produced = producer && producer->Flush(std::chrono::seconds(60)).ok();
  });
  r = Execute(
      *s,
      "SET 'parallelism' = '2'; SELECT n FROM ticks EMIT CHANGES LIMIT 2000;");
  outage.join();
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(before == 1000u);  // rows arrived before the outage
  BOOST_TEST(waited);           // the sources saw it while reading
  BOOST_TEST(during == 1000u);  // none while it lasted
  BOOST_TEST(produced);
  BOOST_TEST(log.Has(kBack));
  BOOST_REQUIRE_EQUAL(arrived.size(), 2000u);
  // The rows after the outage are exactly the records produced during it.
  std::set<int64_t> first(arrived.begin(), arrived.begin() + 1000);
  std::set<int64_t> second(arrived.begin() + 1000, arrived.end());
  BOOST_TEST(first.size() == 1000u);  // no duplicates
  BOOST_TEST(second.size() == 1000u);
  BOOST_TEST(*first.begin() == 0);
  BOOST_TEST(*first.rbegin() == 999);
  BOOST_TEST(*second.begin() == 1000);
  BOOST_TEST(*second.rbegin() == 1999);
}

BOOST_AUTO_TEST_CASE(metadata_columns_carry_the_record_position_key_and_time) {
  auto broker = Broker("events", 2);
  const std::string bootstrap = broker->bootstrap_servers();
  // Partition p gets records i = p, p + 2, ...; record i has key "k<i>" and
  // timestamp 1,700,000,000,000 + i ms, so its offset in its partition is
  // i / 2.
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  for (int i = 0; i < 10; ++i) {
    std::string key = "k" + std::to_string(i);
    BOOST_REQUIRE((*producer)
                      ->Produce("events", i % 2, key,
                                "{\"id\": " + std::to_string(i) + "}", {},
                                1700000000000LL + i)
                      .ok());
  }
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; CREATE STREAM events (id BIGINT, k VARCHAR METADATA FROM 'key', "
          "part INT METADATA FROM 'partition', off BIGINT METADATA FROM "
          "'offset', "
          "ts TIMESTAMP(3) METADATA FROM 'timestamp', topic VARCHAR METADATA) "
          "WITH (connector = 'kafka', topic = 'events');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  r = Execute(*s,
              "SELECT id, k, part, off, UNIX_TIMESTAMP(ts) * 1000 + "
              "EXTRACT(MILLISECOND "
              "FROM ts) AS ms, topic FROM events EMIT CHANGES LIMIT 10;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 10u);
  std::set<int> ids;
  for (const auto& row : r.rows) {
    int i = std::stoi(row[0]);
    ids.insert(i);
    BOOST_TEST(row[1] == "k" + std::to_string(i));
    BOOST_TEST(row[2] == std::to_string(i % 2));
    BOOST_TEST(row[3] == std::to_string(i / 2));
    BOOST_TEST(row[4] == std::to_string(1700000000000LL + i));
    BOOST_TEST(row[5] == "events");
  }
  BOOST_TEST(ids.size() == 10u);
}

namespace {

/// Reads `topic` (all partitions, from the start) until `want` records came
/// or 30 s passed, then for another `settle` to catch any extra records.
std::vector<kafka::KafkaMessage> ReadTopic(const std::string& bootstrap,
                                           const std::string& topic,
                                           int partitions, size_t want,
                                           std::chrono::milliseconds settle) {
  auto consumer = weir::testing::ConsumeAll(bootstrap, topic, partitions);
  std::vector<kafka::KafkaMessage> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer->Poll(1000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (auto& m : *polled) got.push_back(std::move(m));
  }
  auto settle_end = std::chrono::steady_clock::now() + settle;
  while (std::chrono::steady_clock::now() < settle_end) {
    auto polled = consumer->Poll(1000, std::chrono::milliseconds(100));
    BOOST_REQUIRE(polled.ok());
    for (auto& m : *polled) got.push_back(std::move(m));
  }
  return got;
}

std::string Cell(const Run& r, size_t row, const std::string& column,
                 const std::vector<std::string>& columns) {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c] == column) return r.rows.at(row).at(c);
  }
  return "(no column " + column + ")";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_sink_writes_a_filtered_projection_into_another_topic) {
  auto broker = Broker("orders", 3);
  const std::string bootstrap = broker->bootstrap_servers();
  // librdkafka's mock cluster does not take CreateTopics from clients.
  BOOST_REQUIRE(broker->CreateTopic("big", 2).ok());
  // 600 orders over 3 partitions: order i has customer i % 7 and amount
  // 3 * i. Expected: orders with amount > 900 as {id, customer, doubled},
  // keyed by id.
  std::vector<std::string> values;
  std::multiset<std::string> expected;
  for (int i = 0; i < 600; ++i) {
    values.push_back(nlohmann::json{{"id", i},
                                    {"customer", i % 7},
                                    {"amount", 3 * i},
                                    {"note", "n" + std::to_string(i)}}
                         .dump());
    if (3 * i > 900) {
      expected.insert(
          nlohmann::json{{"id", i}, {"customer", i % 7}, {"doubled", 6 * i}}
              .dump() +
          " key " + nlohmann::json{{"id", i}}.dump());
    }
  }
  Produce(bootstrap, "orders", 3, values);
  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; SET 'parallelism' = '2';"
          "CREATE STREAM orders (id BIGINT, customer INT, amount BIGINT, note "
          "VARCHAR) WITH (connector = 'kafka', topic = 'orders');"
          "CREATE SINK big_orders WITH (connector = 'kafka', topic = 'big', "
          "format = 'json', partitions = 2, key.fields = 'id', "
          "'sink.delivery-guarantee' = 'at-least-once') AS SELECT id, "
          "customer, amount * 2 AS doubled FROM orders WHERE amount > 900;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(
      r.messages.find(
          "Created sink 'big_orders'. Query q1 writes to it (topic 'big').") !=
      std::string::npos);

  std::vector<kafka::KafkaMessage> got = ReadTopic(
      bootstrap, "big", 2, expected.size(), std::chrono::milliseconds(500));
  std::multiset<std::string> seen;
  for (const auto& m : got) {
    BOOST_REQUIRE(m.value.has_value());
    BOOST_REQUIRE(m.key.has_value());
    seen.insert(nlohmann::json::parse(*m.value).dump() + " key " +
                nlohmann::json::parse(*m.key).dump());
  }
  BOOST_TEST(seen.size() == expected.size());
  BOOST_TEST((seen == expected));

  // The query is listed with its progress, and holds what it reads and
  // writes until it is terminated.
  r = Execute(*s, "SHOW QUERIES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  const std::vector<std::string> columns = {
      "id",           "state",        "writes to", "rows read",
      "rows written", "rows pending", "watermark", "late rows",
      "checkpoint",   "progress",     "sql"};
  BOOST_TEST(r.columns == columns);
  BOOST_TEST(Cell(r, 0, "id", columns) == "q1");
  BOOST_TEST(Cell(r, 0, "state", columns) == "RUNNING");
  BOOST_TEST(Cell(r, 0, "writes to", columns) == "big_orders");
  BOOST_TEST(Cell(r, 0, "rows read", columns) == "600");
  BOOST_TEST(Cell(r, 0, "rows written", columns) ==
             std::to_string(expected.size()));
  BOOST_TEST(Cell(r, 0, "rows pending", columns) == "0");
  // The stream declares no WATERMARK FOR: no event time to show.
  BOOST_TEST(Cell(r, 0, "watermark", columns) == "");
  BOOST_TEST(Cell(r, 0, "late rows", columns) == "0");
  BOOST_TEST(Cell(r, 0, "progress", columns) == "");  // Kafka tells none
  BOOST_TEST(s->ActiveQueries() == std::vector<std::string>{"q1"});
  r = Execute(*s, "DROP STREAM orders;");
  BOOST_TEST(
      r.error.find(
          "cannot drop stream 'orders': sink 'big_orders' depends on it") !=
      std::string::npos);
  r = Execute(*s, "DROP SINK big_orders;");
  BOOST_TEST(r.error.find("query q1 writes to it; TERMINATE q1 first") !=
             std::string::npos);
  r = Execute(
      *s,
      "TERMINATE q1; DROP SINK big_orders; DROP STREAM orders; SHOW QUERIES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.rows.empty());
  BOOST_TEST(s->ActiveQueries().empty());
}

BOOST_AUTO_TEST_CASE(insert_select_from_a_bounded_generator_ends_by_itself) {
  auto broker = Broker("bids", 4);
  const std::string bootstrap = broker->bootstrap_servers();
  auto s = OnlineSession();
  // 5,000 nexmark events hold 5000 * 46 / 50 = 4,600 bids (the 1:3:46 mix).
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; CREATE STREAM gen_bids WITH (connector = 'nexmark', table = "
          "'bid', max-events = 5000);"
          "CREATE STREAM bids (auction BIGINT, price BIGINT) WITH (connector = "
          "'kafka', topic = 'bids');"
          "INSERT INTO bids SELECT auction, price FROM gen_bids;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(
      r.messages.find(
          "Started query q1, writing to stream 'bids' (topic 'bids').") !=
      std::string::npos);
  BOOST_REQUIRE(s->WaitForQueries([] { return false; }).ok());
  BOOST_TEST(s->ActiveQueries().empty());
  r = Execute(*s, "SHOW QUERIES;");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  BOOST_TEST(r.rows[0][1] == "FINISHED");
  BOOST_TEST(r.rows[0][4] == "4600");
  // Everything was delivered before the query counted as finished.
  std::vector<kafka::KafkaMessage> got =
      ReadTopic(bootstrap, "bids", 4, 4600, std::chrono::milliseconds(200));
  BOOST_TEST(got.size() == 4600u);
  // And reads back through Weir as the same rows.
  r = Execute(*s, "SELECT auction, price FROM bids EMIT CHANGES LIMIT 4600;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.rows.size() == 4600u);
}

BOOST_AUTO_TEST_CASE(a_sink_that_cannot_start_is_not_kept) {
  auto broker = Broker("in", 1);
  auto s = OnlineSession();
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + broker->bootstrap_servers() +
              "'; CREATE STREAM src (id BIGINT, ts TIMESTAMP(3), WATERMARK FOR "
              "ts AS ts) WITH (connector = 'kafka', topic = 'in');"
              "CREATE SINK counts WITH (connector = 'kafka', topic = 'out') AS "
              "SELECT a.id, b.ts FROM src AS a JOIN src AS b ON a.id = b.id;");
  BOOST_TEST(r.error.find("not executable yet") != std::string::npos);
  r = Execute(*s, "SHOW SINKS;");
  BOOST_TEST(r.rows.empty());
  BOOST_TEST(s->ActiveQueries().empty());
}

BOOST_AUTO_TEST_CASE(late_rows_of_a_windowed_sink_show_in_show_queries) {
  // One partition, WATERMARK 2 s behind ts, TUMBLE 10 s, final rows. The
  // rows up to 00:00:30 move the watermark to 00:00:28, closing [0, 10) and
  // [10, 20); then a row at 00:00:05 (its window closed) and one with a
  // NULL time (in no window) are dropped and counted: 2 late rows.
  auto broker = Broker("ev", 1);
  const std::string bootstrap = broker->bootstrap_servers();
  auto record = [](const std::string& ts) {
    return "{\"v\": 1, \"ts\": " + ts + "}";
  };
  Produce(bootstrap, "ev", 1,
          {record("\"2026-01-01 00:00:01\""), record("\"2026-01-01 00:00:12\""),
           record("\"2026-01-01 00:00:30\"")});
  auto s = OnlineSession();
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + bootstrap +
              "'; SET 'parallelism' = '1'; CREATE STREAM ev (v BIGINT, ts "
              "TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) "
              "WITH (connector = 'kafka', topic = 'ev', format = 'json');"
              "CREATE SINK counts WITH (connector = 'kafka', topic = 'counts', "
              "format = 'json', partitions = 1) AS SELECT window_start, "
              "window_end, COUNT(*) "
              "AS n FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY "
              "window_start, window_end EMIT ON WINDOW CLOSE;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  auto cell = [&](const std::string& column) {
    Run shown = Execute(*s, "SHOW QUERIES;");
    if (!shown.error.empty() || shown.rows.empty()) return std::string();
    return Cell(shown, 0, column, shown.columns);
  };
  BOOST_REQUIRE(
      WaitFor([&] { return cell("watermark") == "2026-01-01 00:00:28"; }));
  BOOST_TEST(cell("late rows") == "0");
  Produce(bootstrap, "ev", 1,
          {record("\"2026-01-01 00:00:05\""), record("null")});
  BOOST_TEST(WaitFor([&] { return cell("late rows") == "2"; }),
             "late rows " << cell("late rows"));
  // The two closed windows were written, one final row each.
  std::vector<kafka::KafkaMessage> got =
      ReadTopic(bootstrap, "counts", 1, 2, std::chrono::milliseconds(500));
  std::multiset<std::string> seen;
  for (const auto& m : got) {
    BOOST_REQUIRE(m.value.has_value());
    const auto row = nlohmann::json::parse(*m.value);
    // Seconds only: the JSON format's fraction digits are not the point.
    seen.insert(row.at("window_start").get<std::string>().substr(0, 19) +
                " n=" + row.at("n").dump());
  }
  const std::multiset<std::string> expected = {"2026-01-01 00:00:00 n=1",
                                               "2026-01-01 00:00:10 n=1"};
  BOOST_TEST((seen == expected), "got " << got.size() << " records");
  Execute(*s, "TERMINATE q1;");
}

BOOST_AUTO_TEST_CASE(a_changelog_sink_upserts_by_key_with_tombstones) {
  auto broker = Broker("accounts", 2);
  BOOST_REQUIRE(broker->CreateTopic("balances", 3).ok());
  const std::string bootstrap = broker->bootstrap_servers();
  // Debezium events for accounts 1..20, each in partition id % 2 in order:
  // created with balance 10 * id; even ids then updated to 100 * id; ids
  // divisible by 5 then deleted.
  std::map<int, int> expected;  // id -> final balance
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  auto row = [](int id, int balance) {
    return nlohmann::json{{"id", id}, {"balance", balance}};
  };
  auto send = [&](int id, const nlohmann::json& event) {
    BOOST_REQUIRE(
        (*producer)
            ->Produce("accounts", id % 2, std::to_string(id), event.dump())
            .ok());
  };
  size_t records = 0;
  for (int id = 1; id <= 20; ++id) {
    send(id, {{"op", "c"}, {"before", nullptr}, {"after", row(id, 10 * id)}});
    ++records;
    int balance = 10 * id;
    if (id % 2 == 0) {
      send(id, {{"op", "u"},
                {"before", row(id, balance)},
                {"after", row(id, 100 * id)}});
      balance = 100 * id;
      ++records;  // the update-after; the update-before writes nothing
    }
    if (id % 5 == 0) {
      send(id, {{"op", "d"}, {"before", row(id, balance)}, {"after", nullptr}});
      ++records;  // a tombstone
    } else {
      expected[id] = balance;
    }
  }
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());

  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; SET 'parallelism' = '2';"
          "CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance BIGINT) WITH "
          "(connector = 'kafka', topic = 'accounts', format = "
          "'debezium-json');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  // Changes of one key go through the exchange to one sink task.
  std::string explained;
  BOOST_REQUIRE(s->ExecuteScript(
                     "EXPLAIN CREATE SINK balances WITH (connector = 'kafka', "
                     "topic = 'balances') AS SELECT id, balance FROM accounts;",
                     [&](const StatementResult& res) { explained = res.text; })
                    .ok());
  BOOST_TEST(explained.find("hash exchange on (id) -> 2 sink tasks") !=
             std::string::npos);
  r = Execute(*s,
              "CREATE SINK balances WITH (connector = 'kafka', topic = "
              "'balances') AS SELECT "
              "id, balance FROM accounts;");
  BOOST_REQUIRE_EQUAL(r.error, "");

  std::vector<kafka::KafkaMessage> got = ReadTopic(
      bootstrap, "balances", 3, records, std::chrono::milliseconds(500));
  BOOST_TEST(got.size() == records);
  // Fold the topic as a compacted upsert topic would: the last record of a
  // key wins, a tombstone removes it. Each key stays on one partition.
  std::map<int, int> state;
  std::map<int, int32_t> partition_of;
  for (const auto& m : got) {
    BOOST_REQUIRE(m.key.has_value());
    int id = nlohmann::json::parse(*m.key).at("id").get<int>();
    auto [it, inserted] = partition_of.emplace(id, m.partition);
    BOOST_TEST(it->second == m.partition);
    if (!m.value) {
      state.erase(id);
    } else {
      state[id] = nlohmann::json::parse(*m.value).at("balance").get<int>();
    }
  }
  BOOST_TEST((state == expected));
  r = Execute(*s, "TERMINATE ALL;");
  BOOST_TEST(r.messages == "Terminated 1 query.");
}

BOOST_AUTO_TEST_CASE(a_failed_persistent_query_says_where_and_stays_listed) {
  auto broker = Broker("readings", 1);
  BOOST_REQUIRE(broker->CreateTopic("copies", 1).ok());
  const std::string bootstrap = broker->bootstrap_servers();
  // Record 2 (offset 2) is not JSON; format.on-error is 'fail' by default.
  Produce(bootstrap, "readings", 1,
          {R"({"v": 1})", R"({"v": 2})", "oops", R"({"v": 4})"});
  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; CREATE STREAM readings (v BIGINT) WITH (connector = 'kafka', "
          "topic = 'readings');"
          "CREATE STREAM copies (v BIGINT) WITH (connector = 'kafka', topic = "
          "'copies'); INSERT INTO copies SELECT v FROM readings;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  absl::Status waited = s->WaitForQueries([] { return false; });
  BOOST_TEST(std::string(waited.message())
                 .find("query q1 failed: malformed record at topic 'readings' "
                       "partition 0 offset 2") == 0u);
  r = Execute(*s, "SHOW QUERIES;");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  BOOST_TEST(r.rows[0][1].rfind(
                 "FAILED: malformed record at topic 'readings' partition 0 "
                 "offset 2",
                 0) == 0u);
  // Until it is terminated it still holds what it reads.
  r = Execute(*s, "DROP STREAM readings;");
  BOOST_TEST(r.error.find("running query q1 reads it; TERMINATE q1 first") !=
             std::string::npos);
  r = Execute(*s, "TERMINATE q1; DROP STREAM readings;");
  BOOST_TEST(r.error == "");
}

/// The records in `topic` (all partitions): the sum of high watermarks.
int64_t Stored(const std::string& bootstrap, const std::string& topic,
               int partitions) {
  auto admin = kafka::KafkaAdmin::Create({{"bootstrap.servers", bootstrap}});
  if (!admin.ok()) return -1;
  int64_t total = 0;
  for (int p = 0; p < partitions; ++p) {
    auto marks = (*admin)->WatermarkOffsets(topic, p);
    if (!marks.ok()) return -1;
    total += marks->high;
  }
  return total;
}

// A persistent sink query through an outage that starts after it has
// written the output of the first 1,500 records: its sources say they
// wait, the producer retries, and the 1,500 records produced meanwhile
// are written after it. Exactly the 3,000 outputs, each once.
BOOST_AUTO_TEST_CASE(a_sink_query_rides_out_a_broker_outage) {
  LogCapture log;
  auto broker = Broker("ticks_in", 4);
  BOOST_REQUIRE(broker->CreateTopic("ticks_out", 4).ok());
  const std::string bootstrap = broker->bootstrap_servers();
  Produce(bootstrap, "ticks_in", 4, Ticks(0, 1500));
  auto s = OnlineSession();
  Run r = Execute(
      *s,
      "SET 'bootstrap.servers' = '" + bootstrap +
          "'; SET 'parallelism' = '2';"
          "CREATE STREAM ticks (n BIGINT) WITH (connector = 'kafka', topic = "
          "'ticks_in');"
          "CREATE SINK doubled WITH (connector = 'kafka', topic = 'ticks_out') "
          "AS "
          "SELECT n, n * 2 AS twice FROM ticks;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  // Before: the first outputs are in the topic.
  BOOST_REQUIRE(
      WaitFor([&] { return Stored(bootstrap, "ticks_out", 4) == 1500; }));
  BOOST_REQUIRE(broker->SetBrokerDown(-1, true).ok());
  BOOST_TEST(WaitFor([&] { return log.Has(kWaiting); }));
  auto producer = QueueTicks(bootstrap, "ticks_in", 1500, 3000);
  BOOST_REQUIRE(producer != nullptr);
  BOOST_REQUIRE(broker->SetBrokerDown(-1, false).ok());
  BOOST_REQUIRE(producer->Flush(std::chrono::seconds(60)).ok());
  // After: the rest arrives.
  BOOST_REQUIRE(
      WaitFor([&] { return Stored(bootstrap, "ticks_out", 4) >= 3000; }));
  BOOST_TEST(log.Has(kBack));
  std::vector<kafka::KafkaMessage> got = ReadTopic(
      bootstrap, "ticks_out", 4, 3000, std::chrono::milliseconds(500));
  std::multiset<int64_t> seen;
  for (const auto& m : got) {
    auto row = nlohmann::json::parse(m.value.value_or("null"));
    BOOST_REQUIRE(row.is_object());
    BOOST_TEST(row.at("twice").get<int64_t>() ==
               2 * row.at("n").get<int64_t>());
    seen.insert(row.at("n").get<int64_t>());
  }
  std::multiset<int64_t> expected;
  for (int i = 0; i < 3000; ++i) expected.insert(i);
  BOOST_TEST(got.size() == 3000u);  // nothing doubled
  BOOST_TEST((seen == expected));   // nothing lost
}

// ------------------------------------------------------------------------
// Nothing is lost silently: deliveries, commits and what the user is told.

namespace {

/// `n` JSON records {"id": first} .. {"id": first + n - 1}.
std::vector<std::string> Ids(int first, int n) {
  std::vector<std::string> values;
  for (int i = first; i < first + n; ++i)
    values.push_back("{\"id\": " + std::to_string(i) + "}");
  return values;
}

/// The one query of SHOW QUERIES.
struct Progress {
  std::string state;
  int64_t read = -1, written = -1, pending = -1;
};

Progress QueryProgress(Session& s) {
  Run r = Execute(s, "SHOW QUERIES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  Progress p;
  p.state = Cell(r, 0, "state", r.columns);
  p.read = std::stoll(Cell(r, 0, "rows read", r.columns));
  p.written = std::stoll(Cell(r, 0, "rows written", r.columns));
  p.pending = std::stoll(Cell(r, 0, "rows pending", r.columns));
  return p;
}

/// Polls `pred` for up to 60 s; returns its last value.
template <typename Pred>
bool WaitFor(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

/// The offset committed under `group` for a partition, as another client
/// of the group sees it.
std::optional<int64_t> Committed(const std::string& bootstrap,
                                 const std::string& group,
                                 const std::string& topic, int32_t partition) {
  auto consumer = kafka::KafkaConsumer::Create(
      {{"bootstrap.servers", bootstrap}, {"group.id", group}});
  BOOST_REQUIRE(consumer.ok());
  auto committed = (*consumer)->Committed(topic, partition);
  BOOST_REQUIRE_MESSAGE(committed.ok(), committed.status().message());
  return *committed;
}

using weir::testing::ReadIds;

/// True when `seen` holds every id of [0, n) (any number of times) and no
/// other.
bool AllIds(const std::map<int64_t, int>& seen, int64_t n) {
  if (static_cast<int64_t>(seen.size()) != n) return false;
  return seen.begin()->first == 0 && seen.rbegin()->first == n - 1;
}

/// `INSERT INTO <name>_out SELECT id FROM <name>_in` with parallelism 2,
/// the two streams on brokers of their own (topics of 4 partitions), the
/// output broker down before any input is produced; `source_options` are
/// added to the input stream's WITH.
struct CopyQuery {
  std::unique_ptr<kafka::EmbeddedBroker> in, out;
  std::string in_servers, out_servers;
  std::unique_ptr<Session> session;
  std::string insert;  // the INSERT statement, to run it again

  CopyQuery(const std::string& name, const std::string& source_options,
            const std::string& guarantee = "at-least-once") {
    in = Broker(name + "_in", 4);
    out = Broker(name + "_out", 4);
    in_servers = in->bootstrap_servers();
    out_servers = out->bootstrap_servers();
    session = OnlineSession();
    insert = "INSERT INTO " + name + "_out SELECT id FROM " + name + "_in;";
    Run r = Execute(
        *session, "SET 'parallelism' = '2'; " +
                      // Exactly-once: no checkpoint commits during a test.
                      std::string(guarantee == "exactly-once"
                                      ? "SET 'checkpoint.interval' = '1h'; "
                                      : "") +
                      "CREATE STREAM " + name +
                      "_in (id BIGINT) WITH (connector = 'kafka', topic = '" +
                      name + "_in', bootstrap.servers = '" + in_servers + "'" +
                      source_options + "); CREATE STREAM " + name +
                      "_out (id BIGINT) WITH (connector = 'kafka', topic = '" +
                      name + "_out', bootstrap.servers = '" + out_servers +
                      "', 'sink.delivery-guarantee' = '" + guarantee + "');" +
                      insert);
    BOOST_REQUIRE_EQUAL(r.error, "");
    BOOST_REQUIRE(out->SetBrokerDown(-1, true).ok());
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(
    a_malformed_record_under_fail_delivers_and_commits_the_rows_before_it) {
  // 30,000 good records then a truncated one, all in one partition: the
  // query fails at offset 30,000, but only after writing the 30,000 rows,
  // and the group's offset stops at the bad record.
  auto broker = Broker("fin", 1);
  BOOST_REQUIRE(broker->CreateTopic("fout", 2).ok());
  const std::string bootstrap = broker->bootstrap_servers();
  std::vector<std::string> values = Ids(0, 30000);
  values.push_back("{\"id\":");
  Produce(bootstrap, "fin", 1, values);
  auto s = OnlineSession();
  Run r = Execute(
      *s, "SET 'bootstrap.servers' = '" + bootstrap +
              "'; CREATE STREAM fin (id BIGINT) WITH (connector = 'kafka', "
              "topic = 'fin', scan.startup.mode = 'group-offsets', group.id = "
              "'g_fail'); CREATE STREAM fout (id BIGINT) WITH (connector = "
              "'kafka', topic = 'fout'); INSERT INTO fout SELECT id FROM fin;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  absl::Status waited = s->WaitForQueries([] { return false; });
  BOOST_TEST(std::string(waited.message())
                     .find("query q1 failed: malformed record at topic 'fin' "
                           "partition 0 offset 30000") == 0u,
             waited.message());
  std::map<int64_t, int> seen =
      ReadIds(bootstrap, "fout", 2, 30000, std::chrono::milliseconds(500));
  BOOST_TEST(AllIds(seen, 30000));
  size_t records = 0;
  for (const auto& [id, n] : seen) records += static_cast<size_t>(n);
  BOOST_TEST(records == 30000u);  // each once: nothing was read twice
  Progress p = QueryProgress(*s);
  BOOST_TEST(p.read == 30000);
  BOOST_TEST(p.written == 30000);
  BOOST_TEST(p.pending == 0);
  // A re-read from the group starts at the bad record.
  BOOST_TEST(Committed(bootstrap, "g_fail", "fin", 0).value_or(-1) == 30000);
  auto reader = kafka::KafkaConsumer::Create(
      {{"bootstrap.servers", bootstrap}, {"group.id", "g_fail"}});
  BOOST_REQUIRE(reader.ok());
  BOOST_REQUIRE(
      (*reader)->Assign("fin", {0}, kafka::StartOffset::Committed()).ok());
  std::vector<kafka::KafkaMessage> first;
  for (int attempt = 0; attempt < 100 && first.empty(); ++attempt) {
    auto polled = (*reader)->Poll(1, std::chrono::milliseconds(100));
    BOOST_REQUIRE(polled.ok());
    first = std::move(*polled);
  }
  BOOST_REQUIRE_EQUAL(first.size(), 1u);
  BOOST_TEST(first[0].offset == 30000);
  BOOST_TEST(first[0].value.value_or("") == "{\"id\":");
}

BOOST_AUTO_TEST_CASE(a_push_query_shows_the_rows_before_a_malformed_record) {
  auto broker = Broker("pin", 1);
  const std::string bootstrap = broker->bootstrap_servers();
  std::vector<std::string> values = Ids(0, 1000);
  values.push_back("{\"id\":");
  Produce(bootstrap, "pin", 1, values);
  auto s = OnlineSession();
  std::vector<std::string> rows;
  PushHandler handler;
  handler.on_row = [&](const std::vector<std::string>& row) {
    rows.push_back(row[0]);
    return true;
  };
  s->set_push_handler(handler);
  Run r = Execute(*s, "SET 'bootstrap.servers' = '" + bootstrap +
                          "'; CREATE STREAM pin (id BIGINT) WITH (connector = "
                          "'kafka', topic = 'pin');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  // LIMIT 5: the five rows, no error (the query ends before the bad one).
  r = Execute(*s, "SELECT id FROM pin EMIT CHANGES LIMIT 5;");
  BOOST_TEST(r.error == "");
  BOOST_TEST(rows.size() == 5u);
  // Without LIMIT: all 1,000 rows, in order, then the error.
  rows.clear();
  r = Execute(*s, "SELECT id FROM pin EMIT CHANGES;");
  BOOST_TEST(r.error.find("malformed record at topic 'pin' partition 0 "
                          "offset 1000") != std::string::npos,
             r.error);
  BOOST_REQUIRE_EQUAL(rows.size(), 1000u);
  for (int i = 0; i < 1000; ++i) BOOST_TEST(rows[i] == std::to_string(i));
}

BOOST_AUTO_TEST_CASE(offsets_wait_for_the_output_broker_and_terminate_says_so) {
  // Input and output on brokers of their own; the output one goes away
  // before any input arrives. The query reads, cannot deliver, says so,
  // commits nothing; TERMINATE says how many rows were not delivered; a
  // second run of the same group, with the broker back, delivers them all.
  CopyQuery copy("o",
                 ", scan.startup.mode = 'group-offsets', group.id = "
                 "'g_out'");
  Session* s = copy.session.get();
  const std::string& in_servers = copy.in_servers;
  const std::string& out_servers = copy.out_servers;
  Produce(in_servers, "o_in", 4, Ids(0, 20000));
  const std::string unreachable = "output broker unreachable: " + out_servers;
  Progress p;
  BOOST_REQUIRE(WaitFor([&] {
    p = QueryProgress(*s);
    return p.state.rfind("RUNNING (" + unreachable, 0) == 0;
  }));
  // Rows were read while the broker was away, none delivered.
  BOOST_TEST(p.read > 0);
  BOOST_TEST(p.written == 0);
  BOOST_TEST(p.pending == p.read);
  BOOST_TEST(p.state == "RUNNING (" + unreachable + ", " +
                            std::to_string(p.pending) + " rows pending)");
  for (int32_t partition = 0; partition < 4; ++partition) {
    BOOST_TEST(!Committed(in_servers, "g_out", "o_in", partition).has_value(),
               "partition " << partition);
  }
  // TERMINATE waits for the deliveries (5 s) and says what did not make it.
  Progress before = QueryProgress(*s);
  Run r = Execute(*s, "TERMINATE q1;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.messages ==
             "Terminated query 'q1'. " + std::to_string(before.read) +
                 " rows were not delivered to topic 'o_out' at '" +
                 out_servers + "' (" + unreachable +
                 "; gave up waiting after 5 s).");
  for (int32_t partition = 0; partition < 4; ++partition) {
    BOOST_TEST(!Committed(in_servers, "g_out", "o_in", partition).has_value(),
               "partition " << partition);
  }
  // The broker is back: the same query of the same group delivers all.
  BOOST_REQUIRE(copy.out->SetBrokerDown(-1, false).ok());
  r = Execute(*s, copy.insert);
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::map<int64_t, int> seen =
      ReadIds(out_servers, "o_out", 4, 20000, std::chrono::milliseconds(200));
  BOOST_TEST(AllIds(seen, 20000));
  // And commits follow: each partition's offset reaches its end (5,000
  // records each, as Produce spreads them).
  BOOST_TEST(WaitFor([&] {
    for (int32_t partition = 0; partition < 4; ++partition) {
      if (Committed(in_servers, "g_out", "o_in", partition) !=
          std::optional<int64_t>(5000))
        return false;
    }
    return true;
  }));
  p = QueryProgress(*s);
  BOOST_TEST(p.state == "RUNNING");
  BOOST_TEST(p.written == 20000);
  BOOST_TEST(p.pending == 0);
  r = Execute(*s, "TERMINATE q2;");
  BOOST_TEST(r.messages == "Terminated query 'q2'.");
}

BOOST_AUTO_TEST_CASE(an_exactly_once_sink_reports_rows_pending_and_written) {
  // As the at-least-once sink: a row is written once the broker has
  // acknowledged it (here in the open transaction: no checkpoint commits
  // it within the test), pending until then, and an output broker that
  // acknowledges nothing for a while is named.
  CopyQuery copy("x", "", "exactly-once");
  Session* s = copy.session.get();
  Produce(copy.in_servers, "x_in", 4, Ids(0, 3000));
  const std::string unreachable =
      "output broker unreachable: " + copy.out_servers;
  Progress p;
  BOOST_REQUIRE(WaitFor([&] {
    p = QueryProgress(*s);
    return p.read == 3000 && p.state.rfind("RUNNING (" + unreachable, 0) == 0;
  }));
  BOOST_TEST(p.written == 0);
  BOOST_TEST(p.pending == 3000);
  BOOST_REQUIRE(copy.out->SetBrokerDown(-1, false).ok());
  BOOST_TEST(WaitFor([&] {
    p = QueryProgress(*s);
    return p.written == 3000 && p.pending == 0 && p.state == "RUNNING";
  }));
  Run r = Execute(*s, "TERMINATE q1;");
  BOOST_TEST(r.messages == "Terminated query 'q1'.");
}

BOOST_AUTO_TEST_CASE(a_stalled_kafka_sink_holds_the_source_back) {
  // The output broker is away: each sink task's producer fills to its
  // bound of 50,000 undelivered records, Ready() turns false and the task
  // stops reading. Bound on rows read: per task (2), 50,000 - 1 records in
  // flight when it last read, plus one batch of at most 1,024 rows.
  CopyQuery copy("b", "");
  Session* s = copy.session.get();
  const std::string& out_servers = copy.out_servers;
  constexpr int kRecords = 150000;
  Produce(copy.in_servers, "b_in", 4, Ids(0, kRecords));
  const int64_t bound = 2 * (50000 - 1 + 1024);
  BOOST_REQUIRE(bound < kRecords);
  // Both tasks must have reached their bound (each reads 75,000 records of
  // its two partitions if nothing holds it back).
  Progress p;
  BOOST_REQUIRE(WaitFor([&] {
    p = QueryProgress(*s);
    return p.read >= 2 * 50000;
  }));
  BOOST_TEST(p.read <= bound);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  p = QueryProgress(*s);
  BOOST_TEST(p.read <= bound);  // the stall holds
  BOOST_TEST(p.written == 0);
  BOOST_TEST(p.pending == p.read);
  // Back: everything arrives, once each (the idempotent producer retried).
  BOOST_REQUIRE(copy.out->SetBrokerDown(-1, false).ok());
  std::map<int64_t, int> seen = ReadIds(out_servers, "b_out", 4, kRecords,
                                        std::chrono::milliseconds(500));
  BOOST_TEST(AllIds(seen, kRecords));
  size_t records = 0;
  for (const auto& [id, n] : seen) records += static_cast<size_t>(n);
  BOOST_TEST(records == static_cast<size_t>(kRecords));
  BOOST_TEST(WaitFor([&] {
    p = QueryProgress(*s);
    return p.written == kRecords && p.pending == 0 && p.state == "RUNNING";
  }));
  Run r = Execute(*s, "TERMINATE q1;");
  BOOST_TEST(r.messages == "Terminated query 'q1'.");
}

BOOST_AUTO_TEST_CASE(stopping_with_the_output_broker_away_says_what_was_lost) {
  // What weir -e prints after Ctrl-C or SIGTERM (Session::WaitForQueries
  // told to stop) when rows cannot be delivered: how many, where, why.
  CopyQuery copy("w", "");
  Session* s = copy.session.get();
  Produce(copy.in_servers, "w_in", 4, Ids(0, 1000));
  const std::string unreachable =
      "output broker unreachable: " + copy.out_servers;
  BOOST_REQUIRE(WaitFor([&] {
    Progress p = QueryProgress(*s);
    return p.read == 1000 && p.state.rfind("RUNNING (" + unreachable, 0) == 0;
  }));
  absl::Status stopped = s->WaitForQueries([] { return true; });
  BOOST_TEST(absl::IsUnavailable(stopped), stopped.ToString());
  BOOST_TEST(std::string(stopped.message()) ==
             "query q1 failed: 1000 rows were not delivered to topic 'w_out' "
             "at '" +
                 copy.out_servers + "' (" + unreachable +
                 "; gave up waiting after 5 s)");
  Progress p = QueryProgress(*s);
  BOOST_TEST(p.written == 0);
  BOOST_TEST(p.pending == 1000);  // after the end: never delivered
  BOOST_TEST(p.state.rfind("FAILED: 1000 rows were not delivered", 0) == 0u,
             p.state);
}
