#pragma once

// Running a query: the physical planner turns a logical plan into tasks
// (one per source split), each a chain of operators on its own thread, and
// the query hands their results to the client through a bounded queue.
//
// What runs today: stateless plans (Scan -> Filter / Project -> Limit) over
// sources a SourceProvider can open. Windows, aggregates, joins and top-N
// need state (RocksDB) and are refused with Unimplemented until then.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/bounded_queue.h"
#include "engine/exec/operator.h"
#include "engine/exec/source.h"
#include "engine/sql/logical_plan.h"
#include "engine/types/batch.h"

namespace weir::exec {

struct QueryOptions {
  /// Tasks (source splits) to run; 0 means one per core.
  int parallelism = 0;
  /// Rows a source reads into one batch at most.
  size_t batch_rows = 1024;
  /// Result batches waiting for the client before tasks block.
  size_t output_queue_batches = 8;
};

/// A started query. Thread-safe for one client thread calling Next/Cancel
/// while the tasks run on their own threads. Destroying it cancels the query
/// and joins the tasks.
class RunningQuery {
 public:
  /// Plans `plan` (rooted at an OutputNode) against `catalog` and starts its
  /// tasks. Unimplemented, naming the operator, for plans with stateful
  /// operators; errors from opening sources as they are.
  static absl::StatusOr<std::unique_ptr<RunningQuery>> Start(const sql::PlanPtr& plan,
                                                             const catalog::Catalog& catalog,
                                                             const SourceProvider& sources,
                                                             QueryOptions options);
  ~RunningQuery();
  RunningQuery(const RunningQuery&) = delete;
  RunningQuery& operator=(const RunningQuery&) = delete;

  /// Waits up to `timeout` for results. Returns a batch of result rows
  /// (without selection), nullopt when nothing arrived in time, or the
  /// query's error. After the end (all sources done or the LIMIT reached)
  /// it returns nullopt and finished() is true.
  absl::StatusOr<std::optional<types::Batch>> Next(std::chrono::milliseconds timeout);
  bool finished() const { return finished_; }
  /// Stops the tasks; Next then reports the end.
  void Cancel();

  /// The output schema.
  const std::shared_ptr<const types::Schema>& schema() const { return schema_; }
  /// The physical plan, for EXPLAIN: tasks and the operator chain.
  const std::string& physical_plan() const { return physical_; }

 private:
  RunningQuery() = default;
  void RunTask(size_t task);
  void Fail(const absl::Status& status);

  struct Task;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::vector<std::thread> threads_;
  std::shared_ptr<const types::Schema> schema_;
  std::string physical_;
  size_t batch_rows_ = 1024;
  std::unique_ptr<BoundedQueue<types::Batch>> output_;
  std::atomic<bool> cancelled_{false};
  std::atomic<int> running_{0};
  bool finished_ = false;
  std::mutex error_mu_;
  absl::Status error_;
};

/// The physical plan of `plan` as EXPLAIN shows it (without starting it):
/// the task layout and each task's operator chain, or why it cannot run yet.
/// `parallelism` 0 means one task per core, said as such (so the text does
/// not depend on the machine).
std::string ExplainPhysical(const sql::PlanPtr& plan, int parallelism);

}  // namespace weir::exec
