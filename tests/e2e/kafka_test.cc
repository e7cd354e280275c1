// connectors/kafka against the embedded broker (librdkafka's mock cluster),
// in-process and as a `weir broker` child process. Loopback only; every wait
// is bounded.
#define BOOST_TEST_MODULE kafka_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/kafka_test_util.h"

using namespace weir::kafka_test;
using kafka::KafkaHeader;

namespace {

uint64_t Fnv1a(const std::string& bytes, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

struct PartitionSum {
  int64_t count = 0;
  uint64_t checksum = 0;  // sum of per-record hashes: order-independent
  bool operator==(const PartitionSum&) const = default;
};

uint64_t RecordHash(const std::optional<std::string>& key,
                    const std::optional<std::string>& value) {
  return Fnv1a(value.value_or("<null>"), Fnv1a(key.value_or("<null>") + '\0'));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(embedded_broker)

BOOST_AUTO_TEST_CASE(ten_thousand_keyed_records_exactly_once) {
  auto broker = StartBroker();
  constexpr int kPartitions = 8;
  constexpr int kRecords = 10000;
  RequireOk(broker->CreateTopic("orders", kPartitions));

  // Reference, computed from what is sent: partition by our own key hash.
  std::map<int32_t, PartitionSum> sent;
  auto producer = MakeProducer(broker->bootstrap_servers());
  const auto start = Clock::now();
  for (int i = 0; i < kRecords; ++i) {
    std::string key =
        "customer-" + std::to_string(i % 997) + "-" + std::to_string(i);
    std::string value = "order " + std::to_string(i) + " amount " +
                        std::to_string(i * 37 % 1000);
    const int32_t partition = static_cast<int32_t>(Fnv1a(key) % kPartitions);
    RequireOk(producer->Produce("orders", partition, key, value));
    sent[partition].count++;
    sent[partition].checksum += RecordHash(key, value);
  }
  RequireOk(producer->Flush(seconds(30)));
  const auto produced = Clock::now();
  BOOST_REQUIRE_EQUAL(producer->Delivered(), kRecords);
  BOOST_REQUIRE_EQUAL(producer->InFlight(), 0);

  auto consumer = MakeConsumer(broker->bootstrap_servers());
  RequireOk(consumer->Assign("orders", {0, 1, 2, 3, 4, 5, 6, 7},
                             StartOffset::Earliest()));
  std::vector<KafkaMessage> got = ConsumeExactly(*consumer, kRecords);
  const auto consumed = Clock::now();
  BOOST_TEST_MESSAGE(
      "10,000 records over 8 partitions: produce+flush "
      << std::chrono::duration_cast<milliseconds>(produced - start).count()
      << " ms, consume "
      << std::chrono::duration_cast<milliseconds>(consumed - produced).count()
      << " ms");

  std::map<int32_t, PartitionSum> received;
  std::map<int32_t, int64_t> next_offset;
  std::set<std::string> keys;
  for (const KafkaMessage& m : got) {
    BOOST_REQUIRE_EQUAL(m.topic, "orders");
    BOOST_REQUIRE(m.key.has_value());
    BOOST_REQUIRE(keys.insert(*m.key).second);                  // no duplicates
    BOOST_REQUIRE_EQUAL(m.offset, next_offset[m.partition]++);  // in order
    received[m.partition].count++;
    received[m.partition].checksum += RecordHash(m.key, m.value);
  }
  BOOST_REQUIRE_EQUAL(received.size(), sent.size());
  for (const auto& [partition, sum] : sent) {
    BOOST_TEST_CONTEXT("partition " << partition) {
      BOOST_CHECK_EQUAL(received[partition].count, sum.count);
      BOOST_CHECK_EQUAL(received[partition].checksum, sum.checksum);
      auto marks = consumer->WatermarkOffsets("orders", partition);
      RequireOk(marks.status());
      BOOST_CHECK_EQUAL(marks->low, 0);
      BOOST_CHECK_EQUAL(marks->high, sum.count);
    }
  }
}

BOOST_AUTO_TEST_CASE(partitioner_keeps_a_key_on_one_partition) {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("keyed", 8));
  auto producer = MakeProducer(broker->bootstrap_servers());
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 20; ++k) {
      RequireOk(producer->Produce("keyed", -1, "key" + std::to_string(k),
                                  std::to_string(round)));
    }
  }
  RequireOk(producer->Flush(seconds(10)));
  auto consumer = MakeConsumer(broker->bootstrap_servers());
  RequireOk(consumer->Assign("keyed", {0, 1, 2, 3, 4, 5, 6, 7},
                             StartOffset::Earliest()));
  std::map<std::string, std::set<int32_t>> partitions_of;
  std::set<int32_t> used;
  for (const KafkaMessage& m : ConsumeExactly(*consumer, 200)) {
    partitions_of[*m.key].insert(m.partition);
    used.insert(m.partition);
  }
  BOOST_REQUIRE_EQUAL(partitions_of.size(), 20u);
  for (const auto& [key, parts] : partitions_of) {
    BOOST_CHECK_MESSAGE(parts.size() == 1, key << " on several partitions");
  }
  BOOST_CHECK_GT(used.size(), 1u);
}

BOOST_AUTO_TEST_CASE(start_offsets_and_commits) {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("events", 1));
  const int64_t base = 1'700'000'000'000;  // epoch ms
  auto producer = MakeProducer(broker->bootstrap_servers());
  for (int i = 0; i < 10; ++i) {
    RequireOk(producer->Produce("events", 0, std::nullopt,
                                "e" + std::to_string(i), {}, base + i * 1000));
  }
  RequireOk(producer->Flush(seconds(10)));
  const std::string bootstrap = broker->bootstrap_servers();
  auto first_offset = [&](StartOffset start, size_t expect) -> int64_t {
    auto consumer = MakeConsumer(bootstrap);
    RequireOk(consumer->Assign("events", {0}, start));
    auto got = ConsumeExactly(*consumer, expect, seconds(10));
    return got.empty() ? -1 : got.front().offset;
  };
  BOOST_CHECK_EQUAL(first_offset(StartOffset::Earliest(), 10), 0);
  BOOST_CHECK_EQUAL(first_offset(StartOffset::AtOffset(7), 3), 7);
  // The first record at or after the timestamp: e5 at base + 5000.
  BOOST_CHECK_EQUAL(first_offset(StartOffset::AtTimestamp(base + 4500), 5), 5);
  BOOST_CHECK_EQUAL(first_offset(StartOffset::AtTimestamp(base + 5000), 5), 5);
  BOOST_CHECK_EQUAL(first_offset(StartOffset::AtTimestamp(base + 99000), 0),
                    -1);

  // Latest: nothing old, then exactly what is produced afterwards.
  auto latest = MakeConsumer(bootstrap);
  RequireOk(latest->Assign("events", {0}, StartOffset::Latest()));
  auto none = latest->Poll(100, milliseconds(1500));
  RequireOk(none.status());
  BOOST_CHECK_EQUAL(none->size(), 0u);
  RequireOk(producer->Produce("events", 0, std::nullopt, "late"));
  RequireOk(producer->Flush(seconds(10)));
  auto late = ConsumeExactly(*latest, 1, seconds(10));
  BOOST_CHECK_EQUAL(late[0].offset, 10);
  BOOST_CHECK_EQUAL(late[0].value.value_or(""), "late");
  auto position = latest->Position("events", 0);
  RequireOk(position.status());
  BOOST_CHECK_EQUAL(position->value_or(-1), 11);

  // Commits under a group.
  auto grouped = MakeConsumer(bootstrap, {{"group.id", "weir-test"}});
  auto none_yet = grouped->Committed("events", 0, seconds(10));
  RequireOk(none_yet.status());
  BOOST_CHECK(!none_yet->has_value());
  RequireOk(grouped->Commit("events", 0, 6));
  auto committed = grouped->Committed("events", 0, seconds(10));
  RequireOk(committed.status());
  BOOST_CHECK_EQUAL(committed->value_or(-1), 6);
  BOOST_CHECK_EQUAL(latest->Commit("events", 0, 1).code(),
                    absl::StatusCode::kFailedPrecondition);

  auto admin = MakeAdmin(bootstrap);
  auto marks = admin->WatermarkOffsets("events", 0);
  RequireOk(marks.status());
  BOOST_CHECK_EQUAL(marks->low, 0);
  BOOST_CHECK_EQUAL(marks->high, 11);
}

BOOST_AUTO_TEST_CASE(headers_keys_and_timestamps_round_trip) {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("h", 1));
  auto producer = MakeProducer(broker->bootstrap_servers());
  const std::vector<KafkaHeader> headers = {{"trace", std::string("abc")},
                                            {"empty", std::string()},
                                            {"null", std::nullopt},
                                            {"trace", std::string("second")},
                                            {"bin", std::string("\0\1\2", 3)}};
  RequireOk(producer->Produce("h", 0, std::string("k\0ey", 4),
                              std::string("v\0al", 4), headers,
                              1'600'000'000'123));
  RequireOk(producer->Produce("h", 0, std::nullopt, std::nullopt, {},
                              1'600'000'000'456));  // tombstone, no key
  RequireOk(producer->Produce("h", 0, std::string(), std::string()));
  const int64_t before =
      std::chrono::duration_cast<milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  RequireOk(producer->Flush(seconds(10)));
  auto consumer = MakeConsumer(broker->bootstrap_servers());
  RequireOk(consumer->Assign("h", {0}, StartOffset::Earliest()));
  auto got = ConsumeExactly(*consumer, 3, seconds(10));

  BOOST_CHECK(got[0].key == std::string("k\0ey", 4));
  BOOST_CHECK(got[0].value == std::string("v\0al", 4));
  BOOST_CHECK(got[0].headers == headers);
  BOOST_CHECK_EQUAL(got[0].timestamp_ms, 1'600'000'000'123);

  BOOST_CHECK(!got[1].key.has_value());
  BOOST_CHECK(!got[1].value.has_value());
  BOOST_CHECK(got[1].headers.empty());
  BOOST_CHECK_EQUAL(got[1].timestamp_ms, 1'600'000'000'456);

  BOOST_CHECK(got[2].key == std::string());
  BOOST_CHECK(got[2].value == std::string());
  // Timestamp 0 means "now" (producer create time).
  BOOST_CHECK_GT(got[2].timestamp_ms, before - 60'000);
  BOOST_CHECK_LT(got[2].timestamp_ms, before + 60'000);
}

BOOST_AUTO_TEST_CASE(broker_outage_loses_and_duplicates_nothing) {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("outage", 2));
  // Reconnect quickly once the broker is back; give records time to wait.
  auto producer = MakeProducer(
      broker->bootstrap_servers(),
      {{"reconnect.backoff.max.ms", "500"}, {"message.timeout.ms", "60000"}});
  auto value = [](int i) { return "seq-" + std::to_string(i); };
  for (int i = 0; i < 500; ++i) {
    RequireOk(producer->Produce("outage", i % 2, std::to_string(i), value(i)));
  }
  RequireOk(producer->Flush(seconds(10)));

  RequireOk(broker->SetBrokerDown(1, true));
  for (int i = 500; i < 1000; ++i) {
    RequireOk(producer->Produce("outage", i % 2, std::to_string(i), value(i)));
  }
  // While down, nothing can be delivered.
  absl::Status during = producer->Flush(milliseconds(1500));
  BOOST_CHECK_EQUAL(during.code(), absl::StatusCode::kDeadlineExceeded);
  BOOST_TEST_MESSAGE("flush while down: " << during.ToString());
  BOOST_CHECK_GT(producer->InFlight(), 0);
  RequireOk(broker->SetBrokerDown(1, false));
  const auto up = Clock::now();
  RequireOk(producer->Flush(seconds(30)));
  BOOST_TEST_MESSAGE(
      "delivered the backlog "
      << std::chrono::duration_cast<milliseconds>(Clock::now() - up).count()
      << " ms after the broker came back");
  BOOST_REQUIRE_EQUAL(producer->Delivered(), 1000);

  auto consumer = MakeConsumer(broker->bootstrap_servers());
  RequireOk(consumer->Assign("outage", {0, 1}, StartOffset::Earliest()));
  std::map<int32_t, int> last;  // per partition, the last sequence number
  std::set<int> seen;
  for (const KafkaMessage& m : ConsumeExactly(*consumer, 1000)) {
    const int seq = std::stoi(*m.key);
    BOOST_REQUIRE(seen.insert(seq).second);
    BOOST_CHECK_EQUAL(*m.value, value(seq));
    BOOST_CHECK_EQUAL(m.partition, seq % 2);
    auto it = last.find(m.partition);
    if (it != last.end()) BOOST_CHECK_LT(it->second, seq);  // order kept
    last[m.partition] = seq;
  }
  BOOST_CHECK_EQUAL(seen.size(), 1000u);
  BOOST_CHECK_EQUAL(broker->SetBrokerDown(2, true).code(),
                    absl::StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(topics_auto_create_with_the_default_partitions) {
  auto broker = StartBroker();
  auto producer = MakeProducer(broker->bootstrap_servers());
  RequireOk(producer->Produce("fresh", -1, "k", "v"));
  RequireOk(producer->Flush(seconds(10)));
  auto admin = MakeAdmin(broker->bootstrap_servers());
  auto count = admin->PartitionCount("fresh");
  RequireOk(count.status());
  BOOST_CHECK_EQUAL(*count, EmbeddedBroker::kAutoCreatePartitions);
  auto missing = admin->PartitionCount("missing");
  BOOST_CHECK_EQUAL(missing.status().code(), absl::StatusCode::kNotFound);
  // Asking did not create it.
  BOOST_CHECK_EQUAL(admin->PartitionCount("missing").status().code(),
                    absl::StatusCode::kNotFound);
  BOOST_CHECK_EQUAL(broker->CreateTopic("fresh", 2).code(),
                    absl::StatusCode::kAlreadyExists);
  // The mock cluster does not implement the CreateTopics request; the
  // admin client asks the embedded broker through its request topic.
  RequireOk(admin->CreateTopic("via_admin", 3, 1, seconds(10)));
  auto created = admin->PartitionCount("via_admin");
  RequireOk(created.status());
  BOOST_CHECK_EQUAL(*created, 3);
  BOOST_CHECK_EQUAL(admin->CreateTopic("via_admin", 3).code(),
                    absl::StatusCode::kAlreadyExists);
}

BOOST_AUTO_TEST_CASE(multi_broker_cluster) {
  auto broker = StartBroker(3);
  BOOST_CHECK_EQUAL(broker->num_brokers(), 3);
  BOOST_CHECK_EQUAL(std::count(broker->bootstrap_servers().begin(),
                               broker->bootstrap_servers().end(), ','),
                    2);
  RequireOk(broker->CreateTopic("spread", 6));
  auto producer = MakeProducer(broker->bootstrap_servers());
  for (int i = 0; i < 600; ++i) {
    RequireOk(
        producer->Produce("spread", i % 6, std::nullopt, std::to_string(i)));
  }
  RequireOk(producer->Flush(seconds(10)));
  auto consumer = MakeConsumer(broker->bootstrap_servers());
  RequireOk(
      consumer->Assign("spread", {0, 1, 2, 3, 4, 5}, StartOffset::Earliest()));
  ConsumeExactly(*consumer, 600);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_errors)

BOOST_AUTO_TEST_CASE(bad_configuration_is_invalid_argument) {
  auto unknown = KafkaProducer::Create(
      {{"bootstrap.servers", "127.0.0.1:1"}, {"no.such.property", "1"}});
  BOOST_REQUIRE_EQUAL(unknown.status().code(),
                      absl::StatusCode::kInvalidArgument);
  BOOST_TEST_MESSAGE(unknown.status().message());
  BOOST_CHECK(unknown.status().message().find("no.such.property") !=
              std::string::npos);

  auto bad_value = KafkaConsumer::Create(
      {{"bootstrap.servers", "127.0.0.1:1"}, {"fetch.wait.max.ms", "soon"}});
  BOOST_REQUIRE_EQUAL(bad_value.status().code(),
                      absl::StatusCode::kInvalidArgument);
  BOOST_TEST_MESSAGE(bad_value.status().message());
  BOOST_CHECK(bad_value.status().message().find("fetch.wait.max.ms") !=
              std::string::npos);

  // Idempotence (on by default) needs acks=all: rejected when created.
  auto conflict = KafkaProducer::Create(
      {{"bootstrap.servers", "127.0.0.1:1"}, {"acks", "1"}});
  BOOST_REQUIRE_EQUAL(conflict.status().code(),
                      absl::StatusCode::kInvalidArgument);
  BOOST_TEST_MESSAGE(conflict.status().message());
  auto without = KafkaProducer::Create({{"bootstrap.servers", "127.0.0.1:1"},
                                        {"acks", "1"},
                                        {"enable.idempotence", "false"}});
  BOOST_CHECK(without.ok());

  auto options = kafka::ConfigFromOptions({{"connector", "kafka"},
                                           {"topic", "t"},
                                           {"bootstrap.servers", "h:9092"},
                                           {"properties.client.id", "w"}});
  RequireOk(options.status());
  BOOST_CHECK(*options == (KafkaConfig{{"bootstrap.servers", "h:9092"},
                                       {"client.id", "w"}}));
  BOOST_CHECK_EQUAL(
      kafka::ConfigFromOptions({{"properties.", "x"}}).status().code(),
      absl::StatusCode::kInvalidArgument);
  BOOST_CHECK_EQUAL(EmbeddedBroker::Start(0).status().code(),
                    absl::StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(unreachable_bootstrap_is_unavailable_in_bounded_time) {
  const std::string address = "127.0.0.1:" + std::to_string(UnusedPort());
  auto consumer = MakeConsumer(address);
  RequireOk(consumer->Assign("nowhere", {0}, StartOffset::Earliest()));
  const auto start = Clock::now();
  auto polled = consumer->Poll(100, seconds(5));
  const auto elapsed = Clock::now() - start;
  BOOST_TEST_MESSAGE(
      "Poll: " << polled.status().ToString() << " after "
               << std::chrono::duration_cast<milliseconds>(elapsed).count()
               << " ms");
  BOOST_REQUIRE_EQUAL(polled.status().code(), absl::StatusCode::kUnavailable);
  BOOST_CHECK(polled.status().message().find(address) != std::string::npos);

  auto admin = MakeAdmin(address);
  auto count = admin->PartitionCount("nowhere", seconds(2));
  BOOST_TEST_MESSAGE("PartitionCount: " << count.status().ToString());
  BOOST_CHECK_EQUAL(count.status().code(), absl::StatusCode::kUnavailable);
  BOOST_CHECK(count.status().message().find(address) != std::string::npos);

  auto producer = MakeProducer(address);
  RequireOk(producer->Produce("nowhere", 0, "k", "v"));
  absl::Status flushed = producer->Flush(seconds(2));
  BOOST_TEST_MESSAGE("Flush: " << flushed.ToString());
  BOOST_CHECK_EQUAL(flushed.code(), absl::StatusCode::kDeadlineExceeded);
  BOOST_CHECK(flushed.message().find(address) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(weir_broker_command)

// `weir broker` as a child process: address on the first line, usable by
// clients, clean exit 0 on SIGTERM.
BOOST_AUTO_TEST_CASE(runs_until_sigterm) {
  WeirBroker broker({"--topic", "cli", "--partitions", "3"});
  const std::string& address = broker.address();
  auto admin = MakeAdmin(address);
  auto count = admin->PartitionCount("cli");
  RequireOk(count.status());
  BOOST_CHECK_EQUAL(*count, 3);
  auto producer = MakeProducer(address);
  for (int i = 0; i < 30; ++i) {
    RequireOk(producer->Produce("cli", i % 3, std::nullopt, std::to_string(i)));
  }
  RequireOk(producer->Flush(seconds(10)));
  auto consumer = MakeConsumer(address);
  RequireOk(consumer->Assign("cli", {0, 1, 2}, StartOffset::Earliest()));
  ConsumeExactly(*consumer, 30, seconds(10));
  consumer.reset();
  producer.reset();
  admin.reset();
  BOOST_CHECK_EQUAL(broker.Stop(), 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(weir_gen_command)

// `weir gen --nexmark` writes exactly --count JSON bids to the topic and
// reports them on stdout.
BOOST_AUTO_TEST_CASE(writes_count_nexmark_bids_as_json) {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("gen", 3));
  const std::string address = broker->bootstrap_servers();
  ChildResult run =
      RunWeir({"gen", "--nexmark", "--table", "bid", "--topic", "gen",
               "--count", "5000", "--bootstrap", address, "--seed", "7"});
  BOOST_TEST_MESSAGE("weir gen stdout: " << run.out << "stderr: " << run.err);
  BOOST_REQUIRE_EQUAL(run.exit_code, 0);
  const std::string prefix =
      "Wrote 5000 rows to topic gen at " + address + " in ";
  BOOST_CHECK(run.out.rfind(prefix, 0) == 0);
  BOOST_CHECK(run.out.find(" rows/s)\n") != std::string::npos);

  auto consumer = MakeConsumer(address);
  RequireOk(consumer->Assign("gen", {0, 1, 2}, StartOffset::Earliest()));
  std::vector<KafkaMessage> records = ConsumeExactly(*consumer, 5000);
  std::set<int32_t> partitions;
  for (const KafkaMessage& m : records) {
    partitions.insert(m.partition);
    BOOST_REQUIRE(m.value.has_value());
    BOOST_REQUIRE(!m.key.has_value());
    // The standard bid columns, as a JSON object.
    BOOST_REQUIRE_MESSAGE(m.value->front() == '{' && m.value->back() == '}',
                          *m.value);
    for (const char* field :
         {"\"auction\":", "\"bidder\":", "\"price\":", "\"channel\":",
          "\"url\":", "\"date_time\":", "\"extra\":"}) {
      BOOST_REQUIRE_MESSAGE(m.value->find(field) != std::string::npos,
                            field << " missing in " << *m.value);
    }
  }
  BOOST_CHECK_EQUAL(partitions.size(), 3u);
}

// Bad arguments and an unreachable cluster: a clear message, exit 1.
BOOST_AUTO_TEST_CASE(errors_exit_1_with_a_message) {
  ChildResult no_bootstrap =
      RunWeir({"gen", "--nexmark", "--topic", "t", "--count", "10"});
  BOOST_CHECK_EQUAL(no_bootstrap.exit_code, 1);
  BOOST_CHECK(no_bootstrap.err.find("--bootstrap") != std::string::npos);
  BOOST_CHECK(no_bootstrap.err.find("weir broker") != std::string::npos);

  ChildResult bad_table =
      RunWeir({"gen", "--nexmark", "--table", "bids", "--topic", "t", "--count",
               "10", "--bootstrap", "127.0.0.1:1"});
  BOOST_CHECK_EQUAL(bad_table.exit_code, 1);
  BOOST_CHECK(bad_table.err.find("bids") != std::string::npos);

  const std::string address = "127.0.0.1:" + std::to_string(UnusedPort());
  const auto start = Clock::now();
  ChildResult unreachable = RunWeir({"gen", "--nexmark", "--topic", "t",
                                     "--count", "10", "--bootstrap", address});
  BOOST_TEST_MESSAGE(
      "unreachable: "
      << unreachable.err << " after "
      << std::chrono::duration_cast<milliseconds>(Clock::now() - start).count()
      << " ms");
  BOOST_CHECK_EQUAL(unreachable.exit_code, 1);
  BOOST_CHECK(unreachable.err.find(address) != std::string::npos);
  BOOST_CHECK(unreachable.out.empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------------
// The connector level: OpenKafkaSink / WriteRows / OpenKafkaSource against
// the embedded broker. Expected records are written out from the rules in
// kafka_source.h, not taken from the code under test.

namespace {

using weir::types::ChangeKind;
using weir::types::LogicalType;

using KV =
    std::pair<std::string, std::string>;  // key, value ("<null>" for none)

KV KeyValue(const KafkaMessage& m) {
  return {m.key.value_or("<null>"), m.value.value_or("<null>")};
}

const Field kId{"id", LogicalType::Bigint()};
const Field kName{"name", LogicalType::Varchar()};

/// (id, name) changes: insert (1, a), update (1, a) -> (1, b), delete
/// (2, x).
Batch ChangelogOf(const Entry& entry) {
  Batch batch(SchemaOf(entry));
  batch.AppendRow({Value::Bigint(1), Value::Varchar("a")}, ChangeKind::kInsert);
  batch.AppendRow({Value::Bigint(1), Value::Varchar("a")},
                  ChangeKind::kUpdateBefore);
  batch.AppendRow({Value::Bigint(1), Value::Varchar("b")},
                  ChangeKind::kUpdateAfter);
  batch.AppendRow({Value::Bigint(2), Value::Varchar("x")}, ChangeKind::kDelete);
  return batch;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kafka_sink)

BOOST_AUTO_TEST_CASE(json_rows_keyed_by_key_fields) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("sink_json", 4));
  Entry entry =
      MakeEntry("sink_json", {kId, kName, {"price", LogicalType::Bigint()}},
                {{"format", "json"}, {"key.fields", "id"}});
  auto sink = OpenSink(entry, bootstrap);
  // Two rounds with the same 20 keys; the second batch has a selection that
  // leaves out the odd rows.
  std::multiset<KV> expected;
  for (int round = 0; round < 2; ++round) {
    Batch batch(SchemaOf(entry));
    for (int i = 0; i < 20; ++i) {
      batch.AppendRow({Value::Bigint(i),
                       Value::Varchar("n\"" + std::to_string(i)),
                       Value::Bigint(100 * round + i)});
    }
    weir::types::SelectionVector selection;
    for (uint32_t i = 0; i < 20; ++i) {
      if (round == 0 || i % 2 == 0) selection.push_back(i);
    }
    if (round == 1) batch.SetSelection(selection);
    for (uint32_t i : selection) {
      expected.insert({"{\"id\":" + std::to_string(i) + "}",
                       "{\"id\":" + std::to_string(i) + ",\"name\":\"n\\\"" +
                           std::to_string(i) + "\",\"price\":" +
                           std::to_string(100 * round + i) + "}"});
    }
    RequireOk(sink->Write(batch));
  }
  RequireOk(sink->Flush(seconds(30)));
  BOOST_TEST(sink->Ready());
  auto records = ReadTopic(bootstrap, "sink_json", 4, expected.size());
  std::multiset<KV> got;
  std::map<std::string, std::set<int32_t>> partitions_of_key;
  for (const auto& m : records) {
    got.insert(KeyValue(m));
    partitions_of_key[m.key.value_or("")].insert(m.partition);
  }
  BOOST_TEST((got == expected));
  BOOST_REQUIRE_EQUAL(partitions_of_key.size(), 20u);
  std::set<int32_t> used;
  for (const auto& [key, parts] : partitions_of_key) {
    BOOST_TEST(parts.size() == 1u,
               "key " << key << " is on " << parts.size() << " partitions");
    used.insert(*parts.begin());
  }
  BOOST_TEST(used.size() > 1u);  // keys spread over partitions
}

BOOST_AUTO_TEST_CASE(changelog_as_debezium_events) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("sink_dbz", 1));
  Entry entry =
      MakeEntry("sink_dbz", {kId, kName}, {{"format", "debezium-json"}});
  entry.append_only = false;
  entry.key = {0};
  auto sink = OpenSink(entry, bootstrap);
  RequireOk(sink->Write(ChangelogOf(entry)));
  RequireOk(sink->Flush(seconds(30)));
  auto records = ReadTopic(bootstrap, "sink_dbz", 1, 3);
  std::vector<KV> expected = {
      {"{\"id\":1}",
       "{\"before\":null,\"after\":{\"id\":1,\"name\":\"a\"},\"op\":\"c\"}"},
      {"{\"id\":1}",
       "{\"before\":{\"id\":1,\"name\":\"a\"},\"after\":{\"id\":1,\"name\":"
       "\"b\"},\"op\":\"u\"}"},
      {"{\"id\":2}",
       "{\"before\":{\"id\":2,\"name\":\"x\"},\"after\":null,\"op\":\"d\"}"},
  };
  std::vector<KV> got;
  for (const auto& m : records) got.push_back(KeyValue(m));
  BOOST_TEST((got == expected));
}

BOOST_AUTO_TEST_CASE(changelog_as_upsert_json_with_tombstones) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("sink_upsert", 1));
  Entry entry = MakeEntry(
      "sink_upsert", {kId, kName},
      {{"format", "json"}, {"key.fields", "id"}, {"key.format", "raw"}});
  entry.append_only = false;
  auto sink = OpenSink(entry, bootstrap);
  RequireOk(sink->Write(ChangelogOf(entry)));
  RequireOk(sink->Flush(seconds(30)));
  auto records = ReadTopic(bootstrap, "sink_upsert", 1, 3);
  // Raw keys: the id's text. The update-before writes nothing; the delete
  // is a tombstone (null value).
  std::vector<KV> expected = {{"1", "{\"id\":1,\"name\":\"a\"}"},
                              {"1", "{\"id\":1,\"name\":\"b\"}"},
                              {"2", "<null>"}};
  std::vector<KV> got;
  for (const auto& m : records) got.push_back(KeyValue(m));
  BOOST_TEST((got == expected));
  BOOST_TEST(!records[2].value.has_value());
}

BOOST_AUTO_TEST_CASE(bad_keys_are_invalid_argument_at_open) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  Entry entry = MakeEntry("t", {kId, kName}, {{"key.fields", "id, nope"}});
  auto sink = kafka::OpenKafkaSink(entry, SchemaOf(entry), 0, 1, bootstrap);
  BOOST_REQUIRE(!sink.ok());
  BOOST_TEST(sink.status().code() == absl::StatusCode::kInvalidArgument);
  const std::string message(sink.status().message());
  BOOST_TEST(message.find("'nope'") != std::string::npos, message);
  BOOST_TEST(message.find("id, name") != std::string::npos, message);

  Entry changelog = MakeEntry("t", {kId, kName}, {{"format", "json"}});
  changelog.append_only = false;
  sink = kafka::OpenKafkaSink(changelog, SchemaOf(changelog), 0, 1, bootstrap);
  BOOST_REQUIRE(!sink.ok());
  BOOST_TEST(sink.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(sink.status().message()).find("needs a key") !=
             std::string::npos);
  changelog.key = {0};  // a PRIMARY KEY is enough
  BOOST_TEST(
      kafka::OpenKafkaSink(changelog, SchemaOf(changelog), 0, 1, bootstrap)
          .ok());
}

BOOST_AUTO_TEST_CASE(delivery_error_surfaces_from_flush_and_write) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("sink_dead", 1));
  Entry entry =
      MakeEntry("sink_dead", {kId}, {{"properties.message.timeout.ms", "500"}});
  auto sink = OpenSink(entry, bootstrap);
  RequireOk(broker->SetBrokerDown(-1, true));
  Batch batch(SchemaOf(entry));
  batch.AppendRow({Value::Bigint(1)});
  RequireOk(sink->Write(batch));  // queued: nothing known yet
  absl::Status flushed = sink->Flush(seconds(60));
  BOOST_REQUIRE(!flushed.ok());
  // The record's own failure (librdkafka's message timeout), not Flush
  // giving up on records still in flight.
  const std::string message(flushed.message());
  BOOST_TEST(message.find("still undelivered") == std::string::npos, message);
  BOOST_TEST(message.find("failed") != std::string::npos, message);
  BOOST_TEST(message.find("topic 'sink_dead'") != std::string::npos, message);
  BOOST_TEST(message.find(bootstrap) != std::string::npos, message);
  absl::Status written = sink->Write(batch);
  BOOST_TEST(!written.ok());
  BOOST_TEST(std::string(written.message()) == message);
}

BOOST_AUTO_TEST_CASE(insert_values_writes_metadata_columns) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("ins_meta", 1));
  Entry entry = MakeEntry("ins_meta", {kId,
                                       {"k", LogicalType::Varchar()},
                                       {"trace", LogicalType::Varchar()},
                                       {"all", LogicalType::Varchar()},
                                       {"ts", LogicalType::TimestampOrDie(3)}});
  entry.metadata = {
      {1, "key"}, {2, "header.trace"}, {3, "headers"}, {4, "timestamp"}};
  Batch rows(SchemaOf(entry));
  rows.AppendRow({Value::Bigint(1), Value::Varchar("k1"), Value::Varchar("t1"),
                  Value::Varchar("ignored"),
                  Value::Timestamp(1700000000123000, 3)});
  rows.AppendRow({Value::Bigint(2), Value::Null(LogicalType::Varchar()),
                  Value::Null(LogicalType::Varchar()),
                  Value::Null(LogicalType::Varchar()),
                  Value::Null(LogicalType::TimestampOrDie(3))});
  auto written = kafka::WriteRows(entry, rows, bootstrap);
  BOOST_REQUIRE_MESSAGE(written.ok(), written.status().ToString());
  BOOST_TEST(*written == 2u);
  auto records = ReadTopic(bootstrap, "ins_meta", 1, 2);
  BOOST_TEST((KeyValue(records[0]) == KV{"k1", "{\"id\":1}"}));
  BOOST_TEST((records[0].headers == std::vector<KafkaHeader>{{"trace", "t1"}}));
  BOOST_TEST(records[0].timestamp_ms == 1700000000123);
  BOOST_TEST((KeyValue(records[1]) == KV{"<null>", "{\"id\":2}"}));
  BOOST_TEST(records[1].headers.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kafka_source)

BOOST_AUTO_TEST_CASE(headers_as_columns) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("hdrs", 1));
  auto producer = MakeProducer(bootstrap);
  RequireOk(producer->Produce("hdrs", 0, std::nullopt, "{\"id\":1}",
                              {{"a", "1"}, {"b", std::nullopt}, {"a", "2\""}}));
  RequireOk(producer->Produce("hdrs", 0, std::nullopt, "{\"id\":2}"));
  RequireOk(producer->Produce("hdrs", 0, std::nullopt, "{\"id\":3}",
                              {{"x", "hello"}}));
  RequireOk(producer->Flush(seconds(30)));
  Entry entry = MakeEntry("hdrs", {kId,
                                   {"h", LogicalType::Varchar()},
                                   {"x", LogicalType::Varchar()},
                                   {"xb", LogicalType::Bytes()},
                                   {"b", LogicalType::Varchar()}});
  entry.metadata = {
      {1, "headers"}, {2, "header.x"}, {3, "header.x"}, {4, "header.b"}};
  auto source = OpenSource(entry, bootstrap);
  auto rows = ReadRows(*source, entry, 3);
  // Repeated names: the last wins; a null header value is JSON null / NULL.
  std::vector<std::vector<std::string>> expected = {
      {"1", "{\"a\":\"2\\\"\",\"b\":null}", "NULL", "NULL", "NULL"},
      {"2", "{}", "NULL", "NULL", "NULL"},
      {"3", "{\"x\":\"hello\"}", "hello", Value::Bytes("hello").ToString(),
       "NULL"},
  };
  BOOST_TEST((rows == expected));
}

BOOST_AUTO_TEST_CASE(next_returns_nothing_at_once_on_an_idle_topic) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("idle", 2));
  Entry entry = MakeEntry("idle", {kId});
  auto source = OpenSource(entry, bootstrap);
  for (int i = 0; i < 3; ++i) {
    Batch out(SchemaOf(entry));
    auto n = source->Next(&out, 100);
    BOOST_REQUIRE_MESSAGE(n.ok(), n.status().ToString());
    BOOST_TEST(*n == 0u);
    BOOST_TEST(out.num_rows() == 0u);
    BOOST_TEST(!source->finished());
  }
}

BOOST_AUTO_TEST_CASE(group_offsets_start_at_the_commit_and_resume) {
  auto broker = StartBroker();
  const std::string bootstrap = broker->bootstrap_servers();
  RequireOk(broker->CreateTopic("grp", 1));
  auto producer = MakeProducer(bootstrap);
  auto produce = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      RequireOk(producer->Produce("grp", 0, std::nullopt,
                                  "{\"id\":" + std::to_string(i) + "}"));
    }
    RequireOk(producer->Flush(seconds(30)));
  };
  auto ids = [](int from, int to) {
    std::vector<std::vector<std::string>> out;
    for (int i = from; i < to; ++i) out.push_back({std::to_string(i)});
    return out;
  };
  produce(0, 10);
  auto committer = MakeConsumer(bootstrap, {{"group.id", "g1"}});
  RequireOk(committer->Commit("grp", 0, 4));

  Entry entry =
      MakeEntry("grp", {kId},
                {{"scan.startup.mode", "group-offsets"}, {"group.id", "g1"}});
  {
    auto source = OpenSource(entry, bootstrap);
    BOOST_TEST((ReadRows(*source, entry, 6) == ids(4, 10)));
    // The source reports where it is and commits only what it is told to
    // (the runtime does, once the rows are delivered).
    std::optional<weir::exec::SourcePosition> at = source->position();
    BOOST_REQUIRE(at.has_value());
    BOOST_TEST((*at == weir::exec::SourcePosition{{0, 10}}));
    source->Commit(weir::exec::SourcePosition{{0, 7}});
  }  // destroyed: waits for the commit, commits nothing more
  auto committed = committer->Committed("grp", 0);
  BOOST_REQUIRE_MESSAGE(committed.ok(), committed.status().ToString());
  BOOST_TEST(committed->value_or(-1) == 7);
  {
    auto source = OpenSource(entry, bootstrap);
    BOOST_TEST((ReadRows(*source, entry, 3) == ids(7, 10)));
    source->Commit(*source->position());
  }
  committed = committer->Committed("grp", 0);
  BOOST_REQUIRE_MESSAGE(committed.ok(), committed.status().ToString());
  BOOST_TEST(committed->value_or(-1) == 10);
  produce(10, 15);
  {
    auto source = OpenSource(entry, bootstrap);
    BOOST_TEST((ReadRows(*source, entry, 5) == ids(10, 15)));
  }

  // A group with nothing committed starts at the earliest offset, the group
  // id may come as properties.group.id.
  Entry fresh = MakeEntry(
      "grp", {kId},
      {{"scan.startup.mode", "group-offsets"}, {"properties.group.id", "g2"}});
  {
    auto source = OpenSource(fresh, bootstrap);
    BOOST_TEST((ReadRows(*source, fresh, 15) == ids(0, 15)));
  }

  Entry no_group =
      MakeEntry("grp", {kId}, {{"scan.startup.mode", "group-offsets"}});
  auto source =
      kafka::OpenKafkaSource(no_group, SchemaOf(no_group), 0, 1, bootstrap);
  BOOST_REQUIRE(!source.ok());
  BOOST_TEST(source.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(source.status().message()).find("group.id") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
