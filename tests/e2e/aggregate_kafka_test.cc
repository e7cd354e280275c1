// GROUP BY over a hand-made Debezium topic (inserts, updates that move a
// row to another group, deletes that empty groups) into a Kafka sink on
// the embedded broker. The sink's upsert topic, folded by key (the last
// record wins, a tombstone deletes), must equal COUNT/SUM per group of the
// table the Debezium events leave, computed in the test by a plain loop;
// and the same with a tiny state cache (state mostly in RocksDB). Then a
// Kafka TABLE in json as an upsert table: updates and tombstones read as
// the latest row per key, as a changelog, into a sink and into COUNT/SUM.
#define BOOST_TEST_MODULE aggregate_kafka_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/e2e/read_topic.h"

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

/// Reads upsert topic `topic` (records keyed by a JSON object with
/// `key_field`; a tombstone deletes) until `fold` of it equals `expected`
/// or 60 s pass; returns the fold. `value_of` turns a record value into
/// the folded entry.
template <typename K, typename V>
std::map<K, V> FoldUpserts(
    const std::string& bootstrap, const std::string& topic, int partitions,
    const std::string& key_field, const std::map<K, V>& expected,
    const std::function<V(const nlohmann::json&)>& value_of) {
  auto consumer = weir::testing::ConsumeAll(bootstrap, topic, partitions);
  std::map<K, V> state;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (state != expected && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer->Poll(1000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (const auto& m : *polled) {
      BOOST_REQUIRE(m.key.has_value());
      const K key = nlohmann::json::parse(*m.key).at(key_field).get<K>();
      if (!m.value) {
        state.erase(key);
        continue;
      }
      state[key] = value_of(nlohmann::json::parse(*m.value));
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
    const Totals got = FoldUpserts<int, std::pair<int64_t, int64_t>>(
        bootstrap, out, 2, "owner", expected, [](const nlohmann::json& v) {
          return std::pair<int64_t, int64_t>{v.at("n").get<int64_t>(),
                                             v.at("total").get<int64_t>()};
        });
    BOOST_TEST((got == expected), "cache " << cache);
    BOOST_TEST(Execute(**s, "TERMINATE ALL;") == "");
  }
}

namespace {

/// A user's row in the upsert topic.
struct User {
  std::string city;
  int64_t score;
  bool operator==(const User&) const = default;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_json_table_is_an_upsert_table_with_tombstones) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  BOOST_REQUIRE((*broker)->CreateTopic("users", 3).ok());
  const std::string bootstrap = (*broker)->bootstrap_servers();

  // Upserts of users 0..199, each key on partition id % 3 (so in order):
  // new rows, changed rows, the same row again, tombstones of present and
  // of absent keys. The test folds them into the latest row per key and
  // counts the changes a normalized changelog has: +I for a new key, -U
  // and +U for a changed row, nothing for the same row, -D for a tombstone
  // of a present key.
  std::mt19937 rng(12);
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  std::map<int64_t, User> latest;
  size_t changes = 0;
  for (int i = 0; i < 3000; ++i) {
    const int64_t id = rng() % 200;
    const std::string key = nlohmann::json{{"id", id}}.dump();
    const auto partition = static_cast<int32_t>(id % 3);
    if (rng() % 6 == 0) {
      BOOST_REQUIRE(
          (*producer)->Produce("users", partition, key, std::nullopt).ok());
      changes += latest.erase(id);
      continue;
    }
    User u{"c" + std::to_string(rng() % 5), static_cast<int64_t>(rng() % 3)};
    BOOST_REQUIRE(
        (*producer)
            ->Produce(
                "users", partition, key,
                nlohmann::json{{"id", id}, {"city", u.city}, {"score", u.score}}
                    .dump())
            .ok());
    auto it = latest.find(id);
    changes += it == latest.end() ? 1 : it->second == u ? 0 : 2;
    latest[id] = u;
  }
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
  BOOST_REQUIRE(latest.size() > 100u && latest.size() < 200u);

  auto s =
      Session::Create({.connect_to_sources = true,
                       .connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  BOOST_REQUIRE_EQUAL(
      Execute(**s,
              "SET 'bootstrap.servers' = '" + bootstrap +
                  "'; SET 'parallelism' = '2';"
                  "CREATE TABLE users (id BIGINT PRIMARY KEY, city VARCHAR, "
                  "score BIGINT) WITH (connector = 'kafka', topic = 'users', "
                  "format = 'json');"),
      "");

  // The push query prints the changelog (op first): every retraction is
  // the row last printed for its key, and the fold is the latest row per
  // key.
  std::vector<std::vector<std::string>> rows;
  absl::Status st = (*s)->ExecuteScript(
      "SELECT * FROM users EMIT CHANGES LIMIT " + std::to_string(changes) + ";",
      [&](const StatementResult& r) {
        if (!r.columns.empty()) {
          BOOST_REQUIRE_EQUAL(r.columns.front(), "op");
          rows = r.rows;
        }
      });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_REQUIRE_EQUAL(rows.size(), changes);
  std::map<int64_t, User> folded;
  for (const auto& row : rows) {
    BOOST_REQUIRE_EQUAL(row.size(), 4u);
    const int64_t id = std::stoll(row[1]);
    const User u{row[2], std::stoll(row[3])};
    auto it = folded.find(id);
    if (row[0] == "+I" || row[0] == "+U") {
      BOOST_TEST_REQUIRE((it == folded.end()), "an insert of present " << id);
      folded[id] = u;
    } else {
      BOOST_TEST_REQUIRE((it != folded.end() && it->second == u),
                         "a retraction of another row of " << id);
      folded.erase(it);
    }
  }
  BOOST_TEST((folded == latest));

  // The same through a sink, and COUNT/SUM per city over the table: an
  // updated key is counted once, a deleted one not at all.
  std::map<std::string, std::pair<int64_t, int64_t>> per_city;
  for (const auto& [id, u] : latest) {
    ++per_city[u.city].first;
    per_city[u.city].second += u.score;
  }
  BOOST_REQUIRE((*broker)->CreateTopic("latest_users", 2).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("per_city", 2).ok());
  BOOST_REQUIRE_EQUAL(
      Execute(**s,
              "CREATE SINK latest_users WITH (connector = 'kafka', topic = "
              "'latest_users') AS SELECT * FROM users;"
              "CREATE SINK per_city WITH (connector = 'kafka', topic = "
              "'per_city') AS SELECT city, COUNT(*) AS n, SUM(score) AS total "
              "FROM users GROUP BY city;"),
      "");
  const auto sunk = FoldUpserts<int64_t, User>(
      bootstrap, "latest_users", 2, "id", latest, [](const nlohmann::json& v) {
        return User{v.at("city").get<std::string>(),
                    v.at("score").get<int64_t>()};
      });
  BOOST_TEST((sunk == latest));
  const auto counted = FoldUpserts<std::string, std::pair<int64_t, int64_t>>(
      bootstrap, "per_city", 2, "city", per_city, [](const nlohmann::json& v) {
        return std::pair<int64_t, int64_t>{v.at("n").get<int64_t>(),
                                           v.at("total").get<int64_t>()};
      });
  BOOST_TEST((counted == per_city));
  int64_t live = 0;
  for (const auto& [city, acc] : counted) live += acc.first;
  BOOST_TEST(live == static_cast<int64_t>(latest.size()));
  BOOST_TEST(Execute(**s, "TERMINATE ALL;") == "");

  // Key columns left out of the value are not read yet: refused, not read
  // as one NULL key.
  const std::string error =
      Execute(**s,
              "CREATE TABLE users_no_key (id BIGINT PRIMARY KEY, city "
              "VARCHAR, score BIGINT) WITH (connector = 'kafka', topic = "
              "'users', value.fields-include = 'except_key');"
              "SELECT * FROM users_no_key EMIT CHANGES LIMIT 1;");
  BOOST_TEST(error.find("value.fields-include = 'except_key' is not read "
                        "yet") != std::string::npos,
             error);
}
