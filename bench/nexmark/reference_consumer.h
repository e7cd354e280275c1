#pragma once

// The ceiling for a Kafka-fed query: plain librdkafka consumers, one per
// thread, each assigned every `threads`-th partition of a topic from the
// earliest offset, reading with the batch API
// (rd_kafka_consume_batch_queue, 1024 records a call) and touching the
// payload in place (no copies). With `decode`, each record is also parsed
// with simdjson On-Demand (every field read as its JSON type), which
// prices decoding apart from fetching.
//
// bench/ is not a module: this file is the one place outside
// connectors/kafka that includes librdkafka (in its .cc), on purpose, so
// that the reference does not go through Weir's own client wrapper.

#include <cstdint>
#include <string>

namespace weir::bench {

struct ReferenceOptions {
  std::string bootstrap;
  std::string topic;
  int threads = 2;
  bool decode = false;
};

/// What a run measured; times are seconds from the start of
/// RunReferenceConsumers (before any client exists).
struct ReferenceResult {
  double first_record = 0;  // the first record in any thread
  double total = 0;         // the last thread read its last record
  int64_t records = 0;
  int64_t bytes = 0;      // payload bytes
  uint64_t checksum = 0;  // of what was read (or decoded), so none is skipped
};

/// Reads every record stored in `options.topic` when the run starts (each
/// thread asks its partitions' high watermarks first, as part of the run),
/// then returns. Exits the process with a message on any client error or
/// when a decode fails, and when nothing arrives for 60 s.
ReferenceResult RunReferenceConsumers(const ReferenceOptions& options);

}  // namespace weir::bench
