// KafkaAdmin and the topic-name rules (see kafka_client.h).
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/status.h"

namespace weir::connectors::kafka {

using internal::AdminOptionsPtr;
using internal::CallError;
using internal::ErrorStatus;
using internal::ErrorTracker;
using internal::EventPtr;
using internal::FetchMetadata;
using internal::HandlePtr;
using internal::MetadataPtr;
using internal::NewTopicPtr;
using internal::QueryWatermarks;
using internal::QueuePtr;
using internal::ToMillis;
using internal::TopicPartitionCount;

namespace {

// `name` for a message: printable ASCII as is, other bytes as \xNN, cut
// after 60 characters.
std::string Printable(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size() && i < 60; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  if (name.size() > 60) out += "...";
  return out;
}

}  // namespace

absl::Status ValidateTopicName(std::string_view name) {
  constexpr size_t kMaxLength = 249;
  if (name.empty()) {
    return absl::InvalidArgumentError("kafka: a topic name cannot be empty");
  }
  if (name == "." || name == "..") {
    return absl::InvalidArgumentError(fmt::format(
        "kafka: '{}' is not a valid topic name ('.' and '..' are reserved)",
        name));
  }
  if (name.size() > kMaxLength) {
    return absl::InvalidArgumentError(
        fmt::format("kafka: topic name '{}' is {} characters long; at most "
                    "{} are allowed",
                    Printable(name), name.size(), kMaxLength));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (std::isalnum(c) && c < 0x80) continue;
    if (c == '.' || c == '_' || c == '-') continue;
    // Show the character so that a space or a control byte is visible.
    const std::string shown = c >= 0x21 && c < 0x7f
                                  ? fmt::format("'{}'", static_cast<char>(c))
                              : c == ' ' ? std::string("a space")
                                         : fmt::format("byte 0x{:02X}", c);
    return absl::InvalidArgumentError(fmt::format(
        "kafka: invalid topic name '{}': {} at position {}; a topic name may "
        "only hold ASCII letters, digits, '.', '_' and '-'",
        Printable(name), shown, i + 1));
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------- admin

struct KafkaAdmin::Impl {
  std::string bootstrap;
  KafkaConfig config;  // for the producer of embedded topic requests
  ErrorTracker tracker;
  HandlePtr rk;  // last: destroyed first

  absl::StatusOr<MetadataPtr> Metadata(const std::string& context,
                                       std::chrono::milliseconds timeout) {
    rd_kafka_t* handle = rk.get();
    return FetchMetadata(
        handle, tracker, bootstrap, [handle] { rd_kafka_poll(handle, 0); },
        context, timeout);
  }

  /// CreateTopic on Weir's embedded broker: a request record on its
  /// topic-creation topic, then waiting for the metadata to show it.
  absl::Status CreateOnEmbedded(const std::string& name, int partitions,
                                std::chrono::milliseconds timeout);
};

KafkaAdmin::KafkaAdmin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaAdmin::~KafkaAdmin() = default;

absl::StatusOr<std::unique_ptr<KafkaAdmin>> KafkaAdmin::Create(
    const KafkaConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->bootstrap = internal::BootstrapOf(config);
  impl->config = config;
  // Metadata requests never create the topics they ask about
  // (allow.auto.create.topics false: WeirDefaults).
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                        internal::ClientConf(ClientKind::kAdmin, config));
  impl->tracker.Install(conf.get());
  WEIR_ASSIGN_OR_RETURN(
      impl->rk, internal::NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  return std::unique_ptr<KafkaAdmin>(new KafkaAdmin(std::move(impl)));
}

namespace {

// Where `metadata` lists `topic`, or nullptr.
const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t& metadata,
                                           std::string_view topic) {
  for (int i = 0; i < metadata.topic_cnt; ++i) {
    if (topic == metadata.topics[i].topic) return &metadata.topics[i];
  }
  return nullptr;
}

}  // namespace

absl::Status KafkaAdmin::Impl::CreateOnEmbedded(
    const std::string& name, int partitions,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<KafkaProducer> producer,
                        KafkaProducer::Create(config));
  WEIR_RETURN_IF_ERROR(producer->Produce(EmbeddedBroker::kCreateTopicsTopic, 0,
                                         name, std::to_string(partitions)));
  WEIR_RETURN_IF_ERROR(producer->Flush(timeout));
  const std::string context = fmt::format("create topic '{}'", name);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    WEIR_ASSIGN_OR_RETURN(
        MetadataPtr metadata,
        Metadata(context, std::max(left, std::chrono::milliseconds(1))));
    const rd_kafka_metadata_topic_t* topic = FindTopic(*metadata, name);
    if (topic != nullptr && topic->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (topic->partition_cnt == partitions) return absl::OkStatus();
      // Created meanwhile by someone else.
      return absl::Status(
          absl::StatusCode::kAlreadyExists,
          fmt::format("kafka: topic '{}' already exists at '{}' with {} "
                      "partitions",
                      name, bootstrap, topic->partition_cnt));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::Status(
          absl::StatusCode::kDeadlineExceeded,
          fmt::format("kafka: {}: the embedded broker at '{}' did not create "
                      "it within {} ms (see its log)",
                      context, bootstrap, timeout.count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::Status KafkaAdmin::CreateTopic(const std::string& name, int partitions,
                                     int replication_factor,
                                     std::chrono::milliseconds timeout) {
  WEIR_RETURN_IF_ERROR(ValidateTopicName(name));
  if (partitions < 1) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("kafka: cannot create topic '{}' with {} partitions", name,
                    partitions));
  }
  const std::string creating = fmt::format("create topic '{}'", name);
  WEIR_ASSIGN_OR_RETURN(MetadataPtr metadata,
                        impl_->Metadata(creating, timeout));
  if (const rd_kafka_metadata_topic_t* topic = FindTopic(*metadata, name);
      topic != nullptr && topic->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::Status(absl::StatusCode::kAlreadyExists,
                        fmt::format("kafka: topic '{}' already exists at '{}'",
                                    name, impl_->bootstrap));
  }
  if (FindTopic(*metadata, EmbeddedBroker::kCreateTopicsTopic) != nullptr)
    return impl_->CreateOnEmbedded(name, partitions, timeout);
  // librdkafka's mock cluster names no controller, so a CreateTopics
  // request would wait for one until the timeout.
  char* cluster_id = rd_kafka_clusterid(impl_->rk.get(), 0);
  const bool mock = cluster_id != nullptr &&
                    std::string_view(cluster_id).rfind("mockCluster", 0) == 0;
  rd_kafka_mem_free(impl_->rk.get(), cluster_id);
  if (mock) {
    return absl::Status(
        absl::StatusCode::kFailedPrecondition,
        fmt::format("kafka: cannot {}: '{}' is a librdkafka mock cluster, "
                    "which cannot create topics on request (Weir's embedded "
                    "broker can)",
                    creating, impl_->bootstrap));
  }
  char errstr[512];
  NewTopicPtr topic(rd_kafka_NewTopic_new(
      name.c_str(), partitions, replication_factor, errstr, sizeof errstr));
  if (topic == nullptr) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("kafka: cannot create topic '{}': {}", name, errstr));
  }
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(
      impl_->rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ToMillis(timeout),
                                            errstr, sizeof errstr);
  QueuePtr queue(rd_kafka_queue_new(impl_->rk.get()));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(impl_->rk.get(), topics, 1, options.get(), queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), ToMillis(timeout) + 1000));
  const std::string context = fmt::format("create topic '{}'", name);
  if (event == nullptr) {
    return CallError(impl_->rk.get(), impl_->tracker,
                     RD_KAFKA_RESP_ERR__TIMED_OUT, impl_->bootstrap, context);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return CallError(impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
                       context);
    }
    return absl::Status(
        internal::CodeFor(err),
        fmt::format("kafka: {} at '{}': {}", context, impl_->bootstrap,
                    rd_kafka_event_error_string(event.get())));
  }
  const rd_kafka_CreateTopics_result_t* result =
      rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* detail = rd_kafka_topic_result_error_string(results[i]);
      return absl::Status(
          internal::CodeFor(err),
          fmt::format("kafka: {} at '{}': {}", context, impl_->bootstrap,
                      detail != nullptr ? detail : rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> KafkaAdmin::PartitionCount(
    const std::string& topic, std::chrono::milliseconds timeout) {
  rd_kafka_t* rk = impl_->rk.get();
  return TopicPartitionCount(rk, impl_->tracker, impl_->bootstrap, topic,
                             timeout, [rk] { rd_kafka_poll(rk, 0); });
}

absl::StatusOr<Watermarks> KafkaAdmin::WatermarkOffsets(
    const std::string& topic, int32_t partition,
    std::chrono::milliseconds timeout) {
  return QueryWatermarks(impl_->rk.get(), impl_->tracker, impl_->bootstrap,
                         topic, partition, timeout);
}

}  // namespace weir::connectors::kafka
