#include "connectors/kafka/embedded_broker.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <thread>

#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/log.h"
#include "engine/base/status.h"

namespace weir::connectors::kafka {
namespace {

struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

// The partition count of a creation request: decimal digits, 1..100000.
std::optional<int> ParsePartitions(std::string_view text) {
  int value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > 100000) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

struct EmbeddedBroker::Impl {
  // Destroyed in reverse: the server thread and its consumer first, then
  // the cluster, which lives on `rk`.
  internal::HandlePtr rk;
  std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter> cluster;
  int num_brokers = 0;
  std::unique_ptr<KafkaConsumer> requests;  // of kCreateTopicsTopic
  std::atomic<bool> stop{false};
  std::thread server;

  ~Impl() {
    stop = true;
    if (server.joinable()) server.join();
  }

  absl::Status CreateTopic(const std::string& name, int partitions) {
    WEIR_RETURN_IF_ERROR(ValidateTopicName(name));
    if (partitions < 1) {
      return absl::Status(
          absl::StatusCode::kInvalidArgument,
          fmt::format("embedded Kafka broker: cannot create topic '{}' with "
                      "{} partitions",
                      name, partitions));
    }
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
        cluster.get(), name.c_str(), partitions, std::min(3, num_brokers));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return internal::ErrorStatus(
          err, fmt::format("embedded broker: create topic '{}'", name));
    }
    return absl::OkStatus();
  }

  // Serves kCreateTopicsTopic until `stop`: one topic per record.
  void Serve() {
    KafkaRecordBatch batch;
    while (!stop.load()) {
      absl::Status polled =
          requests->PollBatch(100, std::chrono::milliseconds(200), &batch);
      if (!polled.ok()) {
        // Down (SetBrokerDown) or in trouble: wait and poll again.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      for (const KafkaRecord& request : batch) {
        const std::string name(request.key.value_or(""));
        const std::optional<int> partitions =
            ParsePartitions(request.value.value_or(""));
        absl::Status created =
            partitions ? CreateTopic(name, *partitions)
                       : absl::InvalidArgumentError(fmt::format(
                             "the partition count '{}' is not a number from "
                             "1 to 100000",
                             request.value.value_or("")));
        if (created.ok()) {
          Log(LogLevel::kInfo,
              fmt::format("embedded broker: created topic '{}' with {} "
                          "partitions on request",
                          name, *partitions));
        } else {
          Log(LogLevel::kWarning,
              fmt::format("embedded broker: request at offset {} of '{}' to "
                          "create topic '{}': {}",
                          request.offset, kCreateTopicsTopic, name,
                          std::string(created.message())));
        }
      }
    }
  }
};

EmbeddedBroker::EmbeddedBroker(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

EmbeddedBroker::~EmbeddedBroker() = default;

absl::StatusOr<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(
    int num_brokers) {
  if (num_brokers < 1 || num_brokers > 16) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("embedded Kafka broker: number of brokers must be 1..16, "
                    "not {}",
                    num_brokers));
  }
  auto impl = std::make_unique<Impl>();
  impl->num_brokers = num_brokers;
  // The handle only hosts the cluster: it never connects anywhere.
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                        internal::MakeConf({{"client.id", "weir-embedded"}}));
  WEIR_ASSIGN_OR_RETURN(
      impl->rk, internal::NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  impl->cluster.reset(rd_kafka_mock_cluster_new(impl->rk.get(), num_brokers));
  if (impl->cluster == nullptr) {
    return absl::Status(absl::StatusCode::kInternal,
                        "embedded Kafka broker: librdkafka could not start "
                        "the mock cluster (see the messages above)");
  }
  const std::string bootstrap =
      rd_kafka_mock_cluster_bootstraps(impl->cluster.get());
  WEIR_RETURN_IF_ERROR(impl->CreateTopic(kCreateTopicsTopic, 1));
  WEIR_ASSIGN_OR_RETURN(
      impl->requests,
      KafkaConsumer::Create({{"bootstrap.servers", bootstrap},
                             {"client.id", "weir-embedded-create-topics"},
                             // The mock cluster holds an empty fetch for
                             // this long: the latency of a request.
                             {"fetch.wait.max.ms", "100"}}));
  WEIR_RETURN_IF_ERROR(
      impl->requests->Assign(kCreateTopicsTopic, {0}, StartOffset::Earliest()));
  impl->server = std::thread([raw = impl.get()] { raw->Serve(); });
  auto broker =
      std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker(std::move(impl)));
  broker->bootstrap_servers_ = bootstrap;
  broker->num_brokers_ = num_brokers;
  return broker;
}

absl::Status EmbeddedBroker::CreateTopic(const std::string& name,
                                         int partitions) {
  return impl_->CreateTopic(name, partitions);
}

absl::Status EmbeddedBroker::SetBrokerDown(int broker_id, bool down) {
  if (broker_id != -1 && (broker_id < 1 || broker_id > num_brokers_)) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("embedded Kafka broker: no broker {} (ids are 1..{})",
                    broker_id, num_brokers_));
  }
  rd_kafka_resp_err_t err =
      down ? rd_kafka_mock_broker_set_down(impl_->cluster.get(), broker_id)
           : rd_kafka_mock_broker_set_up(impl_->cluster.get(), broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return internal::ErrorStatus(
        err, fmt::format("embedded broker: set broker {} {}", broker_id,
                         down ? "down" : "up"));
  }
  return absl::OkStatus();
}

void EmbeddedBroker::FailNextRequests(int16_t api_key,
                                      const std::vector<int>& kafka_errors) {
  std::vector<rd_kafka_resp_err_t> errors;
  for (int error : kafka_errors)
    errors.push_back(static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(impl_->cluster.get(), api_key,
                                          errors.size(), errors.data());
}

}  // namespace weir::connectors::kafka
