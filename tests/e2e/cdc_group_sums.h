#pragma once

// The persistent query the mysql-cdc resume tests stop and start again:
// `SELECT name, COUNT(*) AS n, SUM(qty) AS total FROM items GROUP BY name`
// over a mysql-cdc table (tests/e2e/mysql_cdc_util.h's CreateItems), into
// a topic of an embedded broker, with its state kept and checkpoints every
// 100 ms; the topic read back as the last row per group, to compare with
// MariaDB's own GROUP BY.

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "tests/e2e/mysql_cdc_util.h"
#include "tests/unit/run_weir.h"

namespace weir::cdc_test {

class GroupSums {
 public:
  /// One row per group: {name ("NULL" for NULL), n, total}.
  using Groups = std::map<std::string, std::vector<std::string>>;

  /// The query over table `items` of `database`, with `cdc_options`
  /// (", 'option' = 'value' ...") added to the table's WITH, writing to
  /// topic `topic`.
  GroupSums(const std::string& database, const std::string& topic,
            const std::string& cdc_options = "")
      : database_(database), dir_(weir::testing::MakeTempDir()) {
    namespace kafka = weir::connectors::kafka;
    auto broker = kafka::EmbeddedBroker::Start();
    BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
    broker_ = *std::move(broker);
    BOOST_REQUIRE(broker_->CreateTopic(topic, 1).ok());
    const std::string bootstrap = broker_->bootstrap_servers();
    script_ = "SET 'bootstrap.servers' = '" + bootstrap + "';\n" +
              "SET 'state.dir' = '" + dir_ + "';\n" +
              "SET 'checkpoint.interval' = '100ms';\n" +
              "SET 'parallelism' = '1';\n" +
              CdcTable("items", database, "items", cdc_options) +
              "\nCREATE SINK sums WITH (connector = 'kafka', topic = '" +
              topic +
              "') AS SELECT name, COUNT(*) AS n, SUM(qty) AS total FROM "
              "items GROUP BY name;\n";
    auto consumer =
        kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
    BOOST_REQUIRE(consumer.ok());
    consumer_ = *std::move(consumer);
    BOOST_REQUIRE(consumer_->Assign(topic, {0}, kafka::StartOffset{}).ok());
  }

  ~GroupSums() { std::filesystem::remove_all(dir_); }

  /// A session running the query; destroying it stops the query.
  std::unique_ptr<weir::Session> Start() const {
    auto session = weir::Session::Create(
        {.connectors = weir::connectors::BuiltinConnectors()});
    BOOST_REQUIRE(session.ok());
    BOOST_REQUIRE_EQUAL(Run(**session, script_), "");
    return *std::move(session);
  }

  /// Reads the topic until group `name` counts `n` rows (CTest's timeout
  /// stops a hang).
  void ReadUntil(const std::string& name, const std::string& n) {
    while (!(groups_.count(name) && groups_[name][1] == n)) {
      auto polled = consumer_->Poll(1000, std::chrono::milliseconds(100));
      BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
      for (const auto& m : *polled) {
        BOOST_REQUIRE(m.value);  // no group ever empties in these tests
        const auto v = nlohmann::json::parse(*m.value);
        const std::string group =
            v.at("name").is_null() ? "NULL" : v.at("name").get<std::string>();
        groups_[group] = {group, std::to_string(v.at("n").get<int64_t>()),
                          std::to_string(v.at("total").get<int64_t>())};
      }
    }
  }

  /// The last row of each group read so far.
  const Groups& groups() const { return groups_; }

  /// MariaDB's own GROUP BY over the table now.
  Groups Expected(mysql::Connection& c) const {
    Groups expected;
    for (const mysql::Row& r :
         Exec(c, "SELECT name, COUNT(*), SUM(qty) FROM " + database_ +
                     ".items GROUP BY name")) {
      expected[r[0].value_or("NULL")] = {r[0].value_or("NULL"), *r[1], *r[2]};
    }
    return expected;
  }

 private:
  std::string database_;
  std::string dir_;
  std::unique_ptr<weir::connectors::kafka::EmbeddedBroker> broker_;
  std::unique_ptr<weir::connectors::kafka::KafkaConsumer> consumer_;
  std::string script_;
  Groups groups_;
};

}  // namespace weir::cdc_test
