// Kafka client settings reach librdkafka from every level, the highest
// first: the statement's WITH options, SET, the `weir --config` file (a
// session's ApplySetting), Weir's defaults. Each level is read back from
// the configuration librdkafka holds for each kind of client
// (EffectiveClientConfig, built by the function every client is built
// with) and shown to take effect through real clients against the
// embedded broker, in a session and through the weir binary. Expected
// values are literals: what each level was given, or librdkafka's own
// documented defaults.
#define BOOST_TEST_MODULE kafka_settings_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/kafka_source.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/unit/run_weir.h"

namespace weir {
namespace {

namespace kafka = connectors::kafka;
using kafka::ClientKind;
using kafka::KafkaConfig;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::unique_ptr<Session> NewSession(bool online) {
  auto session =
      Session::Create({.connect_to_sources = online,
                       .connectors = connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  return std::move(*session);
}

/// What a script printed (messages, tables as "a | b" lines, texts), or
/// its error.
struct Outcome {
  std::string error;
  std::string shown;
};

Outcome Run(Session& session, const std::string& sql) {
  Outcome outcome;
  absl::Status status =
      session.ExecuteScript(sql, [&](const StatementResult& r) {
        outcome.shown += r.message + "\n";
        for (const auto& row : r.rows) {
          std::string line;
          for (const std::string& cell : row)
            line += (line.empty() ? "" : " | ") + cell;
          outcome.shown += line + "\n";
        }
        outcome.shown += r.text + "\n";
      });
  if (!status.ok()) outcome.error = std::string(status.message());
  BOOST_TEST_MESSAGE(sql << "\n=> " << outcome.shown << outcome.error);
  return outcome;
}

void RunOk(Session& session, const std::string& sql) {
  const Outcome outcome = Run(session, sql);
  BOOST_REQUIRE_MESSAGE(outcome.error.empty(), outcome.error);
}

/// What librdkafka holds for a client of `kind` of entry `name`, from the
/// session's settings and the entry's options.
KafkaConfig Effective(Session& session, const std::string& name,
                      ClientKind kind) {
  const catalog::Entry* entry = session.catalog().Find(name);
  BOOST_REQUIRE(entry != nullptr);
  absl::StatusOr<KafkaConfig> merged =
      kafka::EntryClientConfig(*entry, session.settings());
  BOOST_REQUIRE_MESSAGE(merged.ok(), merged.status().message());
  absl::StatusOr<KafkaConfig> held =
      kafka::EffectiveClientConfig(kind, *merged);
  BOOST_REQUIRE_MESSAGE(held.ok(), held.status().message());
  return *held;
}

/// `name` in a configuration read back from librdkafka, which names
/// bootstrap.servers by its other name, metadata.broker.list.
std::string Get(const KafkaConfig& config, std::string name) {
  if (name == "bootstrap.servers") name = "metadata.broker.list";
  auto it = config.find(name);
  return it == config.end() ? "(absent)" : it->second;
}

// ---------------------------------------------------------------------------
// The merge, read back from librdkafka.

BOOST_AUTO_TEST_CASE(each_level_reaches_the_configuration_librdkafka_holds) {
  auto session = NewSession(/*online=*/false);
  Session& s = *session;
  // The config file: beneath everything the session SETs.
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", "config-host:9092"},
           {"properties.client.id", "from-config"},
           {"properties.socket.timeout.ms", "11111"},
           {"properties.statistics.interval.ms", "4000"}}) {
    BOOST_REQUIRE(s.ApplySetting(key, value).ok());
  }
  RunOk(s,
        "SET 'bootstrap.servers' = 'set-host:9092';"
        "SET 'properties.client.id' = 'from-set';"
        "SET 'properties.socket.timeout.ms' = '22222';"
        "SET 'properties.batch.num.messages' = '77';"
        "CREATE STREAM s (v INT) WITH (connector = 'kafka', topic = 't',"
        "  'properties.client.id' = 'from-statement',"
        "  'properties.fetch.wait.max.ms' = '250');"
        "CREATE STREAM own (v INT) WITH (connector = 'kafka', topic = 'o',"
        "  bootstrap.servers = 'statement-host:9092');");

  const KafkaConfig consumer = Effective(s, "s", ClientKind::kConsumer);
  BOOST_TEST(Get(consumer, "bootstrap.servers") == "set-host:9092");
  BOOST_TEST(Get(consumer, "client.id") == "from-statement");
  BOOST_TEST(Get(consumer, "socket.timeout.ms") == "22222");      // SET
  BOOST_TEST(Get(consumer, "statistics.interval.ms") == "4000");  // file
  BOOST_TEST(Get(consumer, "fetch.wait.max.ms") == "250");  // over Weir's 100
  BOOST_TEST(Get(consumer, "enable.auto.commit") == "false");        // Weir's
  BOOST_TEST(Get(consumer, "isolation.level") == "read_committed");  // Weir's
  // librdkafka keeps 'earliest' as its own word for it.
  BOOST_TEST(Get(consumer, "auto.offset.reset") == "smallest");
  // A producer property stays out of the consumer: librdkafka's default.
  BOOST_TEST(Get(consumer, "batch.num.messages") == "10000");

  const KafkaConfig producer = Effective(s, "s", ClientKind::kProducer);
  BOOST_TEST(Get(producer, "client.id") == "from-statement");
  BOOST_TEST(Get(producer, "socket.timeout.ms") == "22222");
  BOOST_TEST(Get(producer, "batch.num.messages") == "77");
  BOOST_TEST(Get(producer, "enable.idempotence") == "true");
  // A consumer property stays out of the producer: librdkafka's 500.
  BOOST_TEST(Get(producer, "fetch.wait.max.ms") == "500");

  const KafkaConfig admin = Effective(s, "s", ClientKind::kAdmin);
  BOOST_TEST(Get(admin, "socket.timeout.ms") == "22222");
  BOOST_TEST(Get(admin, "allow.auto.create.topics") == "false");
  BOOST_TEST(Get(admin, "statistics.interval.ms") == "4000");

  // The entry's own cluster wins over the session's.
  BOOST_TEST(Get(Effective(s, "own", ClientKind::kConsumer),
                 "bootstrap.servers") == "statement-host:9092");

  // RESET brings the config file's value back, RESET ALL all of them.
  RunOk(s, "RESET 'properties.socket.timeout.ms'; RESET bootstrap.servers;");
  BOOST_TEST(Get(Effective(s, "s", ClientKind::kConsumer),
                 "socket.timeout.ms") == "11111");
  BOOST_TEST(Get(Effective(s, "s", ClientKind::kConsumer),
                 "bootstrap.servers") == "config-host:9092");
  RunOk(s, "RESET ALL;");
  const KafkaConfig reset = Effective(s, "s", ClientKind::kProducer);
  BOOST_TEST(Get(reset, "batch.num.messages") == "10000");
  BOOST_TEST(Get(reset, "client.id") == "from-statement");
  BOOST_TEST(Get(reset, "statistics.interval.ms") == "4000");
  BOOST_TEST(Get(reset, "bootstrap.servers") == "config-host:9092");

  // No cluster anywhere: none in the merge (a query starts the embedded
  // broker).
  auto bare = NewSession(/*online=*/false);
  RunOk(*bare,
        "CREATE STREAM s (v INT) WITH (connector = 'kafka', topic = 't');");
  const catalog::Entry* entry = bare->catalog().Find("s");
  absl::StatusOr<KafkaConfig> merged =
      kafka::EntryClientConfig(*entry, bare->settings());
  BOOST_REQUIRE(merged.ok());
  BOOST_TEST(merged->count("bootstrap.servers") == 0u);
}

BOOST_AUTO_TEST_CASE(describe_names_the_level_of_each_setting) {
  auto session = NewSession(/*online=*/false);
  Session& s = *session;
  BOOST_REQUIRE(s.ApplySetting("properties.socket.timeout.ms", "11111").ok());
  BOOST_REQUIRE(
      s.ApplySetting("properties.ssl.key.password", "s3cr3t-XYZ").ok());
  BOOST_REQUIRE(s.ApplySetting("properties.client.id", "from-config").ok());
  RunOk(s,
        "SET 'properties.client.id' = 'from-set';"
        "CREATE TABLE t (id INT PRIMARY KEY) WITH (connector = 'kafka',"
        "  topic = 't', 'properties.fetch.wait.max.ms' = '250');");
  const Outcome described = Run(s, "DESCRIBE t;");
  BOOST_TEST(described.error == "");
  for (const char* line : {
           "client setting client.id = 'from-set' (SET)\n",
           "client setting fetch.wait.max.ms = '250' (statement, for the "
           "consumer)\n",
           "client setting socket.timeout.ms = '11111' (config file)\n",
           "client setting ssl.key.password = '***' (config file)\n",
           "client setting enable.auto.commit = 'false' (Weir default, for "
           "the consumer)\n",
       }) {
    BOOST_TEST(Contains(described.shown, line), "missing: " << line);
  }
  BOOST_TEST(!Contains(described.shown, "s3cr3t-XYZ"));
  // A table is never written by Weir: no producer default.
  BOOST_TEST(!Contains(described.shown, "enable.idempotence"));
  const Outcome properties = Run(s, "SHOW PROPERTIES;");
  BOOST_TEST(
      Contains(properties.shown, "properties.client.id | from-set | SET\n"));
  BOOST_TEST(Contains(properties.shown,
                      "properties.socket.timeout.ms | 11111 | config file\n"));
  BOOST_TEST(Contains(properties.shown,
                      "properties.ssl.key.password | *** | config file\n"));
}

BOOST_AUTO_TEST_CASE(bad_properties_are_refused_when_written) {
  auto session = NewSession(/*online=*/false);
  Session& s = *session;
  // The config file: the same checks as SET.
  absl::Status bad = s.ApplySetting("properties.fetch.max.bytes", "abc");
  BOOST_TEST(bad.message() ==
             "setting 'properties.fetch.max.bytes' has a value librdkafka "
             "refuses: Invalid value for configuration property "
             "\"fetch.max.bytes\"");
  bad = s.ApplySetting("properties.no.such.thing", "1");
  BOOST_TEST(bad.message() ==
             "unknown setting 'properties.no.such.thing': librdkafka has no "
             "property 'no.such.thing'");
  BOOST_TEST(s.settings().empty());
  // A bad value of a secret is not quoted back.
  bad = s.ApplySetting("properties.sasl.jaas.config", "s3cr3t-XYZ");
  BOOST_TEST(!bad.ok());
  BOOST_TEST(!Contains(std::string(bad.message()), "s3cr3t-XYZ"));
}

BOOST_AUTO_TEST_CASE(topic_names_are_checked_at_create) {
  auto session = NewSession(/*online=*/false);
  Session& s = *session;
  // 250 characters: one too many.
  const std::string long_topic(250, 'a');
  Outcome created = Run(s,
                        "CREATE STREAM s (v INT) WITH (connector = 'kafka', "
                        "topic = '" +
                            long_topic + "');");
  BOOST_TEST(Contains(created.error, "line 1:60: kafka: topic name '" +
                                         std::string(60, 'a') +
                                         "...' is 250 characters long; at "
                                         "most 249 are allowed"));
  // 249 are fine, but not with the DLQ topic it defaults to: <topic>.dlq.
  const std::string longest(249, 'b');
  RunOk(s, "CREATE STREAM ok (v INT) WITH (connector = 'kafka', topic = '" +
               longest + "');");
  const std::string base(246, 'c');
  created = Run(s,
                "CREATE STREAM d (v INT) WITH (connector = 'kafka', "
                "format.on-error = 'dlq', topic = '" +
                    base + "');");
  // The error points at 'dlq', the 70th character.
  BOOST_TEST(Contains(created.error,
                      "line 1:70: the DLQ topic defaults to '<topic>.dlq', "
                      "which is no topic name here (kafka: topic name '" +
                          std::string(60, 'c') +
                          "...' is 250 characters long; at most 249 are "
                          "allowed); set 'format.dlq.topic'"));
  RunOk(s,
        "CREATE STREAM d (v INT) WITH (connector = 'kafka', format.on-error "
        "= 'dlq', format.dlq.topic = 'dead', topic = '" +
            base + "');");
  BOOST_TEST(s.catalog().Find("d") != nullptr);
}

// ---------------------------------------------------------------------------
// The effect on real clients, against the embedded broker a session starts.

BOOST_AUTO_TEST_CASE(each_client_takes_the_session_settings) {
  auto session = NewSession(/*online=*/true);
  Session& s = *session;
  RunOk(s,
        "CREATE STREAM s (v VARCHAR) WITH (connector = 'kafka', topic = 's',"
        "  format = 'json', partitions = 1);"
        "INSERT INTO s VALUES ('before');");

  // A consumer-only property that librdkafka refuses when it makes the
  // consumer: the producer and the admin client do not get it, the query's
  // consumer does.
  RunOk(s, "SET 'properties.fetch.max.bytes' = '1000';");
  RunOk(s, "INSERT INTO s VALUES ('written');");
  Outcome read = Run(s, "SELECT v FROM s EMIT CHANGES LIMIT 1;");
  BOOST_TEST(Contains(read.error, "fetch.max.bytes"), read.error);
  RunOk(s, "RESET 'properties.fetch.max.bytes';");
  read = Run(s, "SELECT v FROM s EMIT CHANGES LIMIT 2;");
  BOOST_TEST(read.error == "");
  BOOST_TEST(Contains(read.shown, "before\nwritten\n"));

  // The producer: records larger than SET's message.max.bytes are refused.
  RunOk(s, "SET 'properties.message.max.bytes' = '1000';");
  Outcome written =
      Run(s, "INSERT INTO s VALUES ('" + std::string(2000, 'x') + "');");
  BOOST_TEST(Contains(written.error, "Message size too large"), written.error);
  RunOk(s, "RESET 'properties.message.max.bytes';");

  // The admin client that looks the topic up: a security protocol the
  // broker does not speak fails the statement with librdkafka's report.
  RunOk(s, "SET 'properties.security.protocol' = 'SSL';");
  written = Run(s, "INSERT INTO s VALUES ('refused');");
  BOOST_TEST(Contains(written.error, "cannot reach any broker"), written.error);
  BOOST_TEST(Contains(written.error, "ssl://"), written.error);

  // The statement's own option wins over SET.
  RunOk(s,
        "CREATE STREAM p (v VARCHAR) WITH (connector = 'kafka', topic = 's',"
        "  format = 'json', 'properties.security.protocol' = 'plaintext');"
        "INSERT INTO p VALUES ('plain');");
  read = Run(s, "SELECT v FROM p EMIT CHANGES LIMIT 3;");
  BOOST_TEST(read.error == "");
  BOOST_TEST(Contains(read.shown, "before\nwritten\nplain\n"));
}

BOOST_AUTO_TEST_CASE(a_persistent_query_s_producer_takes_the_session_settings) {
  // A persistent INSERT ... SELECT opens its own producer when it starts.
  // SET's message.max.bytes (1000; the default is 1,000,000) must reach it:
  // the 2,000-byte record is then refused by librdkafka and the query
  // fails with its report, which SHOW QUERIES shows.
  auto session = NewSession(/*online=*/true);
  Session& s = *session;
  RunOk(s,
        "CREATE STREAM src (v VARCHAR) WITH (connector = 'kafka',"
        "  topic = 'persist_src', format = 'json', partitions = 1);"
        "CREATE STREAM dst (v VARCHAR) WITH (connector = 'kafka',"
        "  topic = 'persist_dst', format = 'json', partitions = 1);"
        "INSERT INTO src VALUES ('" +
            std::string(2000, 'x') + "');");
  RunOk(s, "SET 'properties.message.max.bytes' = '1000';");
  RunOk(s, "INSERT INTO dst SELECT v FROM src;");
  Outcome shown;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    shown = Run(s, "SHOW QUERIES;");
    if (Contains(shown.shown, "FAILED")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(Contains(shown.shown, "FAILED"), shown.shown);
  BOOST_TEST(Contains(shown.shown, "Message size too large"), shown.shown);
}

BOOST_AUTO_TEST_CASE(the_config_file_is_beneath_set) {
  auto session = NewSession(/*online=*/true);
  Session& s = *session;
  BOOST_REQUIRE(s.ApplySetting("properties.security.protocol", "SSL").ok());
  Outcome written =
      Run(s,
          "CREATE STREAM s (v INT) WITH (connector = 'kafka', topic = 's');"
          "INSERT INTO s VALUES (1);");
  BOOST_TEST(Contains(written.error, "ssl://"), written.error);
  RunOk(s,
        "SET 'properties.security.protocol' = 'plaintext';"
        "INSERT INTO s VALUES (2);");
  written = Run(s,
                "RESET 'properties.security.protocol';"
                "INSERT INTO s VALUES (3);");
  BOOST_TEST(Contains(written.shown,
                      "Reset 'properties.security.protocol' to 'SSL' (from "
                      "the config file)."));
  BOOST_TEST(Contains(written.error, "ssl://"), written.error);
}

BOOST_AUTO_TEST_CASE(the_binary_applies_its_config_file_to_the_clients) {
  const std::string dir = testing::MakeTempDir();
  const std::string config = dir + "/weir.conf";
  std::ofstream(config) << "properties.security.protocol = SSL\n";
  const std::string script =
      "CREATE STREAM s (v INT) WITH (connector = 'kafka', topic = 's');"
      "INSERT INTO s VALUES (1);";
  testing::WeirRun refused =
      testing::RunWeir({"--config", config, "-e", script});
  BOOST_TEST(refused.exit_code == 1);
  BOOST_TEST(Contains(refused.err, "ssl://"));
  BOOST_TEST(!Contains(refused.out, "Inserted"));
  testing::WeirRun taken = testing::RunWeir(
      {"--config", config, "-e",
       "SET 'properties.security.protocol' = 'plaintext';" + script});
  BOOST_TEST(taken.exit_code == 0);
  BOOST_TEST(Contains(taken.out, "Inserted 1 row into 's'."));
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace weir
