#pragma once

// How a pull query reads a materialized view (view_state.h): which rows of
// the view's ordered index it copies out, chosen from the predicate right
// above the view's scan (the optimizer pushes WHERE down to it):
//   lookup       equalities fix every key column: one key;
//   prefix scan  equalities fix the first key columns, and/or comparisons
//                bound the next one: one key range;
//   scan         anything else: every row.
// The filter itself stays in the plan and runs over what is read, so the
// access path only narrows the rows; it never decides the answer. EXPLAIN
// prints the access path (Session's EXPLAIN of a pull query).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/exec/source.h"
#include "engine/exec/view_state.h"
#include "engine/sql/logical_plan.h"

namespace weir::exec {

enum class ViewAccessKind { kLookup, kPrefixScan, kScan };

struct ViewAccess {
  ViewAccessKind kind = ViewAccessKind::kScan;
  /// The keys to read (everything for kScan).
  ViewKeyRange range;
  /// "lookup", "prefix scan" or "scan", then the key conditions used, e.g.
  /// "prefix scan on (customer_id = 7)".
  std::string description;
};

/// The access path of `plan`'s read of view `view` (a ScanNode of it, with
/// or without a FilterNode right above), over rows keyed by `key_columns`
/// of the scan's schema (empty: an append-only view, always a scan).
ViewAccess PlanViewAccess(const sql::PlanNode& plan, const std::string& view,
                          const std::vector<int>& key_columns);

/// A bounded source over `rows` (a pull query's copy of a view's rows):
/// split `index` of `count` hands out the rows i with i % count == index,
/// as inserts, up to the asked number per Next.
std::unique_ptr<Source> OpenViewSnapshotSource(
    std::shared_ptr<const std::vector<ViewRow>> rows, int index, int count);

}  // namespace weir::exec
