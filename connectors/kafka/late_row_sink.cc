#include "connectors/kafka/late_row_sink.h"

#include <chrono>
#include <utility>
#include <vector>

#include "connectors/formats/format.h"
#include "engine/base/status.h"
#include "engine/types/batch.h"
#include "fmt/format.h"

namespace weir::connectors::kafka::internal {
namespace {

class KafkaLateRowSink : public exec::LateRowSink {
 public:
  KafkaLateRowSink(std::unique_ptr<KafkaProducer> producer, std::string topic,
                   std::string dlq_topic)
      : producer_(std::move(producer)),
        topic_(std::move(topic)),
        dlq_topic_(std::move(dlq_topic)) {}

  absl::Status Write(const types::Schema& schema,
                     const std::vector<exec::LateRow>& rows) override {
    if (rows.empty()) return absl::OkStatus();
    // Late rows are few: an encoder per call keeps the sink free of
    // per-schema state and locks (the producer is thread-safe).
    auto shared = std::make_shared<const types::Schema>(schema);
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<formats::Encoder> encoder,
                          formats::MakeEncoder("json", shared, {}));
    types::Batch batch(shared);
    for (const exec::LateRow& row : rows) batch.AppendRow(row.values);
    std::string payload;
    for (size_t i = 0; i < rows.size(); ++i) {
      WEIR_RETURN_IF_ERROR(encoder->Encode(batch, i, &payload).status());
      const exec::RowPosition& at = rows[i].position;
      std::vector<KafkaHeader> headers{
          {"weir.error", rows[i].reason},
          {"weir.source", fmt::format("topic '{}' partition {} offset {}",
                                      topic_, at.partition, at.offset)}};
      WEIR_RETURN_IF_ERROR(
          producer_->Produce(dlq_topic_, -1, std::nullopt, payload, headers));
    }
    // A late row counts as handled only once its copy is stored.
    absl::Status flushed = producer_->Flush(std::chrono::seconds(30));
    if (!flushed.ok()) {
      return absl::Status(
          flushed.code(),
          fmt::format("cannot write late rows of topic '{}' to its dead-letter "
                      "topic '{}': {}",
                      topic_, dlq_topic_, std::string(flushed.message())));
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<KafkaProducer> producer_;
  const std::string topic_;
  const std::string dlq_topic_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<exec::LateRowSink>> OpenLateRowSink(
    const KafkaConfig& config, std::string topic, std::string dlq_topic) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<KafkaProducer> producer,
                        KafkaProducer::Create(config));
  return std::shared_ptr<exec::LateRowSink>(std::make_shared<KafkaLateRowSink>(
      std::move(producer), std::move(topic), std::move(dlq_topic)));
}

}  // namespace weir::connectors::kafka::internal
