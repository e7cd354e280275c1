#pragma once

// Internal to connectors/kafka: the writer of a stream's late rows to its
// dead-letter topic (`'late-rows' = 'dlq'`, engine/exec/late_rows.h).
//
// A late row becomes one record of the DLQ topic (DlqTopicOf), written as
// a malformed record is (kafka_source.h), with the same headers:
//   value        the row as a JSON object of its columns (the json format's
//                encoder, docs/formats.md), the columns the query's window
//                reads from the stream;
//   weir.error   why it is late ("late row: event time ... is 3s behind
//                watermark ... less allowed lateness 0s");
//   weir.source  where it came from: "topic 'bids' partition 0 offset 17".
// No key; the record timestamp is the time it was written.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/exec/late_rows.h"

namespace weir::connectors::kafka::internal {

/// A LateRowSink writing to `dlq_topic` with a producer of `config` (the
/// source's client configuration); rows came from `topic`. Write produces
/// the batch's rows and flushes (up to 30 s), returning the first delivery
/// error.
absl::StatusOr<std::shared_ptr<exec::LateRowSink>> OpenLateRowSink(
    const KafkaConfig& config, std::string topic, std::string dlq_topic);

}  // namespace weir::connectors::kafka::internal
