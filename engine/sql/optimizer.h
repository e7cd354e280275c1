#pragma once

#include "engine/sql/binder.h"
#include "engine/sql/logical_plan.h"

namespace weir::sql {

/// Rewrites a logical plan into an equivalent cheaper one:
///  - constant folding of deterministic constant subexpressions;
///  - predicate pushdown: filters merge, move below projections, and split
///    into the sides of inner joins (and the preserved side of outer joins);
///  - equality conjuncts of a cross join become its join keys;
///  - filters that are always TRUE disappear.
/// Never changes results; errors in folding (e.g. 1/0) leave the expression
/// as it is so the runtime reports them per row.
PlanPtr Optimize(const PlanPtr& plan);

/// Optimizes every plan `statement` holds: its own (queries, INSERT,
/// CREATE MATERIALIZED VIEW, CREATE SINK) or the explained statement's.
void Optimize(BoundStatement* statement);

}  // namespace weir::sql
