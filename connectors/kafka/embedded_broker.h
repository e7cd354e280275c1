#pragma once

// The embedded Kafka broker: librdkafka's mock cluster, a Kafka-protocol
// server that runs inside this process on loopback. Weir starts it when no
// bootstrap.servers is configured, `weir broker` runs one for other
// processes, and the tests use it.
//
// Limits (librdkafka 2.0.2), stated to users as they are:
//  - in memory only: everything is lost when it stops;
//  - each partition keeps only its last 5 MiB or 100,000 message sets
//    (producer batches), whichever is smaller; older ones are dropped and
//    the low watermark moves up;
//  - listens on 127.0.0.1 on ports the OS chooses (the mock cluster has no
//    way to pick the port);
//  - the Kafka CreateTopics request is not implemented (the mock cluster
//    names no controller, so a client waits for one until it times out).
//    Topics are created instead: by CreateTopic here; by a producer's
//    first use (metadata auto-creation) with kAutoCreatePartitions
//    partitions; and by any client that writes a record to
//    kCreateTopicsTopic (key: the topic name, value: the partition count
//    in decimal), which the broker serves on a thread of its own. Weir's
//    KafkaAdmin::CreateTopic does the latter, so `INSERT INTO` a new topic
//    works against `weir broker` from another process.
//  - transactions are accepted but not isolated: read_committed consumers
//    also read aborted and open transactions' records (no control records,
//    LSO = high watermark), TxnOffsetCommit stores nothing, and a second
//    producer with the same transactional.id is not fenced
//    (docs/state-and-recovery.md, "Kafka transactions"; asserted by kafka_transactions_test).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weir::connectors::kafka {

class EmbeddedBroker {
 public:
  /// Partitions of a topic the embedded broker creates on first use
  /// (fixed by librdkafka 2.0.2's mock cluster).
  static constexpr int kAutoCreatePartitions = 4;
  /// Per-partition retention of the mock cluster.
  static constexpr int64_t kRetainedBytesPerPartition = 5 * 1024 * 1024;
  static constexpr int64_t kRetainedMessageSetsPerPartition = 100000;
  /// The topic (one partition) on which the broker takes topic-creation
  /// requests: record key = the new topic's name, value = its partition
  /// count as decimal text. A request for a topic that exists or with a
  /// bad name or count is logged and ignored; the requester sees the
  /// outcome in the metadata.
  static constexpr char kCreateTopicsTopic[] = "__weir_create_topics";

  /// Starts `num_brokers` (1..16) brokers with ids 1..num_brokers, each
  /// listening on 127.0.0.1 on a port the OS picks, and the thread that
  /// serves kCreateTopicsTopic. Blocks only until that thread's consumer
  /// is assigned. Internal when librdkafka cannot create the cluster (e.g.
  /// no free port); InvalidArgument for a bad count.
  static absl::StatusOr<std::unique_ptr<EmbeddedBroker>> Start(
      int num_brokers = 1);

  /// Stops the brokers and frees all data; connected clients see their
  /// connections close.
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  /// "127.0.0.1:PORT[,127.0.0.1:PORT...]", for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  int num_brokers() const { return num_brokers_; }

  /// Creates `name` with `partitions` partitions (replication
  /// min(3, brokers)). Thread-safe; blocks briefly on the broker thread.
  /// AlreadyExists when it exists, InvalidArgument for a bad count or name
  /// (ValidateTopicName).
  absl::Status CreateTopic(const std::string& name, int partitions);

  /// Takes broker `broker_id` (1..num_brokers, or -1 for all) down: its
  /// connections close and new ones are refused, on the same port, until it
  /// is set up again. Leadership does not move. Thread-safe.
  /// InvalidArgument for an unknown id.
  absl::Status SetBrokerDown(int broker_id, bool down);

  /// For tests of error handling: the next requests of Kafka API
  /// `api_key` (the protocol's number, e.g. 0 Produce, 26 EndTxn), to any
  /// broker, fail with `kafka_errors` (the protocol's error codes, e.g. 90
  /// PRODUCER_FENCED), one each, in order. Thread-safe.
  void FailNextRequests(int16_t api_key, const std::vector<int>& kafka_errors);

 private:
  struct Impl;
  explicit EmbeddedBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_servers_;
  int num_brokers_ = 0;
};

}  // namespace weir::connectors::kafka
