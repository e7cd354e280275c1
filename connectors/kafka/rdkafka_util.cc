#include "connectors/kafka/rdkafka_util.h"

#include <fmt/format.h>
#include <syslog.h>

#include "engine/base/log.h"

namespace weir::connectors::kafka::internal {
namespace {

// librdkafka calls this from its own threads; Log is thread-safe.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility,
                 const char* message) {
  if (level > LOG_WARNING) return;
  Log(level <= LOG_ERR ? LogLevel::kError : LogLevel::kWarning,
      fmt::format("kafka: {}: {}", facility, message));
}

}  // namespace

absl::Status SetConf(rd_kafka_conf_t* conf, const std::string& name,
                     const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr,
                        sizeof errstr) != RD_KAFKA_CONF_OK) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("kafka: bad property '{}': {}", name, errstr));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConfPtr> MakeConf(const KafkaConfig& config) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  for (const auto& [name, value] : config) {
    absl::Status status = SetConf(conf.get(), name, value);
    if (!status.ok()) return status;
  }
  return conf;
}

absl::StatusOr<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf) {
  char errstr[512];
  // rd_kafka_new takes the configuration only on success.
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    return absl::Status(absl::StatusCode::kInvalidArgument,
                        fmt::format("kafka: cannot create client: {}", errstr));
  }
  conf.release();
  return HandlePtr(rk);
}

absl::StatusCode CodeFor(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return absl::StatusCode::kOk;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
      return absl::StatusCode::kUnavailable;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return absl::StatusCode::kDeadlineExceeded;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return absl::StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return absl::StatusCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return absl::StatusCode::kOutOfRange;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      return absl::StatusCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return absl::StatusCode::kPermissionDenied;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
      return absl::StatusCode::kUnimplemented;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status ErrorStatus(rd_kafka_resp_err_t err, const std::string& context) {
  return absl::Status(CodeFor(err), fmt::format("kafka: {}: {}", context,
                                                rd_kafka_err2str(err)));
}

std::string BootstrapOf(const KafkaConfig& config) {
  auto it = config.find("bootstrap.servers");
  if (it == config.end()) it = config.find("metadata.broker.list");
  return it == config.end() ? std::string() : it->second;
}

}  // namespace weir::connectors::kafka::internal
