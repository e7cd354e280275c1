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
//  - topics are created on first use (a producer's metadata request) with
//    kAutoCreatePartitions partitions; CreateTopic makes others. The Kafka
//    CreateTopics admin request is not implemented.

#include <memory>
#include <string>

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

  /// Starts `num_brokers` (1..16) brokers with ids 1..num_brokers, each
  /// listening on 127.0.0.1 on a port the OS picks. Non-blocking beyond
  /// binding the sockets. Internal when librdkafka cannot create the
  /// cluster (e.g. no free port); InvalidArgument for a bad count.
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
  /// AlreadyExists when it exists, InvalidArgument for a bad count or name.
  absl::Status CreateTopic(const std::string& name, int partitions);

  /// Takes broker `broker_id` (1..num_brokers, or -1 for all) down: its
  /// connections close and new ones are refused, on the same port, until it
  /// is set up again. Leadership does not move. Thread-safe.
  /// InvalidArgument for an unknown id.
  absl::Status SetBrokerDown(int broker_id, bool down);

 private:
  struct Impl;
  explicit EmbeddedBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_servers_;
  int num_brokers_ = 0;
};

}  // namespace weir::connectors::kafka
