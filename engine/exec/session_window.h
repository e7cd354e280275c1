#pragma once

// SESSION windows: an aggregate over `SESSION(src, ts, gap)` grouped by
// window_start, window_end and other keys. Unlike TUMBLE and HOP, a row's
// window cannot be assigned from the row alone (a later row may extend or
// merge its session), so SESSION has its own keyed operator.
//
// Semantics. Per group key, a row at time t opens the window [t, t + gap);
// windows that overlap (half-open intervals: [a, b) and [c, d) overlap when
// a < d and c < b) are one session, so a session is [first row time,
// last row time + gap), and two rows of one key are in one session when
// their times differ by less than the gap (a row exactly `gap` after the
// last starts a new session). A row that overlaps several sessions (it
// arrived out of order between them) merges them into one. Rows may come
// in any order as long as they are not late: a row is late when its time
// is below the watermark minus ALLOWED LATENESS; late rows are dropped and
// counted (LateRowCounter), and with `'late-rows' = 'dlq'` written to the
// dead-letter topic (late_rows.h: the source positions travel in hidden
// columns of the input projection). Rows with a NULL time belong to no session
// and are dropped (not counted as late). A session can change no more once the
// watermark reaches its end plus the lateness (no row that is not late can
// overlap it); it is then closed: its state is deleted and, with EMIT ON
// WINDOW CLOSE, its one final row is emitted (+I).
//
// Shape (physical_plan.h). The stages below end in the *session input
// projection*: the group keys other than window_start/window_end (columns
// k0..kg-1), then the event time (column g), then the argument of each
// aggregate call that has one; a hash exchange on k0..kg-1 brings each key
// to the task owning its key group, where the session operator runs.
//
// Output. The aggregate's rows (group columns in GROUP BY order, window_
// start and window_end among them, then one column per call), keyed by the
// group columns. Default (updates): per batch and key, the operator
// compares the key's sessions before and after the batch: a session that
// kept its bounds but changed its result is -U old / +U new; a session
// that is gone (grew: its bounds changed, or merged into another) is -D
// of its last row; a new session (or the grown or merged one) is +I. All
// retractions of a key come before its inserts. EMIT ON WINDOW CLOSE: an
// append-only +I per session when it closes.
//
// State (docs/state.md). One entry per group key holds all its open
// sessions (few per key: those within the watermark delay and lateness),
// so a batch costs one cached read-modify-write per key, as in aggregate.h:
//
//   key   = operator id | key group | 0x01 | encoded group keys
//   value = session count (uint64) | per session, by start:
//           start (int64) | end (int64) | per call: length | accumulator
//
// and one timer per open session, ordered by end time:
//
//   key   = operator id | key group | 0x02 | time(end) | encoded group keys
//   value = empty
//
// Merging sessions merges their accumulators (AggregateKernel::Merge; every
// registered aggregate has one, so no rows are kept). At a watermark the
// operator scans, per key group that has due timers (an in-memory lower
// bound of each key group's earliest timer skips the others), the timers
// up to watermark - lateness, closes their sessions and deletes the
// timers; at most output_budget() timers per step, the rest in later
// ContinueOutput calls, then it forwards the watermark.
//
// Input must be append-only (a retraction could split a session); the
// planner refuses SESSION over a changelog.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/exec/aggregate.h"
#include "engine/exec/operator.h"
#include "engine/exec/values_source.h"
#include "engine/sql/logical_plan.h"
#include "engine/types/schema.h"

namespace weir::exec {

/// True when `node` aggregates over a SESSION window (grouping by its
/// window_start and window_end).
bool IsSessionAggregate(const sql::AggregateNode& node);

/// The operator as EXPLAIN's physical plan names it: "Session window (gap
/// 30s, emit on window close, allowed lateness 5s)".
std::string SessionWindowTitle(const sql::AggregateNode& node);

/// The SESSION window under `node` (its input, after the optimizer), or
/// Unimplemented saying why this shape does not run (a filter on
/// window_start between them, window columns used other than as group
/// keys, a changelog input).
absl::StatusOr<const sql::WindowNode*> SessionWindowOf(
    const sql::AggregateNode& node);

/// The columns the session input projection of `node` emits: the group
/// keys (without window_start/window_end), the event time, then each
/// call's argument.
absl::StatusOr<std::shared_ptr<const types::Schema>> SessionInputSchema(
    const sql::AggregateNode& node);

/// A session aggregate compiled once and shared (read-only) by its tasks.
struct CompiledSession {
  /// The input projection (over the window's input rows) and its schema.
  std::vector<std::shared_ptr<const expr::CompiledExpr>> input_exprs;
  std::shared_ptr<const types::Schema> input_schema;
  std::shared_ptr<const types::Schema> output_schema;
  /// Group keys in the input projection: columns 0 .. num_keys-1; the
  /// event time is column num_keys.
  size_t num_keys = 0;
  /// Per output group column: the input key column, or -1 / -2 for
  /// window_start / window_end.
  std::vector<int> group_sources;
  int64_t gap_micros = 0;
  int64_t allowed_lateness_micros = 0;
  bool emit_on_close = false;
  int time_precision = 6;
  /// Per call: its kernel and its argument's input column (-1: none).
  std::vector<std::unique_ptr<expr::AggregateKernel>> kernels;
  std::vector<int> arg_columns;
  /// Late rows to a dead-letter topic (late_rows.h): the input projection
  /// also carries the window's input row, in columns row_column ..
  /// position_column - 1 (named as in row_schema), then the row's source
  /// partition and offset (hidden BIGINT columns position_column and
  /// position_column + 1). -1: not carried (no cost).
  int row_column = -1;
  int position_column = -1;
  std::shared_ptr<const types::Schema> row_schema;
};

/// `carry_late_rows`: the stream says `'late-rows' = 'dlq'`, so the input
/// projection carries what a late row's dead-letter copy needs.
absl::StatusOr<std::shared_ptr<const CompiledSession>> CompileSession(
    const sql::AggregateNode& node, bool carry_late_rows = false);

/// The operators that run the session input projection: one, or with
/// carried late rows two (the second adds the source positions of the
/// current batch's rows, `positions`).
void MakeSessionInputOperators(std::shared_ptr<const CompiledSession> compiled,
                               RowErrorFn row_error,
                               const RowPositions* positions,
                               std::vector<std::unique_ptr<Operator>>* out);

/// The session window operator, behind the exchange; owns `store`.
/// `late` counts the late rows it drops and, when the input carries them,
/// writes them to its sink, each input batch's with one Write.
std::unique_ptr<Operator> MakeSessionWindowOperator(
    std::shared_ptr<const CompiledSession> compiled, AggregateStore store,
    LateRowOutput late);

}  // namespace weir::exec
