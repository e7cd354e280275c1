#include "connectors/kafka/rdkafka_util.h"

#include <fmt/format.h>
#include <syslog.h>

#include <algorithm>
#include <thread>

#include "engine/base/log.h"
#include "engine/base/status.h"

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

std::optional<absl::Status> ErrorTracker::TakeBrokersDown(
    const std::string& bootstrap) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!brokers_down_) return std::nullopt;
  brokers_down_ = false;
  // "1/1 brokers are down" says little; the connection's own failure
  // (refused, TLS handshake, authentication) says why.
  std::string why = brokers_down_reason_;
  if (!last_failure_.empty() && last_failure_ != why)
    why += "; last error: " + last_failure_;
  return absl::Status(absl::StatusCode::kUnavailable,
                      fmt::format("kafka: cannot reach any broker of '{}': {}",
                                  bootstrap, why));
}

absl::Status ErrorTracker::Fatal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

void ErrorTracker::Record(rd_kafka_t* rk, int err, const char* reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, detail, sizeof detail);
    if (fatal_.ok()) {
      fatal_ = absl::Status(absl::StatusCode::kInternal,
                            fmt::format("kafka: fatal client error: {}: {}",
                                        rd_kafka_err2name(orig), detail));
    }
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
             err == RD_KAFKA_RESP_ERR__RESOLVE) {
    brokers_down_ = true;
    brokers_down_reason_ = reason;
  } else {
    // A connection that failed: transport, TLS, authentication.
    last_failure_ = reason;
  }
}

int ToMillis(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::max<int64_t>(0, timeout.count()));
}

absl::Status CallError(rd_kafka_t* rk, ErrorTracker& tracker,
                       rd_kafka_resp_err_t err, const std::string& bootstrap,
                       const std::string& context) {
  if (rd_kafka_type(rk) == RD_KAFKA_PRODUCER) rd_kafka_poll(rk, 0);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
      err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    if (std::optional<absl::Status> down = tracker.TakeBrokersDown(bootstrap)) {
      return absl::Status(
          down->code(),
          fmt::format("{} ({})", std::string(down->message()), context));
    }
  }
  return ErrorStatus(err, fmt::format("{} from '{}'", context, bootstrap));
}

absl::StatusOr<Watermarks> QueryWatermarks(rd_kafka_t* rk,
                                           ErrorTracker& tracker,
                                           const std::string& bootstrap,
                                           const std::string& topic,
                                           int32_t partition,
                                           std::chrono::milliseconds timeout) {
  Watermarks marks;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk, topic.c_str(), partition, &marks.low, &marks.high, ToMillis(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return CallError(
        rk, tracker, err, bootstrap,
        fmt::format("watermarks of topic '{}' partition {}", topic, partition));
  }
  return marks;
}

absl::StatusOr<MetadataPtr> FetchMetadata(
    rd_kafka_t* rk, ErrorTracker& tracker, const std::string& bootstrap,
    const std::function<void()>& serve_events, const std::string& context,
    std::chrono::milliseconds timeout, rd_kafka_topic_t* only) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk, /*all_topics=*/only == nullptr ? 1 : 0, only,
                          &raw, std::clamp(ToMillis(left), 1, 200));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return MetadataPtr(raw);
    serve_events();
    if (std::optional<absl::Status> down = tracker.TakeBrokersDown(bootstrap)) {
      return absl::Status(
          down->code(),
          fmt::format("{} ({})", std::string(down->message()), context));
    }
    // A timed-out slice, or a connection that failed while others may
    // still answer (librdkafka reconnects by itself): ask again.
    if ((err != RD_KAFKA_RESP_ERR__TIMED_OUT &&
         err != RD_KAFKA_RESP_ERR__TRANSPORT) ||
        std::chrono::steady_clock::now() >= deadline) {
      return CallError(rk, tracker, err, bootstrap, context);
    }
  }
}

absl::StatusOr<int> TopicPartitionCount(
    rd_kafka_t* rk, ErrorTracker& tracker, const std::string& bootstrap,
    const std::string& topic, std::chrono::milliseconds timeout,
    const std::function<void()>& serve_events, rd_kafka_topic_t* only) {
  const std::string context = fmt::format("metadata of topic '{}'", topic);
  WEIR_ASSIGN_OR_RETURN(MetadataPtr metadata,
                        FetchMetadata(rk, tracker, bootstrap, serve_events,
                                      context, timeout, only));
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[i];
    if (topic != entry.topic) continue;
    if (entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) break;
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return ErrorStatus(entry.err, context);
    }
    return entry.partition_cnt;
  }
  return absl::Status(absl::StatusCode::kNotFound,
                      fmt::format("kafka: topic '{}' does not exist at '{}'",
                                  topic, bootstrap));
}

}  // namespace weir::connectors::kafka::internal
