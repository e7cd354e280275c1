// The Kafka source and the cluster around it: topic names as Kafka checks
// them, topics created on `weir broker` from another process, a wrong
// bootstrap.servers, the start modes read through the source against
// records at known offsets and timestamps, and the consumer's batch API.
// Expected rows are literals worked out by hand from what each test
// produces. Every wait is bounded.
#define BOOST_TEST_MODULE kafka_source_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/base/log.h"
#include "tests/e2e/kafka_test_util.h"

using namespace weir::kafka_test;
using kafka::KafkaRecord;
using kafka::KafkaRecordBatch;
using weir::types::LogicalType;

namespace {

constexpr int64_t kBase = 1'700'000'000'000;  // epoch ms

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

/// Captures weir::Log messages while it lives.
class LogCapture {
 public:
  LogCapture() {
    previous_ = weir::SetLogSink([this](weir::LogLevel, const std::string& m) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.push_back(m);
    });
  }
  ~LogCapture() { weir::SetLogSink(previous_); }
  bool Has(const std::string& needle) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& m : messages_) {
      if (Contains(m, needle)) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  weir::LogSink previous_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(topic_names)

BOOST_AUTO_TEST_CASE(validate_topic_name_follows_kafka_rules) {
  for (const std::string& ok : std::vector<std::string>{
           "bids", "a.b_c-D9", "...", "_", std::string(249, 'x')}) {
    BOOST_TEST_CONTEXT(ok.substr(0, 20)) {
      RequireOk(kafka::ValidateTopicName(ok));
    }
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "a topic name cannot be empty"},
      {".", "'.' is not a valid topic name ('.' and '..' are reserved)"},
      {"..", "'..' is not a valid topic name ('.' and '..' are reserved)"},
      {std::string(250, 'x'), "is 250 characters long; at most 249"},
      {"a b", "invalid topic name 'a b': a space at position 2"},
      {"it's", "invalid topic name 'it's': ''' at position 3"},
      {"say\"hi", "'\"' at position 4"},
      {"a/b", "'/' at position 2"},
      {"caf\xC3\xA9",
       "invalid topic name 'caf\\xC3\\xA9': byte 0xC3 at "
       "position 4"},
      {std::string("nul\0x", 5), "'nul\\x00x': byte 0x00 at position 4"},
  };
  for (const auto& [name, message] : bad) {
    BOOST_TEST_CONTEXT(name.substr(0, 20)) {
      absl::Status status = kafka::ValidateTopicName(name);
      BOOST_CHECK_EQUAL(status.code(), absl::StatusCode::kInvalidArgument);
      BOOST_CHECK_MESSAGE(Contains(std::string(status.message()), message),
                          status.message());
    }
  }
}

// The name is checked before Weir asks the cluster anything: with nothing
// listening at bootstrap.servers, the error is still about the name.
BOOST_AUTO_TEST_CASE(a_stream_with_a_bad_topic_fails_on_the_name) {
  const std::string address = "127.0.0.1:" + std::to_string(UnusedPort());
  ChildResult run = RunWeir(
      {"-e", "SET 'bootstrap.servers' = '" + address +
                 "'; CREATE STREAM s (a BIGINT) WITH (connector = 'kafka', "
                 "topic = 'a b'); SELECT * FROM s EMIT CHANGES LIMIT 1;"});
  BOOST_TEST_MESSAGE("stderr: " << run.err);
  BOOST_CHECK_EQUAL(run.exit_code, 1);
  BOOST_CHECK(Contains(run.err,
                       "invalid topic name 'a b': a space at "
                       "position 2"));
  BOOST_CHECK(!Contains(run.err, "cannot reach any broker"));

  // The source refuses it too, before contacting anything.
  Entry entry = MakeEntry("a b", {{"id", LogicalType::Bigint()}});
  auto source = kafka::OpenKafkaSource(entry, SchemaOf(entry), 0, 1, address);
  BOOST_CHECK_EQUAL(source.status().code(), absl::StatusCode::kInvalidArgument);
  BOOST_CHECK(Contains(std::string(source.status().message()),
                       "invalid topic name 'a b'"));

  ChildResult broker = RunWeir({"broker", "--topic", ".."});
  BOOST_CHECK_EQUAL(broker.exit_code, 1);
  BOOST_CHECK(Contains(broker.err, "'..' is not a valid topic name"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topic_creation)

// The issue: against `weir broker`, any new topic failed after 10 s with
// "create topic ... Local: Timed out". A second process now creates it,
// with the partitions asked for, and writes to it.
BOOST_AUTO_TEST_CASE(weir_e_creates_new_topics_on_weir_broker) {
  WeirBroker broker;
  const std::string set = "SET 'bootstrap.servers' = '" + broker.address() +
                          "'; SET 'parallelism' = '2'; ";
  ChildResult values = RunWeir(
      {"-e",
       set + "CREATE STREAM out (id BIGINT, name VARCHAR) WITH (connector = "
             "'kafka', topic = 'out', partitions = 6); INSERT INTO out VALUES "
             "(1, 'a'), (2, 'b'), (3, 'c');"});
  BOOST_TEST_MESSAGE("stdout: " << values.out << "stderr: " << values.err);
  BOOST_REQUIRE_EQUAL(values.exit_code, 0);
  BOOST_CHECK(Contains(values.out, "Inserted 3 rows into 'out'."));

  // INSERT INTO ... SELECT: the persistent query's target is created too.
  // max-events = 50 is one round of the Nexmark sequence: 46 bids.
  ChildResult select = RunWeir(
      {"-e", set +
                 "CREATE STREAM bids WITH (connector = 'nexmark', table = "
                 "'bid', max-events = 50); CREATE STREAM copy (auction BIGINT, "
                 "price BIGINT) WITH (connector = 'kafka', topic = 'copy', "
                 "partitions = 3); INSERT INTO copy SELECT auction, price FROM "
                 "bids;"});
  BOOST_TEST_MESSAGE("stdout: " << select.out << "stderr: " << select.err);
  BOOST_REQUIRE_EQUAL(select.exit_code, 0);

  auto admin = MakeAdmin(broker.address());
  auto out_partitions = admin->PartitionCount("out");
  RequireOk(out_partitions.status());
  BOOST_CHECK_EQUAL(*out_partitions, 6);
  auto copy_partitions = admin->PartitionCount("copy");
  RequireOk(copy_partitions.status());
  BOOST_CHECK_EQUAL(*copy_partitions, 3);

  std::multiset<std::string> got;
  for (const KafkaMessage& m : ReadTopic(broker.address(), "out", 6, 3)) {
    got.insert(m.value.value_or("<null>"));
  }
  BOOST_CHECK((got == std::multiset<std::string>{R"({"id":1,"name":"a"})",
                                                 R"({"id":2,"name":"b"})",
                                                 R"({"id":3,"name":"c"})"}));
  BOOST_CHECK_EQUAL(ReadTopic(broker.address(), "copy", 3, 46).size(), 46u);
  BOOST_CHECK_EQUAL(broker.Stop(), 0);
}

// Requests on the broker's request topic are served in order; a bad one
// is logged and creates nothing.
BOOST_AUTO_TEST_CASE(bad_creation_requests_are_logged_and_ignored) {
  LogCapture log;
  auto broker = StartBroker();
  auto producer = MakeProducer(broker->bootstrap_servers());
  const std::string requests = EmbeddedBroker::kCreateTopicsTopic;
  RequireOk(producer->Produce(requests, 0, "a b", "3"));
  RequireOk(producer->Produce(requests, 0, "zero", "0"));
  RequireOk(producer->Produce(requests, 0, "fine", "2"));
  RequireOk(producer->Flush(seconds(10)));
  auto admin = MakeAdmin(broker->bootstrap_servers());
  absl::StatusOr<int> fine = absl::NotFoundError("not yet");
  const auto deadline = Clock::now() + seconds(30);
  while (!fine.ok() && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    fine = admin->PartitionCount("fine");
  }
  RequireOk(fine.status());
  BOOST_CHECK_EQUAL(*fine, 2);
  BOOST_CHECK_EQUAL(admin->PartitionCount("zero").status().code(),
                    absl::StatusCode::kNotFound);
  BOOST_CHECK(log.Has("to create topic 'a b': kafka: invalid topic name"));
  BOOST_CHECK(
      log.Has("to create topic 'zero': the partition count '0' is "
              "not a number from 1 to 100000"));
  BOOST_CHECK(log.Has("created topic 'fine' with 2 partitions on request"));
  // The admin client refuses the same mistakes before sending anything.
  BOOST_CHECK_EQUAL(admin->CreateTopic("a b", 3).code(),
                    absl::StatusCode::kInvalidArgument);
  BOOST_CHECK_EQUAL(admin->CreateTopic("zero", 0).code(),
                    absl::StatusCode::kInvalidArgument);
  BOOST_CHECK_EQUAL(admin->CreateTopic("fine", 2).code(),
                    absl::StatusCode::kAlreadyExists);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unreachable_cluster)

// A wrong bootstrap.servers is an error naming the servers, as soon as
// librdkafka finds every broker down. The calls below are given an hour:
// if they waited out their timeout the test would hit CTest's.
BOOST_AUTO_TEST_CASE(a_wrong_bootstrap_fails_naming_the_servers) {
  const std::string address = "127.0.0.1:" + std::to_string(UnusedPort());
  const std::string expected =
      "kafka: cannot reach any broker of '" + address + "'";
  const auto hour = std::chrono::hours(1);

  auto admin = MakeAdmin(address);
  auto count = admin->PartitionCount("t", hour);
  BOOST_CHECK_EQUAL(count.status().code(), absl::StatusCode::kUnavailable);
  BOOST_CHECK_MESSAGE(Contains(std::string(count.status().message()), expected),
                      count.status().message());
  auto admin2 = MakeAdmin(address);
  absl::Status created = admin2->CreateTopic("t", 1, 1, hour);
  BOOST_CHECK_EQUAL(created.code(), absl::StatusCode::kUnavailable);
  BOOST_CHECK_MESSAGE(Contains(std::string(created.message()), expected),
                      created.message());
  auto consumer = MakeConsumer(address);
  auto partitions = consumer->PartitionCount("t", hour);
  BOOST_CHECK_EQUAL(partitions.status().code(), absl::StatusCode::kUnavailable);
  BOOST_CHECK_MESSAGE(
      Contains(std::string(partitions.status().message()), expected),
      partitions.status().message());

  // And from the shell, for a push query and for INSERT.
  for (const std::string& statement :
       std::vector<std::string>{"SELECT * FROM s EMIT CHANGES LIMIT 1;",
                                "INSERT INTO s VALUES (1);"}) {
    ChildResult run = RunWeir(
        {"-e", "SET 'bootstrap.servers' = '" + address +
                   "'; CREATE STREAM s (a BIGINT) WITH (connector = 'kafka', "
                   "topic = 't'); " +
                   statement});
    BOOST_TEST_MESSAGE("stderr: " << run.err);
    BOOST_CHECK_EQUAL(run.exit_code, 1);
    BOOST_CHECK(Contains(run.err, expected + ": 1/1 brokers are down"));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(start_modes)

namespace {

/// Topic `topic` of 2 partitions: partition 0 holds ids 0..9 at offsets
/// 0..9 with timestamps kBase + i * 1000; partition 1 holds ids 100..109
/// at offsets 0..9 with timestamps kBase + 500 + i * 1000.
void FillTwoPartitions(EmbeddedBroker& broker, const std::string& topic) {
  RequireOk(broker.CreateTopic(topic, 2));
  auto producer = MakeProducer(broker.bootstrap_servers());
  for (int i = 0; i < 10; ++i) {
    RequireOk(producer->Produce(topic, 0, std::nullopt,
                                "{\"id\":" + std::to_string(i) + "}", {},
                                kBase + i * 1000));
    RequireOk(producer->Produce(topic, 1, std::nullopt,
                                "{\"id\":" + std::to_string(100 + i) + "}", {},
                                kBase + 500 + i * 1000));
  }
  RequireOk(producer->Flush(seconds(30)));
}

/// A stream of (id, partition, offset) over `topic` with these options.
Entry ModeEntry(const std::string& topic,
                std::vector<std::pair<std::string, std::string>> options) {
  Entry entry = MakeEntry(topic,
                          {{"id", LogicalType::Bigint()},
                           {"p", LogicalType::Int()},
                           {"o", LogicalType::Bigint()}},
                          std::move(options));
  entry.metadata = {{1, "partition"}, {2, "offset"}};
  return entry;
}

/// The rows as "id@partition:offset", sorted.
std::set<std::string> Read(weir::exec::Source& source, const Entry& entry,
                           size_t n) {
  std::set<std::string> out;
  for (const auto& row : ReadRows(source, entry, n)) {
    out.insert(row[0] + "@" + row[1] + ":" + row[2]);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(specific_offsets_start_each_partition_where_named) {
  auto broker = StartBroker();
  FillTwoPartitions(*broker, "spec");
  Entry both =
      ModeEntry("spec", {{"scan.startup.mode", "specific-offsets"},
                         {"scan.startup.specific-offsets",
                          "partition:0,offset:7;partition:1,offset:8"}});
  auto source = OpenSource(both, broker->bootstrap_servers());
  BOOST_CHECK(
      (Read(*source, both, 5) ==
       std::set<std::string>{"7@0:7", "8@0:8", "9@0:9", "108@1:8", "109@1:9"}));
  // A partition the option does not name starts at the earliest offset.
  Entry one = ModeEntry(
      "spec", {{"scan.startup.mode", "specific-offsets"},
               {"scan.startup.specific-offsets", "partition:1,offset:9"}});
  source = OpenSource(one, broker->bootstrap_servers());
  std::set<std::string> expected = {"109@1:9"};
  for (int i = 0; i < 10; ++i) {
    expected.insert(std::to_string(i) + "@0:" + std::to_string(i));
  }
  BOOST_CHECK((Read(*source, one, 11) == expected));
}

BOOST_AUTO_TEST_CASE(timestamp_starts_at_the_first_record_at_or_after_it) {
  auto broker = StartBroker();
  FillTwoPartitions(*broker, "ts");
  // kBase + 4200: partition 0 from i = 5 (kBase + 5000), partition 1 from
  // i = 4 (kBase + 4500).
  Entry entry = ModeEntry(
      "ts", {{"scan.startup.mode", "timestamp"},
             {"scan.startup.timestamp-millis", std::to_string(kBase + 4200)}});
  auto source = OpenSource(entry, broker->bootstrap_servers());
  BOOST_CHECK((Read(*source, entry, 11) ==
               std::set<std::string>{"5@0:5", "6@0:6", "7@0:7", "8@0:8",
                                     "9@0:9", "104@1:4", "105@1:5", "106@1:6",
                                     "107@1:7", "108@1:8", "109@1:9"}));
  // Exactly at a record's timestamp includes it: kBase + 9000 is id 9
  // (partition 1's last, kBase + 9500, is after it too).
  Entry exact = ModeEntry(
      "ts", {{"scan.startup.mode", "timestamp"},
             {"scan.startup.timestamp-millis", std::to_string(kBase + 9000)}});
  source = OpenSource(exact, broker->bootstrap_servers());
  BOOST_CHECK(
      (Read(*source, exact, 2) == std::set<std::string>{"9@0:9", "109@1:9"}));
  // After every record: only what comes later, from the end.
  Entry later = ModeEntry(
      "ts", {{"scan.startup.mode", "timestamp"},
             {"scan.startup.timestamp-millis", std::to_string(kBase + 60000)}});
  source = OpenSource(later, broker->bootstrap_servers());
  auto producer = MakeProducer(broker->bootstrap_servers());
  RequireOk(producer->Produce("ts", 0, std::nullopt, "{\"id\":10}", {},
                              kBase + 70000));
  RequireOk(producer->Flush(seconds(30)));
  BOOST_CHECK((Read(*source, later, 1) == std::set<std::string>{"10@0:10"}));
}

// latest-offset starts where each partition ends when the assignment takes
// effect: no record from before, then every record after that point. The
// moment is the broker's answer, so new records are produced one by one
// until the source returns some; from the first on, none may be missing.
BOOST_AUTO_TEST_CASE(latest_offset_reads_only_what_comes_after) {
  auto broker = StartBroker();
  FillTwoPartitions(*broker, "latest");
  Entry entry = ModeEntry("latest", {{"scan.startup.mode", "latest-offset"}});
  auto source = OpenSource(entry, broker->bootstrap_servers());
  auto producer = MakeProducer(broker->bootstrap_servers());
  std::vector<std::pair<int64_t, int64_t>> rows;  // (id, offset)
  int next = 1000;  // ids produced to partition 0 after the start
  const auto deadline = Clock::now() + seconds(30);
  while (rows.empty() && Clock::now() < deadline) {
    RequireOk(producer->Produce("latest", 0, std::nullopt,
                                "{\"id\":" + std::to_string(next++) + "}"));
    RequireOk(producer->Flush(seconds(30)));
    for (int poll = 0; poll < 20 && rows.empty(); ++poll) {
      Batch out(SchemaOf(entry));
      auto n = source->Next(&out, 1000);
      RequireOk(n.status());
      for (size_t r = 0; r < out.num_rows(); ++r) {
        rows.emplace_back(out.column(0).ints()[r], out.column(2).ints()[r]);
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }
  BOOST_REQUIRE(!rows.empty());
  // Five more; they must follow the first one read without a gap.
  for (int i = 0; i < 5; ++i) {
    RequireOk(producer->Produce("latest", 0, std::nullopt,
                                "{\"id\":" + std::to_string(next++) + "}"));
  }
  RequireOk(producer->Flush(seconds(30)));
  const int64_t first = rows.front().first;
  BOOST_REQUIRE_GE(first, 1000);
  const size_t expected = static_cast<size_t>(next - first);
  for (const auto& row : ReadRows(*source, entry, expected - rows.size())) {
    rows.emplace_back(std::stoll(row[0]), std::stoll(row[2]));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    // id 1000 + k is at offset 10 + k of partition 0.
    const int64_t k = first - 1000 + static_cast<int64_t>(i);
    BOOST_CHECK_EQUAL(rows[i].first, 1000 + k);
    BOOST_CHECK_EQUAL(rows[i].second, 10 + k);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(consumer_batches)

// PollBatch hands out records in place, at most as many as asked, in
// partition order, with the same contents as the copying Poll.
BOOST_AUTO_TEST_CASE(poll_batch_reads_records_in_place) {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("batch", 1));
  auto producer = MakeProducer(broker->bootstrap_servers());
  for (int i = 0; i < 12; ++i) {
    std::vector<kafka::KafkaHeader> headers;
    if (i == 3) headers = {{"h", std::string("v")}, {"n", std::nullopt}};
    RequireOk(producer->Produce(
        "batch", 0,
        i % 2 ? std::optional<std::string>("k" + std::to_string(i))
              : std::nullopt,
        "v" + std::to_string(i), headers, kBase + i));
  }
  RequireOk(producer->Flush(seconds(30)));
  auto consumer = MakeConsumer(broker->bootstrap_servers());
  RequireOk(consumer->Assign("batch", {0}, StartOffset::Earliest()));
  KafkaRecordBatch batch;
  std::vector<KafkaMessage> got;
  const auto deadline = Clock::now() + seconds(30);
  while (got.size() < 12 && Clock::now() < deadline) {
    RequireOk(consumer->PollBatch(5, milliseconds(200), &batch));
    BOOST_REQUIRE_LE(batch.size(), 5u);
    for (const KafkaRecord& r : batch) got.push_back(r.ToMessage());
  }
  BOOST_REQUIRE_EQUAL(got.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    const KafkaMessage& m = got[static_cast<size_t>(i)];
    BOOST_CHECK_EQUAL(m.topic, "batch");
    BOOST_CHECK_EQUAL(m.offset, i);
    BOOST_CHECK_EQUAL(m.value.value_or(""), "v" + std::to_string(i));
    BOOST_CHECK_EQUAL(m.key.has_value(), i % 2 == 1);
    BOOST_CHECK_EQUAL(m.timestamp_ms, kBase + i);
  }
  BOOST_CHECK(
      (got[3].headers == std::vector<kafka::KafkaHeader>{
                             {"h", std::string("v")}, {"n", std::nullopt}}));
  // Nothing more: an empty batch, at once with a zero timeout.
  RequireOk(consumer->PollBatch(5, milliseconds(0), &batch));
  BOOST_CHECK(batch.empty());
}

BOOST_AUTO_TEST_SUITE_END()
