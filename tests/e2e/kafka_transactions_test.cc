// Kafka transactions: what the embedded broker (librdkafka 2.0.2's mock
// cluster) does with them (suite mock_cluster_spike: the findings of the
// spike, asserted, see docs/state-and-recovery.md, "Kafka transactions"), and KafkaTxnProducer
// (suite txn_producer).
//
// txn_producer runs against the embedded broker, or against a real Kafka
// cluster when WEIR_TEST_KAFKA_BOOTSTRAP names one; where the two differ
// (the mock shows aborted and open transactions' records and never fences)
// each test asserts the behaviour of the cluster it runs on.
#define BOOST_TEST_MODULE kafka_transactions_test
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/kafka/kafka_txn_producer.h"
#include "tests/e2e/kafka_test_util.h"

using namespace weir::kafka_test;
using kafka::KafkaTxnProducer;
using kafka::TxnProducerOptions;
using weir::exec::CheckpointId;
using weir::types::LogicalType;

namespace {

// Kafka protocol numbers for EmbeddedBroker::FailNextRequests.
constexpr int16_t kProduceApi = 0;
constexpr int16_t kEndTxnApi = 26;
constexpr int kInvalidRecord = 87;
constexpr int kOutOfOrderSequence = 45;
constexpr int kCoordinatorLoadInProgress = 14;
constexpr int kProducerFenced = 90;

// The cluster under test: a real one from WEIR_TEST_KAFKA_BOOTSTRAP, else
// an embedded broker. Topic and sink names are unique per run, so that a
// real cluster can be reused.
struct Cluster {
  Cluster() {
    if (const char* real = std::getenv("WEIR_TEST_KAFKA_BOOTSTRAP");
        real != nullptr && *real != '\0') {
      bootstrap = real;
    } else {
      broker = StartBroker();
      bootstrap = broker->bootstrap_servers();
    }
    suffix = std::to_string(getpid()) + "-" +
             std::to_string(Clock::now().time_since_epoch().count());
  }

  bool real() const { return broker == nullptr; }

  std::string Name(const std::string& base) const {
    return base + "-" + suffix;
  }

  // A new topic with a unique name.
  std::string Topic(const std::string& base, int partitions = 1) const {
    const std::string name = Name(base);
    if (broker) {
      RequireOk(broker->CreateTopic(name, partitions));
    } else {
      RequireOk(MakeAdmin(bootstrap)->CreateTopic(name, partitions, -1));
    }
    return name;
  }

  // A transactional producer for `sink` writing to `topics`.
  std::unique_ptr<KafkaTxnProducer> Open(
      const std::string& sink, std::vector<std::string> topics = {}) const {
    TxnProducerOptions options;
    options.sink_name = sink;
    options.output_topics = std::move(topics);
    auto producer = KafkaTxnProducer::Open(
        {{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}}, options);
    BOOST_REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
    return std::move(*producer);
  }

  // A consumer of every partition of `topic` from the start, with
  // isolation.level `isolation`.
  std::unique_ptr<KafkaConsumer> Reader(
      const std::string& topic, int partitions = 1,
      const std::string& isolation = "read_committed") const {
    auto consumer = MakeConsumer(bootstrap, {{"isolation.level", isolation}});
    std::vector<int32_t> all;
    for (int p = 0; p < partitions; ++p) all.push_back(p);
    RequireOk(consumer->Assign(topic, all, StartOffset::Earliest()));
    return consumer;
  }

  std::unique_ptr<EmbeddedBroker> broker;
  std::string bootstrap;
  std::string suffix;
};

CheckpointId Cp(uint64_t id) { return CheckpointId{id}; }
std::optional<CheckpointId> Some(uint64_t id) { return Cp(id); }

// Values of `n` records of one checkpoint: "<tag> <i>".
std::vector<std::string> Rows(const std::string& tag, int n) {
  std::vector<std::string> rows;
  for (int i = 0; i < n; ++i) rows.push_back(tag + " " + std::to_string(i));
  return rows;
}

void ProduceRows(KafkaTxnProducer& producer, const std::string& topic,
                 const std::vector<std::string>& rows) {
  for (const std::string& row : rows)
    RequireOk(producer.Produce(topic, 0, std::nullopt, row));
}

// Values read, in order, from a one-partition topic: exactly `n` of them.
std::vector<std::string> Values(KafkaConsumer& consumer, size_t n) {
  std::vector<std::string> values;
  for (const KafkaMessage& m : ConsumeExactly(consumer, n))
    values.push_back(m.value.value_or("<null>"));
  return values;
}

std::vector<std::string> Concat(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> all;
  for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

// The producer of a new sink writing `out`, after it committed one row as
// checkpoint 1.
std::unique_ptr<KafkaTxnProducer> AfterOneCommit(const Cluster& cluster,
                                                 const std::string& out) {
  auto producer = cluster.Open(cluster.Name("sink"), {out});
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, Rows("one", 1));
  RequireOk(producer->Commit(Cp(1)));
  return producer;
}

std::optional<CheckpointId> LastCommitted(KafkaTxnProducer& producer) {
  auto last = producer.LastCommittedCheckpoint();
  BOOST_REQUIRE_MESSAGE(last.ok(), last.status().ToString());
  return *last;
}

// For the spike: an embedded broker with a topic "out" of one partition.
std::unique_ptr<EmbeddedBroker> SpikeBroker() {
  auto broker = StartBroker();
  RequireOk(broker->CreateTopic("out", 1));
  return broker;
}

// For the spike: a transactional producer of sink "spike".
std::unique_ptr<KafkaTxnProducer> SpikeProducer(const EmbeddedBroker& broker) {
  TxnProducerOptions options;
  options.sink_name = "spike";
  options.output_topics = {"out"};
  auto producer = KafkaTxnProducer::Open(
      {{"bootstrap.servers", broker.bootstrap_servers()}}, options);
  BOOST_REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
  return std::move(*producer);
}

}  // namespace

// What librdkafka 2.0.2's mock cluster does with transactions. Each test
// states in its name what holds there (and would not on a real cluster).
BOOST_AUTO_TEST_SUITE(mock_cluster_spike)

BOOST_AUTO_TEST_CASE(transaction_calls_succeed) {
  auto broker = SpikeBroker();
  auto opened = SpikeProducer(*broker);
  KafkaTxnProducer& producer = *opened;
  RequireOk(producer.Begin());
  ProduceRows(producer, "out", Rows("committed", 3));
  RequireOk(producer.Commit(Cp(1)));
  RequireOk(producer.Begin());
  ProduceRows(producer, "out", Rows("aborted", 2));
  RequireOk(producer.Abort());
  BOOST_CHECK(!producer.in_transaction());
}

// read_committed reads aborted and still-open transactions' records too:
// the mock's Fetch answers LastStableOffset = high watermark and no
// aborted transactions, and EndTxn writes no control records (offsets
// stay contiguous: a real cluster would put a commit or abort marker
// after each transaction).
BOOST_AUTO_TEST_CASE(read_committed_sees_aborted_and_open_transactions) {
  auto broker = SpikeBroker();
  auto producer = SpikeProducer(*broker);
  const auto committed = Rows("committed", 3);
  const auto aborted = Rows("aborted", 2);
  const auto open = Rows("open", 2);
  RequireOk(producer->Begin());
  ProduceRows(*producer, "out", committed);
  RequireOk(producer->Commit(Cp(1)));
  RequireOk(producer->Begin());
  ProduceRows(*producer, "out", aborted);
  RequireOk(producer->producer().Flush(seconds(10)));
  RequireOk(producer->Abort());
  RequireOk(producer->Begin());
  ProduceRows(*producer, "out", open);
  RequireOk(producer->producer().Flush(seconds(10)));

  auto reader = MakeConsumer(broker->bootstrap_servers(),
                             {{"isolation.level", "read_committed"}});
  RequireOk(reader->Assign("out", {0}, StartOffset::Earliest()));
  std::vector<KafkaMessage> got = ConsumeExactly(*reader, 7);
  std::vector<std::string> values;
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_CHECK_EQUAL(got[i].offset, static_cast<int64_t>(i));  // no markers
    values.push_back(*got[i].value);
  }
  const auto expected = Concat({committed, aborted, open});
  BOOST_CHECK_EQUAL_COLLECTIONS(values.begin(), values.end(), expected.begin(),
                                expected.end());
  auto marks = reader->WatermarkOffsets("out", 0);
  RequireOk(marks.status());
  BOOST_CHECK_EQUAL(marks->high, 7);  // the open transaction's end, not LSO
}

// send_offsets_to_transaction succeeds, but the mock's TxnOffsetCommit
// stores nothing: the group has no committed offset afterwards, although
// a plain OffsetCommit is stored.
BOOST_AUTO_TEST_CASE(send_offsets_to_transaction_is_accepted_not_stored) {
  auto broker = SpikeBroker();
  auto producer = SpikeProducer(*broker);
  RequireOk(producer->Begin());
  ProduceRows(*producer, "out", Rows("row", 1));
  RequireOk(
      producer->SendOffsetsToTransaction("weir-sink-spike", "out", 0, 42));
  RequireOk(producer->Commit(Cp(1)));

  auto group = MakeConsumer(broker->bootstrap_servers(),
                            {{"group.id", "weir-sink-spike"}});
  auto committed = group->Committed("out", 0);
  RequireOk(committed.status());
  BOOST_CHECK(!committed->has_value());

  auto plain =
      MakeConsumer(broker->bootstrap_servers(), {{"group.id", "plain-group"}});
  RequireOk(plain->Commit("out", 0, 5));
  auto stored = plain->Committed("out", 0);
  RequireOk(stored.status());
  BOOST_REQUIRE(stored->has_value());
  BOOST_CHECK_EQUAL(**stored, 5);
}

// A second producer with the same transactional.id gets a new producer id
// from the mock (a real cluster bumps the epoch of the same one): the
// first is not fenced, and its open transaction commits.
BOOST_AUTO_TEST_CASE(same_transactional_id_does_not_fence) {
  auto broker = SpikeBroker();
  auto first = SpikeProducer(*broker);
  RequireOk(first->Begin());
  ProduceRows(*first, "out", Rows("first", 2));
  auto second = SpikeProducer(*broker);
  RequireOk(first->Commit(Cp(1)));
  RequireOk(second->Begin());
  ProduceRows(*second, "out", Rows("second", 1));
  RequireOk(second->Commit(Cp(2)));
  auto last = first->LastCommittedCheckpoint();
  RequireOk(last.status());
  BOOST_CHECK(*last == Some(2));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(txn_producer)

BOOST_AUTO_TEST_CASE(names_are_valid_topics_and_distinct) {
  const std::vector<std::string> sinks = {
      "orders", "a b", "a_b", "x/y", "ünï", std::string(300, 'q')};
  for (const std::string& sink : sinks) {
    const std::string topic = kafka::MarkerTopicFor(sink);
    RequireOk(kafka::ValidateTopicName(topic));
  }
  BOOST_CHECK_EQUAL(kafka::MarkerTopicFor("orders"),
                    "weir-sink-orders.checkpoints");
  BOOST_CHECK_NE(kafka::MarkerTopicFor("a b"), kafka::MarkerTopicFor("a_b"));
  BOOST_CHECK_EQUAL(kafka::TransactionalIdFor("orders"), "weir-sink-orders");
}

BOOST_AUTO_TEST_CASE(bad_options_are_errors) {
  Cluster cluster;
  auto no_name = KafkaTxnProducer::Open(
      {{"bootstrap.servers", cluster.bootstrap}}, TxnProducerOptions{});
  BOOST_CHECK_EQUAL(no_name.status().code(),
                    absl::StatusCode::kInvalidArgument);
  TxnProducerOptions options;
  options.sink_name = cluster.Name("s");
  auto own_id = KafkaTxnProducer::Open(
      {{"bootstrap.servers", cluster.bootstrap}, {"transactional.id", "x"}},
      options);
  BOOST_CHECK_EQUAL(own_id.status().code(), absl::StatusCode::kInvalidArgument);
  auto producer = cluster.Open(cluster.Name("s"));
  BOOST_CHECK_EQUAL(producer->Produce("t", 0, std::nullopt, "v").code(),
                    absl::StatusCode::kFailedPrecondition);
  BOOST_CHECK_EQUAL(producer->Commit(Cp(1)).code(),
                    absl::StatusCode::kFailedPrecondition);
  RequireOk(producer->Abort());  // nothing open: nothing to do
  RequireOk(producer->Begin());
  BOOST_CHECK_EQUAL(producer->Begin().code(),
                    absl::StatusCode::kFailedPrecondition);
}

BOOST_AUTO_TEST_CASE(committed_rows_visible_aborted_not) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  auto producer = cluster.Open(cluster.Name("sink"), {out});
  const auto first = Rows("checkpoint 1", 20);
  const auto aborted = Rows("aborted", 7);
  const auto second = Rows("checkpoint 2", 5);
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, first);
  RequireOk(producer->Commit(Cp(1)));
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, aborted);
  RequireOk(producer->producer().Flush(seconds(10)));
  RequireOk(producer->Abort());
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, second);
  RequireOk(producer->Commit(Cp(2)));

  // A real cluster hides the aborted rows; the embedded broker cannot.
  const auto expected = cluster.real() ? Concat({first, second})
                                       : Concat({first, aborted, second});
  auto reader = cluster.Reader(out);
  const auto got = Values(*reader, expected.size());
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(),
                                expected.end());
  BOOST_CHECK(LastCommitted(*producer) == Some(2));
}

BOOST_AUTO_TEST_CASE(aborted_transaction_leaves_the_marker) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  auto producer = AfterOneCommit(cluster, out);
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, Rows("two", 3));
  RequireOk(producer->Abort());
  BOOST_CHECK(LastCommitted(*producer) == Some(1));
}

BOOST_AUTO_TEST_CASE(last_committed_checkpoint_after_n_commits) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  for (int n = 0; n <= 3; ++n) {
    const std::string sink = cluster.Name("sink" + std::to_string(n));
    std::optional<CheckpointId> expected;
    {
      auto producer = cluster.Open(sink, {out});
      for (int id = 1; id <= n; ++id) {
        RequireOk(producer->Begin());
        ProduceRows(*producer, out, Rows(sink + " " + std::to_string(id), 2));
        // Ids need not be consecutive: the last commit's id is the answer.
        const CheckpointId checkpoint = Cp(100 * id + n);
        RequireOk(producer->Commit(checkpoint));
        expected = checkpoint;
      }
      BOOST_CHECK(LastCommitted(*producer) == expected);
    }
    // A restarted producer of the same sink reads the same marker.
    auto restarted = cluster.Open(sink, {out});
    BOOST_CHECK(LastCommitted(*restarted) == expected);
  }
}

// Markers of other sinks in the same marker topic are not this sink's,
// however many of them follow this sink's last.
BOOST_AUTO_TEST_CASE(sinks_sharing_a_marker_topic_keep_their_own) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  const std::string markers = cluster.Name("shared-markers");
  std::vector<std::unique_ptr<KafkaTxnProducer>> producers;
  for (const char* sink : {"a", "b"}) {
    TxnProducerOptions options;
    options.sink_name = cluster.Name(sink);
    options.marker_topic = markers;
    auto producer = KafkaTxnProducer::Open(
        {{"bootstrap.servers", cluster.bootstrap}}, options);
    BOOST_REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
    producers.push_back(std::move(*producer));
  }
  for (uint64_t id : {7, 8}) {
    RequireOk(producers[0]->Begin());
    ProduceRows(*producers[0], out, Rows("a", 1));
    RequireOk(producers[0]->Commit(Cp(id)));
  }
  // More of b's markers after a's than the reader looks at first (the
  // last 64 offsets): a's is found by reading the whole partition.
  for (uint64_t id = 1; id <= 70; ++id) {
    RequireOk(producers[1]->Begin());
    ProduceRows(*producers[1], out, Rows("b", 1));
    RequireOk(producers[1]->Commit(Cp(id)));
  }
  BOOST_CHECK(LastCommitted(*producers[0]) == Some(8));
  BOOST_CHECK(LastCommitted(*producers[1]) == Some(70));
}

// A sink that dies with a transaction open (rows delivered, not
// committed) and restarts: the restart ends that transaction (a real
// cluster aborts it; the embedded broker leaves its rows visible), the
// last committed checkpoint is the one before, and new transactions
// commit.
BOOST_AUTO_TEST_CASE(restart_after_an_open_transaction) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  const std::string sink = cluster.Name("sink");
  const auto first = Rows("checkpoint 1", 4);
  const auto lost = Rows("never committed", 3);
  const auto second = Rows("checkpoint 2", 2);
  {
    auto crashed = cluster.Open(sink, {out});
    RequireOk(crashed->Begin());
    ProduceRows(*crashed, out, first);
    RequireOk(crashed->Commit(Cp(1)));
    RequireOk(crashed->Begin());
    ProduceRows(*crashed, out, lost);
    RequireOk(crashed->producer().Flush(seconds(10)));
  }  // destroyed with the transaction open, as by a crash
  auto restarted = cluster.Open(sink, {out});
  BOOST_CHECK(LastCommitted(*restarted) == Some(1));
  RequireOk(restarted->Begin());
  ProduceRows(*restarted, out, second);
  RequireOk(restarted->Commit(Cp(2)));
  BOOST_CHECK(LastCommitted(*restarted) == Some(2));
  const auto expected =
      cluster.real() ? Concat({first, second}) : Concat({first, lost, second});
  auto reader = cluster.Reader(out);
  const auto got = Values(*reader, expected.size());
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(),
                                expected.end());
}

// A second producer of the same sink while the first still runs: on a
// real cluster the first is fenced and says so; the embedded broker does
// not fence (mock_cluster_spike), so there the fenced answer is injected.
BOOST_AUTO_TEST_CASE(fenced_producer_names_the_other_writer) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  const std::string sink = cluster.Name("sink");
  auto first = cluster.Open(sink, {out});
  RequireOk(first->Begin());
  ProduceRows(*first, out, Rows("first", 2));
  auto second = cluster.Open(sink, {out});
  if (!cluster.real())
    cluster.broker->FailNextRequests(kEndTxnApi, {kProducerFenced});
  const absl::Status fenced = first->Commit(Cp(1));
  BOOST_CHECK_EQUAL(fenced.code(), absl::StatusCode::kFailedPrecondition);
  BOOST_CHECK_MESSAGE(
      fenced.message().find("another weir process writes sink '" + sink +
                            "'") != std::string::npos,
      fenced.ToString());
  // and stays so.
  BOOST_CHECK_EQUAL(first->Abort().code(),
                    absl::StatusCode::kFailedPrecondition);
  const absl::Status produce = first->Produce(out, 0, std::nullopt, "late");
  BOOST_CHECK_EQUAL(produce.code(), absl::StatusCode::kFailedPrecondition);
  // The new one is unaffected.
  RequireOk(second->Begin());
  ProduceRows(*second, out, Rows("second", 1));
  RequireOk(second->Commit(Cp(2)));
  BOOST_CHECK(LastCommitted(*second) == Some(2));
}

// The marker's promise: a checkpoint's marker is visible exactly when its
// rows are. A transaction whose end fails after its records were sent
// (fenced at EndTxn): a real cluster aborts it and hides marker and rows;
// the embedded broker shows both, so the sink's LastCommittedCheckpoint
// agrees with the rows a reader sees on either.
BOOST_AUTO_TEST_CASE(marker_visible_exactly_when_the_rows_are) {
  Cluster cluster;
  const std::string out = cluster.Topic("out");
  auto producer = AfterOneCommit(cluster, out);
  const auto first = Rows("one", 1);
  const auto second = Rows("two", 3);
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, second);
  auto other = cluster.Open(cluster.Name("sink"), {out});
  if (!cluster.real())
    cluster.broker->FailNextRequests(kEndTxnApi, {kProducerFenced});
  BOOST_CHECK_EQUAL(producer->Commit(Cp(2)).code(),
                    absl::StatusCode::kFailedPrecondition);
  const std::optional<CheckpointId> last = LastCommitted(*other);
  BOOST_CHECK(last == (cluster.real() ? Some(1) : Some(2)));
  const auto expected = last == Some(2) ? Concat({first, second}) : first;
  auto reader = cluster.Reader(out);
  const auto got = Values(*reader, expected.size());
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(),
                                expected.end());
}

// A record the broker refuses for good makes the transaction abortable:
// Commit aborts it and says Aborted, and the sink resends the
// checkpoint's rows in a new transaction. (librdkafka finds the gap the
// refused record left in its sequence numbers only on the next
// transaction, which it then aborts too, with an epoch bump: so a sink
// retries an aborted checkpoint more than once.)
BOOST_AUTO_TEST_CASE(delivery_failure_aborts_and_a_retry_commits) {
  Cluster cluster;
  if (cluster.real()) return;  // needs the embedded broker's injection
  const std::string out = cluster.Topic("out");
  auto producer = AfterOneCommit(cluster, out);
  cluster.broker->FailNextRequests(kProduceApi, {kInvalidRecord});
  absl::Status committed = absl::UnknownError("not tried");
  int attempts = 0;
  while (!committed.ok() && attempts < 3) {
    ++attempts;
    RequireOk(producer->Begin());
    ProduceRows(*producer, out, Rows("two", 1));
    committed = producer->Commit(Cp(2));
    if (!committed.ok()) {
      BOOST_CHECK_EQUAL(committed.code(), absl::StatusCode::kAborted);
      BOOST_CHECK(!producer->in_transaction());
      BOOST_CHECK(LastCommitted(*producer) == Some(1));
    }
  }
  RequireOk(committed);
  BOOST_CHECK_GT(attempts, 1);
  BOOST_CHECK(LastCommitted(*producer) == Some(2));
}

// An error librdkafka finds fatal (here: the broker's sequence numbers
// disagree with the producer's) is Internal, and the producer is done.
BOOST_AUTO_TEST_CASE(fatal_error_is_internal) {
  Cluster cluster;
  if (cluster.real()) return;  // needs the embedded broker's injection
  const std::string out = cluster.Topic("out");
  auto producer = AfterOneCommit(cluster, out);
  RequireOk(producer->Begin());
  cluster.broker->FailNextRequests(kProduceApi, {kOutOfOrderSequence});
  ProduceRows(*producer, out, Rows("two", 1));
  const absl::Status fatal = producer->Commit(Cp(2));
  BOOST_CHECK_EQUAL(fatal.code(), absl::StatusCode::kInternal);
  BOOST_CHECK_MESSAGE(
      fatal.message().find("OUT_OF_ORDER_SEQUENCE_NUMBER") != std::string::npos,
      fatal.ToString());
  BOOST_CHECK(LastCommitted(*producer) == Some(1));
}

// A commit that runs out of time while records are still on their way
// (the broker is down) leaves the transaction open; once the broker is
// back, Commit again commits it.
BOOST_AUTO_TEST_CASE(commit_out_of_time_stays_open_and_commits_later) {
  Cluster cluster;
  if (cluster.real()) return;  // needs the embedded broker's SetBrokerDown
  const std::string out = cluster.Topic("out");
  auto producer = AfterOneCommit(cluster, out);
  RequireOk(producer->Begin());
  RequireOk(cluster.broker->SetBrokerDown(-1, true));
  ProduceRows(*producer, out, Rows("two", 2));
  const absl::Status late = producer->Commit(Cp(2), milliseconds(300));
  BOOST_CHECK_EQUAL(late.code(), absl::StatusCode::kDeadlineExceeded);
  BOOST_CHECK(producer->in_transaction());
  RequireOk(cluster.broker->SetBrokerDown(-1, false));
  RequireOk(producer->Commit(Cp(2)));
  BOOST_CHECK(LastCommitted(*producer) == Some(2));
  const auto expected = Concat({Rows("one", 1), Rows("two", 2)});
  auto reader = cluster.Reader(out);
  const auto got = Values(*reader, expected.size());
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(),
                                expected.end());
}

// Retriable errors of the commit are retried within the timeout.
BOOST_AUTO_TEST_CASE(retriable_commit_errors_are_retried) {
  Cluster cluster;
  if (cluster.real()) return;  // needs the embedded broker's injection
  const std::string out = cluster.Topic("out");
  auto producer = cluster.Open(cluster.Name("sink"), {out});
  RequireOk(producer->Begin());
  ProduceRows(*producer, out, Rows("one", 2));
  cluster.broker->FailNextRequests(
      kEndTxnApi, {kCoordinatorLoadInProgress, kCoordinatorLoadInProgress});
  RequireOk(producer->Commit(Cp(1)));
  BOOST_CHECK(LastCommitted(*producer) == Some(1));
}

BOOST_AUTO_TEST_SUITE_END()

// Against `weir broker` in a process of its own, as the crash tests run
// it: the marker topic is created through the broker's topic-creation
// topic, and a producer of the same sink in a new client reads the last
// marker back.
BOOST_AUTO_TEST_SUITE(weir_broker_process)

BOOST_AUTO_TEST_CASE(markers_survive_a_producer_restart) {
  WeirBroker broker;
  RequireOk(MakeAdmin(broker.address())->CreateTopic("out", 2));
  TxnProducerOptions options;
  options.sink_name = "orders";
  options.output_topics = {"out"};
  const KafkaConfig config{{"bootstrap.servers", broker.address()}};
  size_t rows = 0;
  {
    auto producer = KafkaTxnProducer::Open(config, options);
    BOOST_REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
    for (uint64_t id = 1; id <= 2; ++id) {
      RequireOk((*producer)->Begin());
      for (int32_t partition : {0, 1}) {
        RequireOk((*producer)->Produce("out", partition, std::nullopt,
                                       "row " + std::to_string(rows++)));
      }
      RequireOk((*producer)->Commit(Cp(id)));
    }
  }
  auto restarted = KafkaTxnProducer::Open(config, options);
  BOOST_REQUIRE_MESSAGE(restarted.ok(), restarted.status().ToString());
  BOOST_CHECK(LastCommitted(**restarted) == Some(2));
  BOOST_CHECK_EQUAL(ReadTopic(broker.address(), "out", 2, rows).size(), rows);
}

BOOST_AUTO_TEST_SUITE_END()

// Weir's Kafka sources read with isolation.level = read_committed unless
// a setting says otherwise.
BOOST_AUTO_TEST_SUITE(read_committed_sources)

BOOST_AUTO_TEST_CASE(read_committed_is_the_default_a_setting_wins) {
  auto by_default = kafka::EffectiveClientConfig(
      kafka::ClientKind::kConsumer, {{"bootstrap.servers", "h:1"}});
  RequireOk(by_default.status());
  BOOST_CHECK_EQUAL(by_default->at("isolation.level"), "read_committed");
  auto set = kafka::EffectiveClientConfig(
      kafka::ClientKind::kConsumer,
      {{"bootstrap.servers", "h:1"}, {"isolation.level", "read_uncommitted"}});
  RequireOk(set.status());
  BOOST_CHECK_EQUAL(set->at("isolation.level"), "read_uncommitted");
  // A Weir default of the consumers only.
  BOOST_CHECK_EQUAL(kafka::WeirDefaults(kafka::ClientKind::kProducer)
                        .count("isolation.level"),
                    0u);
}

// A Kafka stream over a topic written in transactions, one aborted: by
// default the source reads the committed rows only (on a real cluster;
// the embedded broker shows the aborted ones too), with read_uncommitted
// all of them.
BOOST_AUTO_TEST_CASE(kafka_source_reads_committed_rows) {
  Cluster cluster;
  const std::string topic = cluster.Topic("rows");
  auto producer = cluster.Open(cluster.Name("sink"), {topic});
  auto json = [](int id) { return "{\"id\":" + std::to_string(id) + "}"; };
  std::vector<std::string> committed;
  RequireOk(producer->Begin());
  for (int id : {1, 2, 3}) {
    RequireOk(producer->Produce(topic, 0, std::nullopt, json(id)));
    committed.push_back(std::to_string(id));
  }
  RequireOk(producer->Commit(Cp(1)));
  RequireOk(producer->Begin());
  for (int id : {100, 101}) {
    RequireOk(producer->Produce(topic, 0, std::nullopt, json(id)));
  }
  RequireOk(producer->producer().Flush(seconds(10)));
  RequireOk(producer->Abort());
  RequireOk(producer->Begin());
  RequireOk(producer->Produce(topic, 0, std::nullopt, json(4)));
  committed.push_back("4");
  RequireOk(producer->Commit(Cp(2)));

  const std::vector<std::string> everything = {"1",   "2",   "3",
                                               "100", "101", "4"};
  auto ids = [&](const Entry& entry, size_t n) {
    auto source = OpenSource(entry, cluster.bootstrap);
    std::vector<std::string> out;
    for (const auto& row : ReadRows(*source, entry, n)) out.push_back(row[0]);
    return out;
  };
  const Entry by_default = MakeEntry(topic, {{"id", LogicalType::Bigint()}});
  const auto expected = cluster.real() ? committed : everything;
  const auto got = ids(by_default, expected.size());
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(),
                                expected.end());
  const Entry uncommitted =
      MakeEntry(topic, {{"id", LogicalType::Bigint()}},
                {{"properties.isolation.level", "read_uncommitted"}});
  const auto all = ids(uncommitted, everything.size());
  BOOST_CHECK_EQUAL_COLLECTIONS(all.begin(), all.end(), everything.begin(),
                                everything.end());
}

BOOST_AUTO_TEST_SUITE_END()
