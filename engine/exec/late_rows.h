#pragma once

// Late rows: what the windowed operators do with a row that comes behind
// the watermark beyond ALLOWED LATENESS (docs/time-and-windows.md).
//
// They always count it in the query's late-row counter (SHOW QUERIES).
// When the stream it came from says `'late-rows' = 'dlq'`, they also hand
// it to a LateRowSink, which the source's connector provides
// (Source::OpenLateRowSink) and which writes it to the stream's dead-letter
// topic; engine/exec itself knows no Kafka. A row is then handled only once
// its copy is stored: an operator writes the late rows of one input batch
// with one Write, which returns once the sink has stored them all.
//
// The source position of a row (partition, offset) is known in the source
// task only (Source::RowPartitions, RowOffsets): the task fills a
// RowPositions per batch, which the window operator reads by row index (the
// filters and projections between them keep row indexes), and which the
// SESSION input projection copies into two hidden BIGINT columns so that
// the session operator behind the exchange still has it. Queries over
// streams without the option carry nothing.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/exec/operator.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"

namespace weir::exec {

/// Where an operator counts the late rows it drops: a counter owned by the
/// query (shared by its tasks; relaxed increments), or nullptr.
using LateRowCounter = std::atomic<int64_t>*;

/// Where a row came from in its source: Kafka partition and offset (-1
/// when the source does not say).
struct RowPosition {
  int32_t partition = 0;
  int64_t offset = -1;
};

/// The position of each row of the batch a source task is feeding its
/// chain, by row index; empty when the source gives none. Filled by the
/// task before each batch, read by the operators of the same task.
using RowPositions = std::vector<RowPosition>;

/// One late row on its way to the dead-letter topic.
struct LateRow {
  std::vector<types::Value> values;  // the row, one value per column
  RowPosition position;
  /// Why it is late, for people: "event time ... is behind the
  /// watermark ... less the allowed lateness ... by 5s".
  std::string reason;
};

/// Writes late rows to where the source keeps dead letters. Shared by the
/// tasks of a query: thread-safe.
class LateRowSink {
 public:
  virtual ~LateRowSink() = default;
  /// Writes `rows` (columns named by `schema`) and returns once all of
  /// them are stored; an error (the topic is unreachable) fails the query,
  /// so no late row is lost silently.
  virtual absl::Status Write(const types::Schema& schema,
                             const std::vector<LateRow>& rows) = 0;
};

/// What a late-dropping operator is given: the counter, and for a stream
/// with `'late-rows' = 'dlq'` the sink (else null) and, in the source
/// task, the positions of the current batch's rows (else null).
struct LateRowOutput {
  LateRowCounter counter = nullptr;
  std::shared_ptr<LateRowSink> sink;
  const RowPositions* positions = nullptr;

  /// Counting only, in `counter` (may be null).
  static LateRowOutput CountOnly(LateRowCounter counter) {
    LateRowOutput out;
    out.counter = counter;
    return out;
  }
};

/// The reason text of a LateRow: `what` (e.g. "event time 12:00:01" or
/// "window [12:00:00, 12:00:10)") against watermark `watermark` less the
/// allowed lateness `lateness`, late by `late_by` micros.
std::string LateReason(const std::string& what, int64_t watermark,
                       int64_t lateness, int64_t late_by);

/// The operator that appends the source partition and offset of each row
/// (from `positions`, the task's current batch; -1 where unknown) as two
/// BIGINT columns: its output is `schema`, the input's columns and those
/// two. Keeps the input's selection and change kinds.
std::unique_ptr<Operator> MakeRowPositionsOperator(
    std::shared_ptr<const types::Schema> schema, const RowPositions* positions);

/// Timestamp `micros` as "2026-01-01 12:00:01.5" for reasons.
std::string LateTime(int64_t micros);

}  // namespace weir::exec
