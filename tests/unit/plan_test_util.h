#pragma once

// The optimized logical plan of a query over a test catalog, as the
// session would hand it to the runtime; shared by exec_test.cc,
// aggregate_test.cc and session_window_test.cc, which start queries on the
// runtime directly. Also a script run through a whole session, and the
// nexmark bids those tests fold by hand.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "connectors/generators/nexmark.h"
#include "connectors/registry.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/source.h"
#include "engine/session/session.h"
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

/// Runs `script` in a fresh session over the built-in connectors (no
/// outside systems) and returns the rows of its last statement that
/// returned a table; fails the test on an error.
inline std::vector<std::vector<std::string>> ScriptRows(
    const std::string& script) {
  auto s = Session::Create({.connect_to_sources = false,
                            .connectors = connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  std::vector<std::vector<std::string>> rows;
  absl::Status st = (*s)->ExecuteScript(script, [&](const StatementResult& r) {
    if (!r.columns.empty()) rows = r.rows;
  });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return rows;
}

/// Calls `bid(batch, row)` for each bid among the first `options.max_events`
/// nexmark events, read from one unsplit generator (rows of the standard
/// bid columns, NexmarkStandardFields).
inline void ForEachNexmarkBid(
    const connectors::generators::NexmarkOptions& options,
    const std::function<void(const types::Batch&, size_t)>& bid) {
  namespace gen = connectors::generators;
  auto schema = std::make_shared<types::Schema>(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  auto g =
      gen::NexmarkGenerator::Create(gen::NexmarkTable::kBid, options, schema);
  BOOST_REQUIRE(g.ok());
  while (true) {
    types::Batch batch(schema);
    if ((*g)->Next(&batch, 1000) == 0) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) bid(batch, r);
  }
}

/// A source over shared rows: split i of n emits, in order, the rows whose
/// key has k % n == i (as Kafka partitions own keys, so each key's rows
/// stay in order), at most `per_call` per Next. `Row` has an int64_t `k`
/// and `void AppendTo(types::Batch*) const`.
template <typename Row>
class KeySplitSource : public exec::Source {
 public:
  KeySplitSource(std::shared_ptr<const std::vector<Row>> rows, int split,
                 int splits, size_t per_call)
      : rows_(std::move(rows)),
        split_(split),
        splits_(splits),
        per_call_(per_call) {
    Skip();
  }
  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    size_t n = 0;
    while (pos_ < rows_->size() && n < std::min(max_rows, per_call_)) {
      (*rows_)[pos_].AppendTo(out);
      ++n;
      ++pos_;
      Skip();
    }
    return n;
  }
  bool finished() const override { return pos_ >= rows_->size(); }

 private:
  void Skip() {
    while (pos_ < rows_->size() && (*rows_)[pos_].k % splits_ != split_) ++pos_;
  }
  std::shared_ptr<const std::vector<Row>> rows_;
  size_t pos_ = 0;
  int split_, splits_;
  size_t per_call_;
};

/// Sources over `rows`, split as KeySplitSource splits them.
template <typename Row>
exec::SourceProvider KeySplitProvider(std::vector<Row> rows, size_t per_call) {
  auto shared = std::make_shared<const std::vector<Row>>(std::move(rows));
  return [shared, per_call](
             const catalog::Entry&, std::shared_ptr<const types::Schema>,
             int split,
             int splits) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
    return std::unique_ptr<exec::Source>(
        new KeySplitSource<Row>(shared, split, splits, per_call));
  };
}

}  // namespace weir::test
