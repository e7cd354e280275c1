// GROUP BY over a hand-made Debezium topic (inserts, updates that move a
// row to another group, deletes that empty groups) into a Kafka sink on
// the embedded broker. The sink's upsert topic, folded by key (the last
// record wins, a tombstone deletes), must equal COUNT/SUM per group of the
// table the Debezium events leave, computed in the test by a plain loop;
// and the same with a tiny state cache (state mostly in RocksDB).
#define BOOST_TEST_MODULE aggregate_kafka_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/session/session.h"

using namespace weir;
namespace kafka = weir::connectors::kafka;

namespace {

std::string Execute(Session& s, const std::string& sql) {
  absl::Status st = s.ExecuteScript(sql, [](const StatementResult&) {});
  return st.ok() ? "" : std::string(st.message());
}

struct Account {
  int owner;
  int balance;
};
/// owner -> (accounts, total balance)
using Totals = std::map<int, std::pair<int64_t, int64_t>>;

/// Reads `topic` (upsert records keyed by owner) until its fold equals
/// `expected` or 60 s pass; returns the fold.
Totals FoldTopic(const std::string& bootstrap, const std::string& topic,
                 int partitions, const Totals& expected) {
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(consumer.ok());
  std::vector<int32_t> all;
  for (int p = 0; p < partitions; ++p) all.push_back(p);
  BOOST_REQUIRE((*consumer)->Assign(topic, all, kafka::StartOffset{}).ok());
  Totals state;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (state != expected && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*consumer)->Poll(1000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (const auto& m : *polled) {
      BOOST_REQUIRE(m.key.has_value());
      const int owner = nlohmann::json::parse(*m.key).at("owner").get<int>();
      if (!m.value) {
        state.erase(owner);
        continue;
      }
      auto v = nlohmann::json::parse(*m.value);
      state[owner] = {v.at("n").get<int64_t>(), v.at("total").get<int64_t>()};
    }
  }
  return state;
}

}  // namespace

BOOST_AUTO_TEST_CASE(debezium_changes_into_count_and_sum_per_group) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  BOOST_REQUIRE((*broker)->CreateTopic("accounts", 3).ok());
  const std::string bootstrap = (*broker)->bootstrap_servers();

  // Debezium events for accounts 0..299, each key on partition id % 3 in
  // order: created, then random updates (new balance, sometimes a new
  // owner) and deletes; owners 0 and 1 end with no account.
  std::mt19937 rng(11);
  std::map<int, Account> table;
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  auto row = [](int id, const Account& a) {
    return nlohmann::json{
        {"id", id}, {"owner", a.owner}, {"balance", a.balance}};
  };
  auto send = [&](int id, const nlohmann::json& event) {
    BOOST_REQUIRE(
        (*producer)
            ->Produce("accounts", id % 3, std::to_string(id), event.dump())
            .ok());
  };
  for (int id = 0; id < 300; ++id) {
    Account a{static_cast<int>(rng() % 12), static_cast<int>(rng() % 1000)};
    send(id, {{"op", "c"}, {"before", nullptr}, {"after", row(id, a)}});
    table[id] = a;
  }
  for (int step = 0; step < 600; ++step) {
    if (table.empty()) break;
    auto it = table.begin();
    std::advance(it, static_cast<long>(rng() % table.size()));
    const int id = it->first;
    const Account before = it->second;
    if (rng() % 4 == 0) {
      send(id, {{"op", "d"}, {"before", row(id, before)}, {"after", nullptr}});
      table.erase(it);
      continue;
    }
    Account after = before;
    after.balance = static_cast<int>(rng() % 1000);
    if (rng() % 3 == 0) after.owner = static_cast<int>(rng() % 12);
    send(id,
         {{"op", "u"}, {"before", row(id, before)}, {"after", row(id, after)}});
    it->second = after;
  }
  for (auto it = table.begin(); it != table.end();) {
    if (it->second.owner <= 1) {
      send(it->first, {{"op", "d"},
                       {"before", row(it->first, it->second)},
                       {"after", nullptr}});
      it = table.erase(it);
    } else {
      ++it;
    }
  }
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
  Totals expected;
  for (const auto& [id, a] : table) {
    ++expected[a.owner].first;
    expected[a.owner].second += a.balance;
  }
  BOOST_REQUIRE(expected.count(0) == 0 && expected.count(1) == 0);
  BOOST_REQUIRE(expected.size() >= 8u);

  for (const char* cache : {"1KB", "64MB"}) {
    const std::string out = std::string("per_owner_") + cache;
    BOOST_REQUIRE((*broker)->CreateTopic(out, 2).ok());
    auto s =
        Session::Create({.connect_to_sources = true,
                         .connectors = weir::connectors::BuiltinConnectors()});
    BOOST_REQUIRE(s.ok());
    BOOST_REQUIRE_EQUAL(
        Execute(**s,
                "SET 'bootstrap.servers' = '" + bootstrap +
                    "'; SET 'parallelism' = '2'; SET 'state.cache-size' = '" +
                    cache +
                    "'; CREATE TABLE accounts (id BIGINT PRIMARY KEY, owner "
                    "BIGINT, balance BIGINT) WITH (connector = 'kafka', topic "
                    "= 'accounts', format = 'debezium-json');"
                    "CREATE SINK per_owner WITH (connector = 'kafka', topic = "
                    "'" +
                    out +
                    "') AS SELECT owner, COUNT(*) AS n, SUM(balance) AS total "
                    "FROM accounts GROUP BY owner;"),
        "");
    const Totals got = FoldTopic(bootstrap, out, 2, expected);
    BOOST_TEST((got == expected), "cache " << cache);
    BOOST_TEST(Execute(**s, "TERMINATE ALL;") == "");
  }
}

BOOST_AUTO_TEST_CASE(an_upsert_table_is_refused_for_aggregation) {
  auto s =
      Session::Create({.connect_to_sources = false,
                       .connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  BOOST_REQUIRE_EQUAL(
      Execute(**s,
              "CREATE TABLE users (id BIGINT PRIMARY KEY, city VARCHAR) WITH "
              "(connector = 'kafka', topic = 'users', format = 'json');"),
      "");
  const std::string error = Execute(
      **s, "SELECT city, COUNT(*) AS n FROM users GROUP BY city EMIT CHANGES;");
  BOOST_TEST(error.find("Aggregate over TABLE 'users' is not executable yet") !=
                 std::string::npos,
             error);
}
