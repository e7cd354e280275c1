#pragma once

// Internal to connectors/kafka: owning wrappers for librdkafka handles and
// the shared configuration, logging and error mapping. Not for use outside
// this directory (it includes librdkafka).

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/kafka/kafka_client.h"

namespace weir::connectors::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* headers) const {
    rd_kafka_headers_destroy(headers);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const {
    rd_kafka_message_destroy(message);
  }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using TopicPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

/// A new configuration with Weir's log callback installed (librdkafka logs
/// at level <= LOG_WARNING go to stderr prefixed "weir: kafka:"; the rest
/// are dropped) and every entry of `config` applied. InvalidArgument with
/// librdkafka's message for an unknown property or a bad value.
absl::StatusOr<ConfPtr> MakeConf(const KafkaConfig& config);

/// Sets one property; InvalidArgument naming it on failure.
absl::Status SetConf(rd_kafka_conf_t* conf, const std::string& name,
                     const std::string& value);

/// rd_kafka_new; takes ownership of `conf` in all cases. InvalidArgument
/// with librdkafka's message when the configuration is rejected.
absl::StatusOr<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf);

/// The absl code for a librdkafka error: transport, timeouts and broker
/// availability map to Unavailable / DeadlineExceeded, unknown topics and
/// partitions to NotFound, bad arguments to InvalidArgument.
absl::StatusCode CodeFor(rd_kafka_resp_err_t err);

/// `context`: librdkafka's description of `err`.
absl::Status ErrorStatus(rd_kafka_resp_err_t err, const std::string& context);

/// The bootstrap.servers of `config`, or "" when absent.
std::string BootstrapOf(const KafkaConfig& config);

}  // namespace weir::connectors::kafka::internal
