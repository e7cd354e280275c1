#pragma once

#include <string>

#include "engine/sql/binder.h"
#include "engine/sql/logical_plan.h"

namespace weir::sql {

/// The logical plan as an indented tree, one operator per line followed by
/// indented detail lines: output schema, key, append-only or changelog,
/// watermark, and the state the operator keeps. Example:
///   -> Filter (price > 1000)
///        out: (auction BIGINT, price BIGINT) append-only
///      -> Scan bids [stream, kafka topic=bids format=json]
///           out: (auction BIGINT, price BIGINT) append-only
std::string ExplainPlan(const PlanPtr& plan);

/// EXPLAIN output for a bound statement (a plan, or a source description
/// for CREATE STREAM/TABLE).
std::string ExplainStatement(const BoundStatement& stmt);

}  // namespace weir::sql
