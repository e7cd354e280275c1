#include "connectors/kafka/embedded_broker.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/status.h"

namespace weir::connectors::kafka {
namespace {

struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

}  // namespace

struct EmbeddedBroker::Impl {
  // The cluster lives on `rk` and must go before it: declared after it.
  internal::HandlePtr rk;
  std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter> cluster;
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
  auto broker =
      std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker(std::move(impl)));
  broker->bootstrap_servers_ =
      rd_kafka_mock_cluster_bootstraps(broker->impl_->cluster.get());
  broker->num_brokers_ = num_brokers;
  return broker;
}

absl::Status EmbeddedBroker::CreateTopic(const std::string& name,
                                         int partitions) {
  if (partitions < 1 || name.empty()) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("embedded Kafka broker: cannot create topic '{}' with {} "
                    "partitions",
                    name, partitions));
  }
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster.get(), name.c_str(), partitions,
                                 std::min(3, num_brokers_));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return internal::ErrorStatus(
        err, fmt::format("embedded broker: create topic '{}'", name));
  }
  return absl::OkStatus();
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

}  // namespace weir::connectors::kafka
