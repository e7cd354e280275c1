#pragma once

#include <string>

#include "engine/catalog/connector_registry.h"
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
/// What a scan's connector adds (its options, the state it keeps) comes
/// from the connector in `connectors`.
std::string ExplainPlan(const PlanPtr& plan,
                        const catalog::ConnectorRegistry& connectors =
                            catalog::ConnectorRegistry::Empty());

/// EXPLAIN output for a bound statement (a plan, or a source description
/// for CREATE STREAM/TABLE).
std::string ExplainStatement(const BoundStatement& stmt,
                             const catalog::ConnectorRegistry& connectors);

}  // namespace weir::sql
