#pragma once

// The optimized logical plan of a query over a test catalog, as the
// session would hand it to the runtime; shared by exec_test.cc and
// aggregate_test.cc, which start queries on the runtime directly.

#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "engine/catalog/catalog.h"
#include "engine/sql/binder.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"

namespace weir::test {

/// Parses, binds and optimizes `text` (a query) against `catalog`;
/// fails the test if any step fails.
inline sql::PlanPtr BindPlan(const catalog::Catalog& catalog,
                             const std::string& text) {
  auto stmt = sql::ParseStatement(text);
  BOOST_REQUIRE_MESSAGE(stmt.ok(), stmt.status().message());
  auto bound = sql::Binder(catalog).Bind(**stmt, text);
  BOOST_REQUIRE_MESSAGE(bound.ok(), bound.status().message());
  return sql::Optimize(std::get<sql::BoundQuery>(bound->kind).plan);
}

}  // namespace weir::test
