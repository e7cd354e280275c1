#pragma once

// GROUP BY, with or without windows: the aggregate operator and its input
// projection.
//
// Shape (physical_plan.h). Below the aggregate, every source task ends in
// the *input projection*: it computes each row's group keys and the
// argument of each aggregate call (columns k0..kg-1, then one per call
// that has an argument) and hands the rows to a hash exchange on the group
// keys, so all rows of one group reach the same aggregate task, the one
// owning the group's key group (key_hash.h).
//
// State. Each aggregate task keeps, per group, one state-store entry
// (storage/state_store.h):
//
//   key   = operator id | key group | encoded group keys (key_codec.h)
//   value = row count (int64) | per call: length (uint32) | accumulator
//
// where an accumulator is the registered aggregate's serialized state
// (engine/expr/aggregates.h). The row count is the number of rows added
// minus the number retracted; the group is deleted when it reaches zero.
//
// Per input batch the operator finds the batch's groups, fetches their
// entries with one StateStore::Prefetch inside a BatchScope, reads each
// group's old result, adds the inserted rows (+I, +U) and retracts the
// deleted ones (-D, -U) with one kernel call per aggregate, and emits per
// group that changed at most one change: +I for a new group, -U old / +U
// new when its result changed, -D (the old row) when its count reached
// zero. Its output is a changelog keyed by the group keys. Output beyond
// the per-step budget is kept and emitted by ContinueOutput (operator.h).
//
// A retraction of a row that was never added (a delete before its insert)
// fails the query with an error naming the group.
//
// Windowed (TUMBLE, HOP, CUMULATE: window_start and window_end among the
// group keys, assigned by the window operator of window.h). The key puts
// the window first, so the windows that close are the front of each key
// group:
//
//   key   = operator id | key group | window_end | window_start |
//           the other group keys
//
// The operator remembers in memory which (window_end, key group) pairs it
// holds state for (a few per open window, never per group). On a
// watermark W every window with window_end + allowed lateness <= W is
// closed: with EMIT ON WINDOW CLOSE its groups are read with one range scan
// per (window_end, key group) in key order and emitted as final +I rows,
// then the range is deleted; in the default mode the ranges are deleted
// (their last changes went out as they happened). Emitting closed windows
// keeps to the output budget: a scan stops at the budget and resumes at
// the next key from ContinueOutput, and the watermark goes on after the
// last row. Rows that reach a closed window are dropped and counted as
// late (the window operator drops them first, see window.h). The
// watermark forwarded is W - allowed lateness: rows this operator may
// still emit for a window are never behind it.

#include <cstddef>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/exec/late_rows.h"
#include "engine/exec/operator.h"
#include "engine/exec/values_source.h"
#include "engine/expr/aggregates.h"
#include "engine/expr/vector_eval.h"
#include "engine/sql/logical_plan.h"
#include "engine/types/schema.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

namespace weir::exec {

/// The columns the input projection of `node` emits: the group keys, then
/// the argument of each call that has one. Unimplemented for a call with
/// more than one argument.
absl::StatusOr<std::shared_ptr<const types::Schema>> AggregateInputSchema(
    const sql::AggregateNode& node);

// ---- Shared with the windowed aggregates (session_window.h) --------------

/// Adds a field per aggregate call of `node` that has an argument
/// ("arg<i>", the argument's type). Unimplemented for a call with more
/// than one argument.
absl::Status AddArgumentFields(const sql::AggregateNode& node,
                               types::Schema* schema);

/// Compiles each call of `node`: its kernel, and its argument (appended to
/// `exprs`; the arguments are numbered as columns from `first_column`,
/// -1 for a call without one).
absl::Status CompileAggregateCalls(
    const sql::AggregateNode& node, int first_column,
    std::vector<std::shared_ptr<const expr::CompiledExpr>>* exprs,
    std::vector<std::unique_ptr<expr::AggregateKernel>>* kernels,
    std::vector<int>* arg_columns);

/// 8 bytes of `v` (native order: state stays on one machine).
void PutU64(std::string* out, uint64_t v);
/// Reads 8 bytes written by PutU64; false when `in` is too short.
bool GetU64(std::string_view* in, uint64_t* v);

/// Appends each kernel's serialized state: length (PutU64), then bytes.
void AppendAccumulators(
    const std::vector<std::unique_ptr<expr::AggregateKernel>>& kernels,
    const std::vector<std::unique_ptr<expr::AggregateState>>& states,
    std::string* out);
/// Reads what AppendAccumulators wrote from the front of `in` into
/// `states`, one per kernel: the states it already holds are reused
/// (they must be these kernels'), the missing ones added; false when the
/// lengths do not fit, an error from a kernel's Deserialize.
absl::StatusOr<bool> ReadAccumulators(
    const std::vector<std::unique_ptr<expr::AggregateKernel>>& kernels,
    std::string_view* in,
    std::vector<std::unique_ptr<expr::AggregateState>>* states);

/// An aggregate node compiled once and shared (read-only) by its tasks.
struct CompiledAggregate {
  /// The input projection: group keys, then the calls' arguments.
  std::vector<std::shared_ptr<const expr::CompiledExpr>> input_exprs;
  std::shared_ptr<const types::Schema> input_schema;
  /// The rows the aggregate emits (the node's schema).
  std::shared_ptr<const types::Schema> output_schema;
  size_t num_groups = 0;
  /// Per call: its kernel and its argument's column in the input
  /// projection (-1 for COUNT(*)).
  std::vector<std::unique_ptr<expr::AggregateKernel>> kernels;
  std::vector<int> arg_columns;
  /// Set for a windowed aggregate (see the file comment).
  struct Window {
    int start_group = -1;  // group index of window_start
    int end_group = -1;    // group index of window_end
    bool on_close = false;
    int64_t lateness_micros = 0;
    /// The watermark is on the window's time column: windows close as it
    /// passes them; otherwise only at the end of input.
    bool closes = false;
  };
  std::optional<Window> window;
};

absl::StatusOr<std::shared_ptr<const CompiledAggregate>> CompileAggregate(
    const sql::AggregateNode& node);

/// The state directory of one running query and its StateBackend, shared
/// by the query's stateful operators (each holds a reference, so the
/// backend outlives their stores whatever order tasks are dropped in).
/// A fresh directory is removed when the last reference goes; a kept one
/// (a persistent query's, resumed from its checkpoints) stays.
class QueryStateDir {
 public:
  /// Opens a fresh directory: a new subdirectory of `parent`, or, when
  /// `parent` is empty, a private temporary directory.
  static absl::StatusOr<std::shared_ptr<QueryStateDir>> Open(
      const std::filesystem::path& parent);
  /// Opens (creating) the kept directory `dir`, with its last checkpoint.
  static absl::StatusOr<std::shared_ptr<QueryStateDir>> OpenKept(
      const std::filesystem::path& dir);
  ~QueryStateDir();
  QueryStateDir(const QueryStateDir&) = delete;
  QueryStateDir& operator=(const QueryStateDir&) = delete;

  storage::StateBackend& backend() { return *backend_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  QueryStateDir() = default;
  std::filesystem::path dir_;
  bool kept_ = false;
  std::unique_ptr<storage::StateBackend> backend_;
};

/// The store of one aggregate task and what its keys are made of.
struct AggregateStore {
  std::shared_ptr<QueryStateDir> dir;  // keeps the backend alive
  std::unique_ptr<storage::StateStore> store;
  storage::OperatorId op = 0;
  int max_parallelism = storage::kDefaultMaxParallelism;
  /// The query's counter of late rows (windowed aggregates; may be null).
  LateRowCounter late_rows = nullptr;
  /// This task among the stage's tasks (which key groups it owns,
  /// key_hash.h): a global aggregate's row over no input comes from the
  /// owner of the empty key.
  int task = 0;
  int tasks = 1;
};

/// The operator that runs the input projection of an aggregate.
std::unique_ptr<Operator> MakeAggregateInputOperator(
    std::shared_ptr<const CompiledAggregate> compiled, RowErrorFn row_error);

/// The aggregate itself, behind the exchange; owns `store`.
std::unique_ptr<Operator> MakeAggregateOperator(
    std::shared_ptr<const CompiledAggregate> compiled, AggregateStore store);

}  // namespace weir::exec
