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
#include "engine/base/log.h"
#include "engine/session/session.h"

using namespace weir;
namespace kafka = weir::connectors::kafka;

namespace {

struct Run {
  std::string error;
  std::vector<std::vector<std::string>> rows;
  std::string messages;
};

Run Execute(Session& s, const std::string& sql) {
  Run run;
  absl::Status st = s.ExecuteScript(sql, [&](const StatementResult& r) {
    run.messages += r.message;
    if (!r.columns.empty()) run.rows = r.rows;
  });
  run.error = st.ok() ? "" : std::string(st.message());
  return run;
}

std::unique_ptr<Session> OnlineSession() {
  auto s = Session::Create({.connect_to_sources = true});
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
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(consumer.ok());
  std::vector<int32_t> all;
  for (int p = 0; p < partitions; ++p) all.push_back(p);
  BOOST_REQUIRE((*consumer)->Assign(topic, all, kafka::StartOffset{}).ok());
  std::vector<kafka::KafkaMessage> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*consumer)->Poll(1000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (auto& m : *polled) got.push_back(std::move(m));
  }
  auto settle_end = std::chrono::steady_clock::now() + settle;
  while (std::chrono::steady_clock::now() < settle_end) {
    auto polled = (*consumer)->Poll(1000, std::chrono::milliseconds(100));
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
          "format = 'json', partitions = 2, key.fields = 'id') AS SELECT id, "
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
      "id", "state", "writes to", "rows read", "rows written", "sql"};
  BOOST_TEST(Cell(r, 0, "id", columns) == "q1");
  BOOST_TEST(Cell(r, 0, "state", columns) == "RUNNING");
  BOOST_TEST(Cell(r, 0, "writes to", columns) == "big_orders");
  BOOST_TEST(Cell(r, 0, "rows read", columns) == "600");
  BOOST_TEST(Cell(r, 0, "rows written", columns) ==
             std::to_string(expected.size()));
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
      *s,
      "SET 'bootstrap.servers' = '" + broker->bootstrap_servers() +
          "'; CREATE STREAM src (id BIGINT) WITH (connector = 'kafka', topic = "
          "'in');"
          "CREATE SINK counts WITH (connector = 'kafka', topic = 'out') AS "
          "SELECT id, COUNT(*) AS n FROM src GROUP BY id;");
  BOOST_TEST(r.error.find("not executable yet") != std::string::npos);
  r = Execute(*s, "SHOW SINKS;");
  BOOST_TEST(r.rows.empty());
  BOOST_TEST(s->ActiveQueries().empty());
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
