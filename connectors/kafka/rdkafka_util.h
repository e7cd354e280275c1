#pragma once

// Internal to connectors/kafka: owning wrappers for librdkafka handles and
// the shared configuration, logging and error mapping. Not for use outside
// this directory (it includes librdkafka).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const {
    rd_kafka_metadata_destroy(m);
  }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const {
    rd_kafka_NewTopic_destroy(t);
  }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const {
    rd_kafka_AdminOptions_destroy(o);
  }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using TopicPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using AdminOptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

/// A new configuration with Weir's log callback installed (librdkafka logs
/// at level <= LOG_WARNING go to stderr prefixed "weir: kafka:"; the rest
/// are dropped) and every entry of `config` applied. InvalidArgument with
/// librdkafka's message for an unknown property or a bad value.
absl::StatusOr<ConfPtr> MakeConf(const KafkaConfig& config);

/// The configuration of a client of `kind` made from `config`: Weir's
/// defaults for the kind beneath it, the properties of other kinds of
/// client left out (see ClientKind), then MakeConf. Every client's
/// configuration is built here (and EffectiveClientConfig's).
absl::StatusOr<ConfPtr> ClientConf(ClientKind kind, const KafkaConfig& config);

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

/// `timeout` in whole milliseconds for librdkafka, at least 0.
int ToMillis(std::chrono::milliseconds timeout);

/// Client-wide error events (librdkafka's error_cb): remembers that every
/// broker was found down, and the first fatal error. error_cb runs on
/// whichever thread serves the handle's main queue, hence the lock.
class ErrorTracker {
 public:
  static void OnError(rd_kafka_t* rk, int err, const char* reason,
                      void* opaque) {
    static_cast<ErrorTracker*>(opaque)->Record(rk, err, reason);
  }

  /// Installs OnError on `conf` with this tracker as the opaque.
  void Install(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_error_cb(conf, &OnError);
  }

  /// The "all brokers down" report since the last call, if any, as
  /// Unavailable naming `bootstrap`, with the reason of the last other
  /// error event (e.g. "SSL handshake failed: ..."); clears it.
  std::optional<absl::Status> TakeBrokersDown(const std::string& bootstrap);

  /// The first fatal error, else OK.
  absl::Status Fatal() const;

 private:
  void Record(rd_kafka_t* rk, int err, const char* reason);

  mutable std::mutex mu_;
  bool brokers_down_ = false;
  std::string brokers_down_reason_;
  std::string last_failure_;  // the last other error event's reason
  absl::Status fatal_;
};

/// After a call that failed with `err`, the most useful status: when the
/// brokers were reported down, Unavailable naming them; else `err`. Serves
/// a producer's pending error events first; a consumer's are served by its
/// own polls (rd_kafka_poll could take its records).
absl::Status CallError(rd_kafka_t* rk, ErrorTracker& tracker,
                       rd_kafka_resp_err_t err, const std::string& bootstrap,
                       const std::string& context);

/// Low and high watermarks of a partition, asked of its leader.
absl::StatusOr<Watermarks> QueryWatermarks(rd_kafka_t* rk,
                                           ErrorTracker& tracker,
                                           const std::string& bootstrap,
                                           const std::string& topic,
                                           int32_t partition,
                                           std::chrono::milliseconds timeout);

/// The cluster's metadata for all topics, or for `only` when given
/// (asking creates no topic: Weir's clients do not allow it). Waits in
/// slices, serving error events in between with `serve_events`, so that an
/// unreachable cluster (every broker reported down, e.g. a wrong
/// bootstrap.servers) is Unavailable naming it within about a second
/// rather than after `timeout`.
absl::StatusOr<MetadataPtr> FetchMetadata(
    rd_kafka_t* rk, ErrorTracker& tracker, const std::string& bootstrap,
    const std::function<void()>& serve_events, const std::string& context,
    std::chrono::milliseconds timeout, rd_kafka_topic_t* only = nullptr);

/// The partition count of `topic` from FetchMetadata; NotFound when it
/// does not exist.
absl::StatusOr<int> TopicPartitionCount(
    rd_kafka_t* rk, ErrorTracker& tracker, const std::string& bootstrap,
    const std::string& topic, std::chrono::milliseconds timeout,
    const std::function<void()>& serve_events,
    rd_kafka_topic_t* only = nullptr);

/// What KafkaTxnProducer needs of a KafkaProducer beyond its public
/// interface (defined in kafka_client.cc).
struct ProducerAccess {
  /// The producer's librdkafka handle; owned by the producer.
  static rd_kafka_t* Handle(KafkaProducer& producer);
  /// Forgets the delivery errors seen so far (not a fatal error), so that
  /// a new transaction after an aborted one starts clean.
  static void ClearDeliveryErrors(KafkaProducer& producer);
};

}  // namespace weir::connectors::kafka::internal
