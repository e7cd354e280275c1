// Binder, logical plan and optimizer: checks plan structure and properties
// (keys, changelog mode, watermarks, join kinds) directly, independent of
// the EXPLAIN text that the golden files check.
#define BOOST_TEST_MODULE binder_test
#include "engine/sql/binder.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "connectors/kafka/kafka_connector.h"
#include "connectors/mysql/mysql_connectors.h"
#include "connectors/registry.h"
#include "engine/base/sql_error.h"
#include "engine/catalog/catalog.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"

using namespace weir;
using namespace weir::sql;

namespace {

/// A catalog with the bids stream (with a watermark), a second stream with
/// a watermark, and a CDC table, declared through the binder itself.
class Fixture {
 public:
  Fixture() : catalog_(catalog::NewInMemoryCatalog()) {
    Create(
        "CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, "
        "channel VARCHAR, "
        "date_time TIMESTAMP(3), WATERMARK FOR date_time AS date_time - "
        "INTERVAL '4' SECOND) "
        "WITH (connector = 'kafka', topic = 'bids')");
    Create(
        "CREATE STREAM auctions (id BIGINT, seller BIGINT, date_time "
        "TIMESTAMP(3), "
        "WATERMARK FOR date_time AS date_time) WITH (connector = 'kafka', "
        "topic = 'a')");
    Create(
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT, "
        "amount DECIMAL(10, 2), "
        "created_at TIMESTAMP(3)) WITH (connector = 'mysql-cdc', host = 'h', "
        "user = 'u', "
        "database = 'd', table = 'orders')");
  }

  absl::StatusOr<BoundStatement> Bind(const std::string& sql) {
    auto stmt = ParseStatement(sql);
    if (!stmt.ok()) return stmt.status();
    if (!resolver_) {
      return Binder(*catalog_, *connectors::BuiltinConnectors())
          .Bind(**stmt, sql);
    }
    // The real connectors, with MySQL's columns read through `resolver_`.
    catalog::ConnectorRegistry registry;
    BOOST_REQUIRE(
        registry.Register(connectors::kafka::NewKafkaConnector()).ok());
    BOOST_REQUIRE(
        registry.Register(connectors::mysql::NewMySqlCdcConnector(resolver_))
            .ok());
    return Binder(*catalog_, registry, {.connect_to_sources = true})
        .Bind(**stmt, sql);
  }

  void Create(const std::string& sql) {
    auto bound = Bind(sql);
    BOOST_REQUIRE_MESSAGE(bound.ok(), bound.status().message());
    BOOST_REQUIRE(catalog_->Create(EntryOf(*bound), false).ok());
  }

  /// The entry a bound CREATE statement adds.
  static const catalog::Entry& EntryOf(const BoundStatement& bound) {
    const BoundCreate* create = std::visit(
        [](const auto& s) -> const BoundCreate* {
          if constexpr (std::is_base_of_v<BoundCreate,
                                          std::decay_t<decltype(s)>>) {
            return &s;
          }
          return nullptr;
        },
        bound.kind);
    BOOST_REQUIRE(create != nullptr);
    return create->entry;
  }

  /// The optimized plan below the output node.
  PlanPtr Plan(const std::string& sql) {
    auto bound = Bind(sql);
    BOOST_REQUIRE_MESSAGE(bound.ok(), sql << ": " << bound.status().message());
    PlanPtr bound_plan = std::visit(
        [](const auto& s) -> PlanPtr {
          if constexpr (requires { s.plan; }) return s.plan;
          return nullptr;
        },
        bound->kind);
    BOOST_REQUIRE(bound_plan != nullptr);
    PlanPtr plan = Optimize(bound_plan);
    BOOST_REQUIRE(plan->kind == PlanKind::kOutput);
    return plan->inputs[0];
  }

  std::string Error(const std::string& sql) {
    auto bound = Bind(sql);
    return bound.ok() ? "" : std::string(bound.status().message());
  }

  connectors::mysql::TableSchemaReader resolver_;

 private:
  std::unique_ptr<catalog::Catalog> catalog_;
};

template <typename T>
const T& As(const PlanPtr& p, PlanKind kind) {
  BOOST_REQUIRE_MESSAGE(p->kind == kind, "expected " << PlanKindName(kind)
                                                     << ", got "
                                                     << PlanKindName(p->kind));
  return static_cast<const T&>(*p);
}

}  // namespace

BOOST_AUTO_TEST_CASE(interval_join_bounds_come_from_between) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT b.auction, a.seller FROM bids b JOIN auctions a ON b.auction = "
      "a.id AND "
      "b.date_time BETWEEN a.date_time - INTERVAL '1' HOUR AND a.date_time "
      "EMIT CHANGES");
  const auto& project = As<ProjectNode>(p, PlanKind::kProject);
  const auto& join = As<JoinNode>(project.inputs[0], PlanKind::kJoin);
  BOOST_TEST((join.join_kind == JoinKind::kInterval));
  BOOST_TEST(join.lower_micros == -3600LL * 1000000);
  BOOST_TEST(join.upper_micros == 0);
  BOOST_REQUIRE_EQUAL(join.equi_keys.size(), 1u);
  BOOST_TEST(join.equi_keys[0].first == 0);   // bids.auction
  BOOST_TEST(join.equi_keys[0].second == 0);  // auctions.id
  BOOST_TEST(join.append_only);
}

BOOST_AUTO_TEST_CASE(
    regular_join_without_time_bound_is_a_changelog_when_outer) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT * FROM bids b LEFT JOIN auctions a ON b.auction = a.id EMIT "
      "CHANGES");
  const auto& join = As<JoinNode>(p, PlanKind::kJoin);
  BOOST_TEST((join.join_kind == JoinKind::kRegular));
  BOOST_TEST(!join.append_only);
  // The right side of a LEFT join becomes nullable, even its NOT NULL key.
  BOOST_TEST(join.schema.field(5).nullable);
}

BOOST_AUTO_TEST_CASE(comma_join_takes_its_key_from_where) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT b.price FROM bids b, auctions a WHERE b.auction = a.id AND "
      "b.price > 10 "
      "EMIT CHANGES");
  const auto& project = As<ProjectNode>(p, PlanKind::kProject);
  const auto& join = As<JoinNode>(project.inputs[0], PlanKind::kJoin);
  BOOST_REQUIRE_EQUAL(join.equi_keys.size(), 1u);
  // The single-side conjunct went below the join, into the bids side.
  const auto& left = As<FilterNode>(join.inputs[0], PlanKind::kFilter);
  BOOST_TEST(left.predicate->ToString() == "(price > 10)");
}

BOOST_AUTO_TEST_CASE(join_without_equality_is_refused) {
  Fixture f;
  std::string err = f.Error(
      "SELECT * FROM bids b JOIN auctions a ON b.price > a.seller EMIT "
      "CHANGES");
  BOOST_TEST(
      err.find("a streaming join needs an equality") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(top_n_takes_its_limit_from_the_outer_filter) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT auction, price FROM (SELECT auction, price, ROW_NUMBER() OVER "
      "(PARTITION BY "
      "auction ORDER BY price DESC) AS rn FROM bids) WHERE rn <= 3 EMIT "
      "CHANGES");
  // Project(auction, price) over Project(auction, price, rn) over Rank.
  const PlanNode* node = p.get();
  while (node->kind == PlanKind::kProject) node = node->inputs[0].get();
  BOOST_REQUIRE(node->kind == PlanKind::kRank);
  const auto& rank = static_cast<const RankNode&>(*node);
  BOOST_TEST(rank.limit == 3);
  BOOST_TEST(rank.descending.at(0));
  BOOST_TEST(!rank.append_only);
  // `rn < 3` keeps two rows.
  PlanPtr p2 = f.Plan(
      "SELECT * FROM (SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction "
      "ORDER BY price) "
      "AS rn FROM bids) WHERE rn < 3 EMIT CHANGES");
  node = p2.get();
  while (node->kind == PlanKind::kProject) node = node->inputs[0].get();
  BOOST_REQUIRE(node->kind == PlanKind::kRank);
  BOOST_TEST(static_cast<const RankNode&>(*node).limit == 2);
}

BOOST_AUTO_TEST_CASE(
    window_close_output_is_append_only_with_window_end_as_event_time) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT window_start, window_end, auction, COUNT(*) AS n FROM "
      "TUMBLE(bids, date_time, "
      "INTERVAL '10' SECOND) GROUP BY window_start, window_end, auction EMIT "
      "ON WINDOW CLOSE");
  const auto& project = As<ProjectNode>(p, PlanKind::kProject);
  const auto& agg = As<AggregateNode>(project.inputs[0], PlanKind::kAggregate);
  BOOST_TEST((agg.emit == EmitPolicy::kOnWindowClose));
  BOOST_TEST(agg.append_only);
  BOOST_REQUIRE(agg.event_time.has_value());
  BOOST_TEST(agg.schema.field(*agg.event_time).name == "window_end");
  BOOST_TEST(agg.watermark_delay.value_or(-1) == 4000000);
  const auto& window = As<WindowNode>(agg.inputs[0], PlanKind::kWindow);
  BOOST_TEST(window.size_micros == 10000000);
  // Keyed by the GROUP BY columns, carried through the projection.
  BOOST_TEST(project.unique_key == (std::vector<int>{0, 1, 2}));
}

BOOST_AUTO_TEST_CASE(aggregate_over_cdc_table_retracts) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT customer_id, SUM(amount) AS total FROM orders GROUP BY "
      "customer_id EMIT CHANGES");
  const auto& project = As<ProjectNode>(p, PlanKind::kProject);
  const auto& agg = As<AggregateNode>(project.inputs[0], PlanKind::kAggregate);
  BOOST_TEST(agg.retracting);
  BOOST_TEST(!agg.append_only);
  BOOST_TEST(agg.aggregates.at(0).type.ToString() == "DECIMAL(38, 2)");
}

BOOST_AUTO_TEST_CASE(filters_fold_and_move_below_projections) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT x FROM (SELECT price * 2 AS x, channel FROM bids) WHERE x > 10 + "
      "5 EMIT CHANGES");
  // The two projections merge into one that computes x from price.
  const auto& project = As<ProjectNode>(p, PlanKind::kProject);
  BOOST_REQUIRE_EQUAL(project.exprs.size(), 1u);
  BOOST_TEST(project.exprs[0]->ToString() == "(price * 2)");
  const auto& filter = As<FilterNode>(project.inputs[0], PlanKind::kFilter);
  // 10 + 5 folded, x replaced by its definition.
  BOOST_TEST(filter.predicate->ToString() == "((price * 2) > 15)");
  As<ScanNode>(filter.inputs[0], PlanKind::kScan);
}

BOOST_AUTO_TEST_CASE(filters_stay_above_top_n) {
  Fixture f;
  PlanPtr p = f.Plan(
      "SELECT * FROM (SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY "
      "auction ORDER BY "
      "price DESC) AS rn FROM bids) WHERE rn <= 1 AND price > 5 EMIT CHANGES");
  // Filtering before ranking would change which row is first: the filter
  // must stay above the rank node.
  const PlanNode* node = p.get();
  bool filter_seen = false;
  while (node->kind != PlanKind::kRank) {
    filter_seen |= node->kind == PlanKind::kFilter;
    BOOST_REQUIRE(!node->inputs.empty());
    node = node->inputs[0].get();
  }
  BOOST_TEST(filter_seen);
}

BOOST_AUTO_TEST_CASE(keys_survive_projection_only_when_complete) {
  Fixture f;
  PlanPtr with_key = f.Plan("SELECT id, amount FROM orders EMIT CHANGES");
  BOOST_TEST(with_key->unique_key == (std::vector<int>{0}));
  PlanPtr without = f.Plan("SELECT amount FROM orders EMIT CHANGES");
  BOOST_TEST(without->unique_key.empty());
}

BOOST_AUTO_TEST_CASE(schema_resolver_fills_cdc_tables_without_columns) {
  Fixture f;
  f.resolver_ = [](const catalog::Entry& e)
      -> absl::StatusOr<connectors::mysql::TableSchema> {
    if (e.Option("table") == "missing")
      return absl::NotFoundError("no such table");
    connectors::mysql::TableSchema s;
    s.schema.Add({"k", types::LogicalType::Bigint(), false});
    s.schema.Add({"v", types::LogicalType::Varchar(), true});
    s.primary_key = {0};
    return s;
  };
  auto bound = f.Bind(
      "CREATE TABLE t WITH (connector = 'mysql-cdc', host = 'h', user = 'u', "
      "database = 'd', "
      "table = 't')");
  BOOST_REQUIRE_MESSAGE(bound.ok(), bound.status().message());
  const catalog::Entry& entry = Fixture::EntryOf(*bound);
  BOOST_TEST(entry.schema.size() == 2u);
  BOOST_TEST(entry.key == (std::vector<int>{0}));
  BOOST_TEST(!entry.append_only);
  std::string err = f.Error(
      "CREATE TABLE m WITH (connector = 'mysql-cdc', host = 'h', user = 'u', "
      "database = 'd', "
      "table = 'missing')");
  BOOST_TEST(err ==
             "line 1:14: cannot read the columns of table 'm' from MySQL: no "
             "such table");
}

BOOST_AUTO_TEST_CASE(watermark_delay_is_read_from_the_expression) {
  Fixture f;
  auto bound = f.Bind(
      "CREATE STREAM s (ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL "
      "'1.5' SECOND) WITH "
      "(connector = 'kafka', topic = 's')");
  BOOST_REQUIRE_MESSAGE(bound.ok(), bound.status().message());
  const catalog::Entry& entry = Fixture::EntryOf(*bound);
  BOOST_REQUIRE(entry.watermark.has_value());
  BOOST_TEST(entry.watermark->delay_micros.value_or(-1) == 1500000);
  BOOST_TEST(entry.watermark->expr_text == "ts - INTERVAL '1.5' SECOND");
}

BOOST_AUTO_TEST_CASE(pull_queries_read_only_views) {
  Fixture f;
  std::string err = f.Error("SELECT * FROM bids");
  BOOST_TEST(err.find("line 1:15: 'bids' is a stream") == 0, err);
  auto constant = f.Bind("SELECT 1 + 1");
  BOOST_REQUIRE(constant.ok());
  const auto* query = std::get_if<BoundQuery>(&constant->kind);
  BOOST_REQUIRE(query != nullptr);
  BOOST_TEST(query->constant);
  BOOST_TEST(!query->push);
}

/// The bound form of `sql`, which must be of type T.
template <typename T>
T BindAs(Fixture& f, const std::string& sql) {
  auto bound = f.Bind(sql);
  BOOST_REQUIRE_MESSAGE(bound.ok(), sql << ": " << bound.status().message());
  T* s = std::get_if<T>(&bound->kind);
  BOOST_REQUIRE_MESSAGE(s != nullptr, sql << " bound to another kind");
  return std::move(*s);
}

BOOST_AUTO_TEST_CASE(each_statement_kind_binds_to_its_own_type) {
  Fixture f;
  auto push = BindAs<BoundQuery>(f, "SELECT price FROM bids EMIT CHANGES");
  BOOST_TEST(push.push);
  BOOST_TEST(!push.constant);
  BOOST_TEST(push.reads == std::vector<std::string>{"bids"});
  auto insert =
      BindAs<BoundInsert>(f, "INSERT INTO bids (auction, price) VALUES (1, 2)");
  BOOST_TEST(insert.constant);
  BOOST_TEST(insert.target == "bids");
  BOOST_TEST(insert.reads.empty());
  auto copy = BindAs<BoundInsert>(
      f, "INSERT INTO bids SELECT * FROM bids WHERE price > 10");
  BOOST_TEST(!copy.constant);
  BOOST_TEST(copy.reads == std::vector<std::string>{"bids"});
  auto view = BindAs<BoundCreateView>(
      f,
      "CREATE MATERIALIZED VIEW IF NOT EXISTS v AS SELECT customer_id, "
      "COUNT(*) AS n FROM orders GROUP BY customer_id");
  BOOST_TEST(view.entry.name == "v");
  BOOST_TEST(view.entry.depends_on == std::vector<std::string>{"orders"});
  BOOST_TEST(view.if_not_exists);
  BOOST_TEST(view.name_span.column == 40u);
  auto drop = BindAs<BoundDrop>(f, "DROP TABLE IF EXISTS nothing");
  BOOST_TEST((drop.kind == catalog::EntryKind::kTable));
  BOOST_TEST(drop.name == "nothing");
  BOOST_TEST(drop.if_exists);
  auto show = BindAs<BoundShow>(f, "SHOW QUERIES");
  BOOST_TEST((show.what == ast::ShowKind::kQueries));
  auto describe = BindAs<BoundDescribe>(f, "DESCRIBE EXTENDED bids");
  BOOST_TEST(describe.name == "bids");
  BOOST_TEST(describe.extended);
  auto set = BindAs<BoundSet>(f, "SET 'Parallelism' = '4'");
  BOOST_TEST(set.key == "parallelism");  // keys are lower-cased
  BOOST_TEST(set.value == "4");
  BOOST_TEST(set.value_span.column == 21u);
  auto reset = BindAs<BoundReset>(f, "RESET ALL");
  BOOST_TEST(reset.all);
  auto terminate = BindAs<BoundTerminate>(f, "TERMINATE Q7");
  BOOST_TEST(terminate.id == "q7");
  BOOST_TEST(!terminate.all);
  auto explain = BindAs<BoundExplain>(f, "EXPLAIN SELECT 1");
  BOOST_REQUIRE(explain.statement != nullptr);
  const auto* inner = std::get_if<BoundQuery>(&explain.statement->kind);
  BOOST_REQUIRE(inner != nullptr);
  BOOST_TEST(inner->constant);
}

BOOST_AUTO_TEST_CASE(output_nodes_are_built_complete) {
  Fixture f;
  auto push = BindAs<BoundQuery>(f, "SELECT price FROM bids EMIT CHANGES");
  const auto& client = As<OutputNode>(push.plan, PlanKind::kOutput);
  BOOST_TEST((client.output == OutputKind::kClient));
  BOOST_TEST(client.push);
  auto sink = BindAs<BoundCreateSink>(
      f,
      "CREATE SINK out AS SELECT price FROM bids WITH (connector = 'kafka', "
      "topic = 'prices', format = 'csv')");
  const auto& to_sink = As<OutputNode>(sink.plan, PlanKind::kOutput);
  BOOST_TEST((to_sink.output == OutputKind::kSink));
  BOOST_TEST(to_sink.target == "out");
  BOOST_TEST(to_sink.connector == "kafka");
  BOOST_TEST(to_sink.detail == "topic=prices format=csv");
  BOOST_TEST(!to_sink.push);
}
