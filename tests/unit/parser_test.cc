// Tests of the SQL parser: text -> AST (engine/sql/parser.h). Expected trees
// are written as S-expressions by a small printer below and were worked out
// by hand from the input and the dialect's precedence rules.
#define BOOST_TEST_MODULE parser_test
#include "engine/sql/parser.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "engine/base/sql_error.h"

namespace weir::sql {
namespace {

// ------------------------------------------------------------------ Printer
// Renders AST nodes as compact S-expressions for tests.
std::string P(const ast::Expr* e);
std::string P(const ast::TableRef* t);
std::string P(const ast::Query* q);

std::string Join(const std::vector<std::string>& v,
                 const std::string& sep = " ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

const char* UnitName(ast::IntervalUnit u) {
  switch (u) {
    case ast::IntervalUnit::kYear:
      return "YEAR";
    case ast::IntervalUnit::kMonth:
      return "MONTH";
    case ast::IntervalUnit::kDay:
      return "DAY";
    case ast::IntervalUnit::kHour:
      return "HOUR";
    case ast::IntervalUnit::kMinute:
      return "MINUTE";
    case ast::IntervalUnit::kSecond:
      return "SECOND";
    default:
      return "NONE";
  }
}

std::string P(const ast::TypeName& t) {
  std::string out = t.name;
  if (!t.params.empty()) {
    std::vector<std::string> ps;
    for (int64_t p : t.params) ps.push_back(std::to_string(p));
    out += "(" + Join(ps, ",") + ")";
  }
  return out;
}

std::string P(const ast::OrderItem& o) {
  std::string out = P(o.expr.get());
  if (o.direction == ast::SortDirection::kDesc) out += " DESC";
  if (o.nulls == ast::NullsOrder::kFirst) out += " NULLS FIRST";
  if (o.nulls == ast::NullsOrder::kLast) out += " NULLS LAST";
  return out;
}

std::string P(const ast::Expr* e) {
  if (e == nullptr) return "<null>";
  switch (e->kind) {
    case ast::ExprKind::kLiteral: {
      auto* l = static_cast<const ast::LiteralExpr*>(e);
      switch (l->literal_kind) {
        case ast::LiteralKind::kNull:
          return "NULL";
        case ast::LiteralKind::kBoolean:
          return l->text;
        case ast::LiteralKind::kInteger:
          return l->text;
        case ast::LiteralKind::kDecimal:
          return "dec:" + l->text;
        case ast::LiteralKind::kDouble:
          return "dbl:" + l->text;
        case ast::LiteralKind::kString:
          return "'" + l->text + "'";
        case ast::LiteralKind::kTyped:
          return l->type_name->name + " '" + l->text + "'";
        case ast::LiteralKind::kInterval: {
          std::string out = std::string("INTERVAL ") +
                            (l->negative ? "-" : "") + "'" + l->text + "' " +
                            UnitName(l->unit);
          if (l->to_unit != ast::IntervalUnit::kNone)
            out += std::string(" TO ") + UnitName(l->to_unit);
          return out;
        }
      }
      return "?";
    }
    case ast::ExprKind::kColumnRef: {
      auto* c = static_cast<const ast::ColumnRefExpr*>(e);
      std::vector<std::string> parts;
      for (const auto& p : c->name.parts)
        parts.push_back(p.quoted ? "\"" + p.name + "\"" : p.name);
      return Join(parts, ".");
    }
    case ast::ExprKind::kStar: {
      auto* s = static_cast<const ast::StarExpr*>(e);
      return s->qualifier ? s->qualifier->name + ".*" : "*";
    }
    case ast::ExprKind::kUnary: {
      auto* u = static_cast<const ast::UnaryExpr*>(e);
      const char* op = u->op == ast::UnaryOp::kNot      ? "NOT"
                       : u->op == ast::UnaryOp::kNegate ? "NEG"
                                                        : "POS";
      return std::string("(") + op + " " + P(u->operand.get()) + ")";
    }
    case ast::ExprKind::kBinary: {
      auto* b = static_cast<const ast::BinaryExpr*>(e);
      static const char* kOps[] = {"+", "-",  "*", "/",  "%",   "=",  "<>",
                                   "<", "<=", ">", ">=", "AND", "OR", "||"};
      return std::string("(") + kOps[static_cast<int>(b->op)] + " " +
             P(b->left.get()) + " " + P(b->right.get()) + ")";
    }
    case ast::ExprKind::kFunction: {
      auto* f = static_cast<const ast::FunctionExpr*>(e);
      std::vector<std::string> args;
      for (const auto& a : f->args) args.push_back(P(a.get()));
      std::string out = f->name.name + "(" + (f->distinct ? "DISTINCT " : "") +
                        Join(args, ", ") + ")";
      if (f->over) {
        std::vector<std::string> parts, orders;
        for (const auto& p : f->over->partition_by) parts.push_back(P(p.get()));
        for (const auto& o : f->over->order_by) orders.push_back(P(o));
        out += " OVER(" + Join(parts, ", ") + "; " + Join(orders, ", ") + ")";
      }
      return out;
    }
    case ast::ExprKind::kCast: {
      auto* c = static_cast<const ast::CastExpr*>(e);
      return std::string(c->try_cast ? "TRY_CAST(" : "CAST(") +
             P(c->operand.get()) + " AS " + P(c->target) + ")";
    }
    case ast::ExprKind::kCase: {
      auto* c = static_cast<const ast::CaseExpr*>(e);
      std::string out = "(CASE";
      if (c->operand) out += " " + P(c->operand.get());
      for (const auto& w : c->whens)
        out += " WHEN " + P(w.condition.get()) + " THEN " + P(w.result.get());
      if (c->else_result) out += " ELSE " + P(c->else_result.get());
      return out + ")";
    }
    case ast::ExprKind::kBetween: {
      auto* b = static_cast<const ast::BetweenExpr*>(e);
      return std::string(b->negated ? "(NOT_BETWEEN " : "(BETWEEN ") +
             P(b->operand.get()) + " " + P(b->low.get()) + " " +
             P(b->high.get()) + ")";
    }
    case ast::ExprKind::kIn: {
      auto* in = static_cast<const ast::InExpr*>(e);
      std::vector<std::string> items{P(in->operand.get())};
      for (const auto& i : in->list) items.push_back(P(i.get()));
      return std::string(in->negated ? "(NOT_IN " : "(IN ") + Join(items) + ")";
    }
    case ast::ExprKind::kIsNull: {
      auto* n = static_cast<const ast::IsNullExpr*>(e);
      return std::string(n->negated ? "(IS_NOT_NULL " : "(IS_NULL ") +
             P(n->operand.get()) + ")";
    }
    case ast::ExprKind::kLike: {
      auto* l = static_cast<const ast::LikeExpr*>(e);
      std::string op = l->regexp ? "REGEXP" : "LIKE";
      if (l->negated) op = "NOT_" + op;
      std::string out =
          "(" + op + " " + P(l->operand.get()) + " " + P(l->pattern.get());
      if (l->escape) out += " ESCAPE " + P(l->escape.get());
      return out + ")";
    }
  }
  return "?";
}

std::string Alias(const ast::TableRef* t) {
  return t->alias ? " AS " + t->alias->name : "";
}

std::string P(const ast::TableRef* t) {
  if (t == nullptr) return "<null>";
  switch (t->kind) {
    case ast::TableRefKind::kNamed:
      return static_cast<const ast::NamedTableRef*>(t)->name.ToString() +
             Alias(t);
    case ast::TableRefKind::kSubquery:
      return "(" + P(static_cast<const ast::SubqueryRef*>(t)->query.get()) +
             ")" + Alias(t);
    case ast::TableRefKind::kWindow: {
      auto* w = static_cast<const ast::WindowTableRef*>(t);
      static const char* kNames[] = {"TUMBLE", "HOP", "CUMULATE", "SESSION"};
      std::vector<std::string> args{P(w->input.get()), w->time_column.name};
      for (const auto& a : w->args) args.push_back(P(a.get()));
      return std::string(kNames[static_cast<int>(w->window)]) + "(" +
             Join(args, ", ") + ")" + Alias(t);
    }
    case ast::TableRefKind::kJoin: {
      auto* j = static_cast<const ast::JoinRef*>(t);
      static const char* kTypes[] = {"JOIN", "LEFT_JOIN", "RIGHT_JOIN",
                                     "FULL_JOIN", "CROSS_JOIN"};
      std::string out = std::string("(") +
                        kTypes[static_cast<int>(j->join_type)] + " " +
                        P(j->left.get()) + " " + P(j->right.get());
      if (j->condition) out += " ON " + P(j->condition.get());
      if (!j->using_columns.empty()) {
        std::vector<std::string> cols;
        for (const auto& c : j->using_columns) cols.push_back(c.name);
        out += " USING " + Join(cols, ",");
      }
      return out + ")";
    }
  }
  return "?";
}

std::string P(const ast::QueryBody* b) {
  if (b->select == nullptr) {
    return "(" +
           std::string(b->set_op == ast::SetOpKind::kUnion ? "UNION "
                                                           : "UNION_ALL ") +
           P(b->left.get()) + " " + P(b->right.get()) + ")";
  }
  const ast::SelectCore& s = *b->select;
  std::vector<std::string> items;
  for (const auto& i : s.items)
    items.push_back(P(i.expr.get()) + (i.alias ? " AS " + i.alias->name : ""));
  std::string out = std::string("SELECT ") + (s.distinct ? "DISTINCT " : "") +
                    Join(items, ", ");
  if (s.from) out += " FROM " + P(s.from.get());
  if (s.where) out += " WHERE " + P(s.where.get());
  if (!s.group_by.empty()) {
    std::vector<std::string> g;
    for (const auto& e : s.group_by) g.push_back(P(e.get()));
    out += " GROUP BY " + Join(g, ", ");
  }
  if (s.having) out += " HAVING " + P(s.having.get());
  return out;
}

std::string P(const ast::Query* q) {
  std::string out = P(q->body.get());
  if (!q->order_by.empty()) {
    std::vector<std::string> o;
    for (const auto& i : q->order_by) o.push_back(P(i));
    out += " ORDER BY " + Join(o, ", ");
  }
  if (q->limit) out += " LIMIT " + P(q->limit.get());
  if (q->emit == ast::EmitMode::kChanges) out += " EMIT CHANGES";
  if (q->emit == ast::EmitMode::kOnWindowClose) out += " EMIT ON WINDOW CLOSE";
  if (q->allowed_lateness)
    out += " ALLOWED LATENESS " + P(q->allowed_lateness.get());
  return out;
}

// -------------------------------------------------------------- Helpers

std::vector<ast::StatementPtr> Parse(const std::string& sql) {
  auto result = ParseScript(sql);
  BOOST_REQUIRE_MESSAGE(result.ok(), sql << " -> " << result.status());
  return std::move(result).value();
}

template <typename T>
std::unique_ptr<T> ParseOne(const std::string& sql) {
  auto result = ParseStatement(sql);
  BOOST_REQUIRE_MESSAGE(result.ok(), sql << " -> " << result.status());
  ast::StatementPtr stmt = std::move(result).value();
  T* typed = dynamic_cast<T*>(stmt.get());
  BOOST_REQUIRE_MESSAGE(typed != nullptr,
                        "unexpected statement kind for " << sql);
  stmt.release();
  return std::unique_ptr<T>(typed);
}

std::unique_ptr<ast::QueryStatement> ParseQuery(const std::string& sql) {
  return ParseOne<ast::QueryStatement>(sql);
}

// The printed query of a SELECT statement.
std::string Q(const std::string& sql) {
  return P(ParseQuery(sql)->query.get());
}

// The printed first select item of `SELECT <expr>`.
std::string E(const std::string& expr) {
  auto stmt = ParseQuery("SELECT " + expr);
  return P(stmt->query->body->select->items[0].expr.get());
}

// The message of the error for `sql` (which must fail).
std::string Err(const std::string& sql) {
  auto result = ParseScript(sql);
  BOOST_REQUIRE_MESSAGE(!result.ok(), sql << " parsed but should not");
  BOOST_CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(result.status().message());
}

void CheckSpan(const SourceSpan& span, uint32_t line, uint32_t column,
               uint32_t offset, uint32_t length) {
  BOOST_CHECK_EQUAL(span.line, line);
  BOOST_CHECK_EQUAL(span.column, column);
  BOOST_CHECK_EQUAL(span.offset, offset);
  BOOST_CHECK_EQUAL(span.length, length);
}

}  // namespace

// ------------------------------------------------------------- Scripts

BOOST_AUTO_TEST_SUITE(scripts)

BOOST_AUTO_TEST_CASE(empty_scripts_have_no_statements) {
  for (const char* sql :
       {"", "   \n\t", "-- only a comment\n", "/* block */", ";", " ; ;; "}) {
    BOOST_TEST_CONTEXT(sql) { BOOST_CHECK(Parse(sql).empty()); }
  }
}

BOOST_AUTO_TEST_CASE(statements_are_separated_by_semicolons) {
  auto stmts = Parse("SELECT 1; SELECT 2;\nSHOW STREAMS");
  BOOST_REQUIRE_EQUAL(stmts.size(), 3u);
  // The second statement: "SELECT 2" at offset 10, without its ';'.
  CheckSpan(stmts[1]->span, 1, 11, 10, 8);
  // The third on line 2, column 1, offset 20 ("SELECT 1; SELECT 2;\n").
  CheckSpan(stmts[2]->span, 2, 1, 20, 12);
}

BOOST_AUTO_TEST_CASE(parse_statement_wants_exactly_one) {
  BOOST_CHECK(ParseStatement("SELECT 1;").ok());
  auto none = ParseStatement("  -- nothing\n");
  BOOST_CHECK(!none.ok());
  auto two = ParseStatement("SELECT 1; SELECT 2");
  BOOST_REQUIRE(!two.ok());
  BOOST_CHECK_EQUAL(two.status().message(),
                    "line 1:11: expected one statement, found 2");
}

BOOST_AUTO_TEST_CASE(comments_anywhere) {
  auto stmts = Parse(
      "-- head\nSELECT /* inline */ a -- tail\n FROM t /* multi\n line */;");
  BOOST_REQUIRE_EQUAL(stmts.size(), 1u);
  auto* q = static_cast<ast::QueryStatement*>(stmts[0].get());
  BOOST_CHECK_EQUAL(P(q->query.get()), "SELECT a FROM t");
}

BOOST_AUTO_TEST_CASE(design_dialect_examples_verbatim) {
  // From DESIGN.md, "The dialect"; the last two lines there list several
  // statements per line and are covered one by one below.
  const std::string script = R"sql(CREATE STREAM bids (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR,
  date_time TIMESTAMP(3),
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (connector = 'kafka', topic = 'bids', format = 'json');

CREATE TABLE orders                -- a MySQL table, snapshot + binlog
  WITH (connector = 'mysql-cdc', host = '127.0.0.1', port = 3306,
        user = 'weir', password = '...', database = 'shop', table = 'orders');
  -- columns and primary key are read from MySQL when not written

CREATE MATERIALIZED VIEW revenue AS
  SELECT window_start, window_end, customer_id,
         SUM(amount) AS revenue, COUNT(*) AS n
  FROM TUMBLE(orders, created_at, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, customer_id;

CREATE SINK revenue_out FROM revenue
  WITH (connector = 'mysql', host = '127.0.0.1', database = 'analytics',
        table = 'revenue', user = 'weir', password = '...');

SELECT * FROM bids WHERE price > 1000 EMIT CHANGES;   -- push query
SELECT * FROM revenue WHERE customer_id = 7;           -- pull query on view state
INSERT INTO bids VALUES (1, 2, 300, 'web', TIMESTAMP '2026-01-01 00:00:00');
)sql";
  auto stmts = Parse(script);
  BOOST_REQUIRE_EQUAL(stmts.size(), 7u);

  auto* bids = dynamic_cast<ast::CreateSourceStatement*>(stmts[0].get());
  BOOST_REQUIRE(bids != nullptr);
  BOOST_CHECK(bids->source_kind == ast::SourceKind::kStream);
  BOOST_CHECK_EQUAL(bids->name.ToString(), "bids");
  BOOST_REQUIRE_EQUAL(bids->columns.size(), 5u);
  BOOST_CHECK_EQUAL(bids->columns[3].name.name, "channel");
  BOOST_CHECK_EQUAL(P(bids->columns[3].type), "VARCHAR");
  BOOST_CHECK_EQUAL(P(bids->columns[4].type), "TIMESTAMP(3)");
  BOOST_REQUIRE(bids->watermark.has_value());
  BOOST_CHECK_EQUAL(bids->watermark->column.name, "date_time");
  BOOST_CHECK_EQUAL(P(bids->watermark->expr.get()),
                    "(- date_time INTERVAL '4' SECOND)");
  BOOST_REQUIRE_EQUAL(bids->options.size(), 3u);
  BOOST_CHECK_EQUAL(bids->options[1].key, "topic");
  BOOST_CHECK_EQUAL(bids->options[1].value, "bids");
  // `WATERMARK` starts line 4, column 3.
  BOOST_CHECK_EQUAL(bids->watermark->span.line, 4u);
  BOOST_CHECK_EQUAL(bids->watermark->span.column, 3u);

  auto* orders = dynamic_cast<ast::CreateSourceStatement*>(stmts[1].get());
  BOOST_REQUIRE(orders != nullptr);
  BOOST_CHECK(orders->source_kind == ast::SourceKind::kTable);
  BOOST_CHECK(orders->columns.empty());
  BOOST_REQUIRE_EQUAL(orders->options.size(), 7u);
  BOOST_CHECK_EQUAL(orders->options[2].key, "port");
  BOOST_CHECK_EQUAL(orders->options[2].value, "3306");
  BOOST_CHECK_EQUAL(orders->options[6].key, "table");  // a reserved word
  BOOST_CHECK_EQUAL(orders->options[6].value, "orders");
  // The statement's span ends at the ')' before ';', not at the comment.
  BOOST_CHECK(script.substr(orders->span.offset, orders->span.length)
                  .ends_with("table = 'orders')"));

  auto* view = dynamic_cast<ast::CreateViewStatement*>(stmts[2].get());
  BOOST_REQUIRE(view != nullptr);
  BOOST_CHECK_EQUAL(view->name.ToString(), "revenue");
  BOOST_CHECK_EQUAL(
      P(view->query.get()),
      "SELECT window_start, window_end, customer_id, SUM(amount) AS revenue, "
      "COUNT(*) AS n FROM TUMBLE(orders, created_at, INTERVAL '1' MINUTE) "
      "GROUP BY window_start, window_end, customer_id");
  BOOST_CHECK_EQUAL(view->query_text,
                    "SELECT window_start, window_end, customer_id,\n"
                    "         SUM(amount) AS revenue, COUNT(*) AS n\n"
                    "  FROM TUMBLE(orders, created_at, INTERVAL '1' MINUTE)\n"
                    "  GROUP BY window_start, window_end, customer_id");

  auto* sink = dynamic_cast<ast::CreateSinkStatement*>(stmts[3].get());
  BOOST_REQUIRE(sink != nullptr);
  BOOST_CHECK_EQUAL(sink->name.ToString(), "revenue_out");
  BOOST_REQUIRE(sink->from.has_value());
  BOOST_CHECK_EQUAL(sink->from->ToString(), "revenue");
  BOOST_CHECK(sink->query == nullptr);
  BOOST_CHECK_EQUAL(sink->options.size(), 6u);

  auto* push = dynamic_cast<ast::QueryStatement*>(stmts[4].get());
  BOOST_REQUIRE(push != nullptr);
  BOOST_CHECK_EQUAL(P(push->query.get()),
                    "SELECT * FROM bids WHERE (> price 1000) EMIT CHANGES");
  auto* pull = dynamic_cast<ast::QueryStatement*>(stmts[5].get());
  BOOST_REQUIRE(pull != nullptr);
  BOOST_CHECK(pull->query->emit == ast::EmitMode::kDefault);

  auto* insert = dynamic_cast<ast::InsertStatement*>(stmts[6].get());
  BOOST_REQUIRE(insert != nullptr);
  BOOST_CHECK_EQUAL(insert->target.ToString(), "bids");
  BOOST_REQUIRE_EQUAL(insert->values.size(), 1u);
  BOOST_REQUIRE_EQUAL(insert->values[0].size(), 5u);
  BOOST_CHECK_EQUAL(P(insert->values[0][4].get()),
                    "TIMESTAMP '2026-01-01 00:00:00'");

  // The last two lines of the example, statement by statement.
  for (const char* sql :
       {"SHOW STREAMS", "SHOW TABLES", "SHOW VIEWS", "SHOW SINKS",
        "SHOW QUERIES", "DESCRIBE x", "EXPLAIN SELECT * FROM bids",
        "DROP STREAM bids", "TERMINATE q1", "SET 'key' = 'value'"}) {
    BOOST_TEST_CONTEXT(sql) { BOOST_CHECK(ParseStatement(sql).ok()); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ----------------------------------------------------------- Statements

BOOST_AUTO_TEST_SUITE(statements)

BOOST_AUTO_TEST_CASE(create_table_with_keys_and_options) {
  auto s = ParseOne<ast::CreateSourceStatement>(
      "CREATE TABLE IF NOT EXISTS shop.Users (\n"
      "  id BIGINT NOT NULL, name VARCHAR(100) NULL, amount DEC(10, 2),\n"
      "  PRIMARY KEY (id) NOT ENFORCED\n"
      ") WITH ('Connector' = 'mysql-cdc', scan.startup.mode = 'initial',\n"
      "  properties.security.protocol = SSL, enabled = TRUE, retries = -3,\n"
      "  ratio = 0.5)");
  BOOST_CHECK(s->source_kind == ast::SourceKind::kTable);
  BOOST_CHECK(s->if_not_exists);
  BOOST_CHECK(!s->or_replace);
  BOOST_CHECK_EQUAL(s->name.ToString(), "shop.users");
  BOOST_REQUIRE_EQUAL(s->columns.size(), 3u);
  BOOST_CHECK(s->columns[0].not_null);
  BOOST_CHECK(!s->columns[1].not_null);
  BOOST_CHECK_EQUAL(P(s->columns[1].type), "VARCHAR(100)");
  BOOST_CHECK_EQUAL(P(s->columns[2].type), "DEC(10,2)");
  BOOST_REQUIRE_EQUAL(s->primary_key.size(), 1u);
  BOOST_CHECK_EQUAL(s->primary_key[0].name, "id");
  BOOST_CHECK_EQUAL(s->primary_key_span.line, 3u);
  BOOST_CHECK_EQUAL(s->primary_key_span.column, 3u);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"connector", "mysql-cdc"},
      {"scan.startup.mode", "initial"},
      {"properties.security.protocol", "SSL"},
      {"enabled", "true"},
      {"retries", "-3"},
      {"ratio", "0.5"}};
  BOOST_REQUIRE_EQUAL(s->options.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    BOOST_CHECK_EQUAL(s->options[i].key, expected[i].first);
    BOOST_CHECK_EQUAL(s->options[i].value, expected[i].second);
  }
  // 'Connector' is on line 4 at column 9: ") WITH (" is 8 bytes.
  BOOST_CHECK_EQUAL(s->options[0].key_span.line, 4u);
  BOOST_CHECK_EQUAL(s->options[0].key_span.column, 9u);
  BOOST_CHECK_EQUAL(s->options[0].key_span.length, 11u);
  BOOST_CHECK_EQUAL(s->options[0].value_span.length, 11u);  // 'mysql-cdc'
}

BOOST_AUTO_TEST_CASE(create_stream_inline_key_and_types) {
  auto s = ParseOne<ast::CreateSourceStatement>(
      "create or replace stream s (id bigint primary key, d double precision,"
      " ts timestamp(3) not null, b bool, n numeric, t time(3), i interval,"
      " `Key` string, value bytes) with (topic = 't')");
  BOOST_CHECK(s->or_replace);
  BOOST_CHECK(s->source_kind == ast::SourceKind::kStream);
  BOOST_REQUIRE_EQUAL(s->columns.size(), 9u);
  BOOST_CHECK(s->columns[0].primary_key);
  BOOST_CHECK_EQUAL(P(s->columns[0].type), "BIGINT");
  BOOST_CHECK_EQUAL(P(s->columns[1].type), "DOUBLE");
  BOOST_CHECK_EQUAL(P(s->columns[2].type), "TIMESTAMP(3)");
  BOOST_CHECK(s->columns[2].not_null);
  BOOST_CHECK_EQUAL(P(s->columns[3].type), "BOOL");
  BOOST_CHECK_EQUAL(P(s->columns[4].type), "NUMERIC");
  BOOST_CHECK_EQUAL(P(s->columns[5].type), "TIME(3)");
  BOOST_CHECK_EQUAL(P(s->columns[6].type), "INTERVAL");
  BOOST_CHECK_EQUAL(s->columns[7].name.name, "Key");
  BOOST_CHECK(s->columns[7].name.quoted);
  BOOST_CHECK_EQUAL(s->columns[8].name.name, "value");
  BOOST_CHECK(s->primary_key.empty());
}

BOOST_AUTO_TEST_CASE(create_materialized_view_forms) {
  auto v = ParseOne<ast::CreateViewStatement>(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS v (a, b) WITH (parallelism = 4)"
      " AS SELECT x, y FROM t ;");
  BOOST_CHECK(v->if_not_exists);
  BOOST_REQUIRE_EQUAL(v->column_names.size(), 2u);
  BOOST_CHECK_EQUAL(v->column_names[1].name, "b");
  BOOST_REQUIRE_EQUAL(v->options.size(), 1u);
  BOOST_CHECK_EQUAL(v->options[0].value, "4");
  BOOST_CHECK_EQUAL(v->query_text, "SELECT x, y FROM t");

  auto r = ParseOne<ast::CreateViewStatement>(
      "CREATE OR REPLACE MATERIALIZED VIEW v AS (SELECT 1) UNION ALL "
      "(SELECT 2)");
  BOOST_CHECK(r->or_replace);
  BOOST_CHECK_EQUAL(r->query_text, "(SELECT 1) UNION ALL (SELECT 2)");
  BOOST_CHECK_EQUAL(P(r->query.get()), "(UNION_ALL SELECT 1 SELECT 2)");
}

BOOST_AUTO_TEST_CASE(create_sink_forms) {
  auto from = ParseOne<ast::CreateSinkStatement>(
      "CREATE SINK IF NOT EXISTS s FROM v WITH (connector = 'kafka')");
  BOOST_CHECK(from->if_not_exists);
  BOOST_CHECK_EQUAL(from->from->ToString(), "v");

  auto before = ParseOne<ast::CreateSinkStatement>(
      "CREATE SINK s WITH (connector = 'kafka') AS SELECT a FROM t");
  BOOST_CHECK(!before->from.has_value());
  BOOST_CHECK_EQUAL(before->query_text, "SELECT a FROM t");
  BOOST_REQUIRE_EQUAL(before->options.size(), 1u);
  // "CREATE SINK s " is 14 bytes: WITH starts at column 15.
  CheckSpan(before->options_span, 1, 15, 14, 26);

  auto after = ParseOne<ast::CreateSinkStatement>(
      "CREATE SINK s AS SELECT a FROM t EMIT CHANGES WITH (topic = 'x')");
  BOOST_CHECK_EQUAL(after->query_text, "SELECT a FROM t EMIT CHANGES");
  BOOST_REQUIRE_EQUAL(after->options.size(), 1u);
  BOOST_CHECK_EQUAL(after->options[0].key, "topic");

  auto bare = ParseOne<ast::CreateSinkStatement>("CREATE SINK s AS SELECT 1");
  BOOST_CHECK(bare->options.empty());
}

BOOST_AUTO_TEST_CASE(insert_forms) {
  auto v = ParseOne<ast::InsertStatement>(
      "INSERT INTO t (a, b) VALUES (1, 'x'), (-2, NULL)");
  BOOST_REQUIRE_EQUAL(v->columns.size(), 2u);
  BOOST_REQUIRE_EQUAL(v->values.size(), 2u);
  BOOST_CHECK_EQUAL(P(v->values[1][0].get()), "(NEG 2)");
  BOOST_CHECK_EQUAL(P(v->values[1][1].get()), "NULL");
  BOOST_CHECK(v->query == nullptr);

  auto q = ParseOne<ast::InsertStatement>(
      "INSERT INTO db.t SELECT * FROM u WHERE a > 1");
  BOOST_CHECK_EQUAL(q->target.ToString(), "db.t");
  BOOST_CHECK(q->values.empty());
  BOOST_CHECK_EQUAL(q->query_text, "SELECT * FROM u WHERE a > 1");

  auto p = ParseOne<ast::InsertStatement>("INSERT INTO t (a) (SELECT 1)");
  BOOST_REQUIRE_EQUAL(p->columns.size(), 1u);
  BOOST_CHECK_EQUAL(p->query_text, "(SELECT 1)");
}

BOOST_AUTO_TEST_CASE(drop_show_describe) {
  struct DropCase {
    const char* sql;
    ast::ObjectKind kind;
    bool if_exists;
  };
  for (const DropCase& c : std::vector<DropCase>{
           {"DROP STREAM s", ast::ObjectKind::kStream, false},
           {"DROP TABLE IF EXISTS s", ast::ObjectKind::kTable, true},
           {"DROP MATERIALIZED VIEW s", ast::ObjectKind::kView, false},
           {"drop view if exists s", ast::ObjectKind::kView, true},
           {"DROP SINK s", ast::ObjectKind::kSink, false}}) {
    BOOST_TEST_CONTEXT(c.sql) {
      auto d = ParseOne<ast::DropStatement>(c.sql);
      BOOST_CHECK(d->object == c.kind);
      BOOST_CHECK_EQUAL(d->if_exists, c.if_exists);
      BOOST_CHECK_EQUAL(d->name.ToString(), "s");
    }
  }
  struct ShowCase {
    const char* sql;
    ast::ShowKind kind;
  };
  for (const ShowCase& c :
       std::vector<ShowCase>{{"SHOW STREAMS", ast::ShowKind::kStreams},
                             {"SHOW TABLES", ast::ShowKind::kTables},
                             {"SHOW MATERIALIZED VIEWS", ast::ShowKind::kViews},
                             {"show views", ast::ShowKind::kViews},
                             {"SHOW SINKS", ast::ShowKind::kSinks},
                             {"SHOW QUERIES", ast::ShowKind::kQueries},
                             {"SHOW FUNCTIONS", ast::ShowKind::kFunctions},
                             {"SHOW PROPERTIES", ast::ShowKind::kProperties}}) {
    BOOST_TEST_CONTEXT(c.sql) {
      BOOST_CHECK(ParseOne<ast::ShowStatement>(c.sql)->what == c.kind);
    }
  }
  auto d = ParseOne<ast::DescribeStatement>("DESCRIBE EXTENDED Bids");
  BOOST_CHECK(d->extended);
  BOOST_CHECK_EQUAL(d->name.ToString(), "bids");
  auto short_form = ParseOne<ast::DescribeStatement>("DESC bids");
  BOOST_CHECK(!short_form->extended);
  // A table named `extended`.
  auto named = ParseOne<ast::DescribeStatement>("DESCRIBE extended");
  BOOST_CHECK(!named->extended);
  BOOST_CHECK_EQUAL(named->name.ToString(), "extended");
}

BOOST_AUTO_TEST_CASE(explain_wraps_a_statement) {
  auto e = ParseOne<ast::ExplainStatement>(
      "EXPLAIN CREATE MATERIALIZED VIEW v AS SELECT 1");
  BOOST_REQUIRE(e->statement != nullptr);
  BOOST_CHECK(e->statement->kind == ast::StatementKind::kCreateView);
  CheckSpan(e->span, 1, 1, 0, 46);
  CheckSpan(e->statement->span, 1, 9, 8, 38);
}

BOOST_AUTO_TEST_CASE(set_reset_terminate) {
  auto s = ParseOne<ast::SetStatement>("SET 'auto.offset.reset' = 'earliest'");
  BOOST_CHECK_EQUAL(s->key, "auto.offset.reset");
  BOOST_CHECK_EQUAL(s->value, "earliest");
  CheckSpan(s->key_span, 1, 5, 4, 19);
  CheckSpan(s->value_span, 1, 27, 26, 10);
  auto n = ParseOne<ast::SetStatement>("SET sql.Parallelism = 4");
  BOOST_CHECK_EQUAL(n->key, "sql.parallelism");
  BOOST_CHECK_EQUAL(n->value, "4");
  auto b = ParseOne<ast::SetStatement>("set a.b = TRUE");
  BOOST_CHECK_EQUAL(b->value, "true");
  auto i = ParseOne<ast::SetStatement>("SET format = Json");
  BOOST_CHECK_EQUAL(i->value, "Json");

  auto r = ParseOne<ast::ResetStatement>("RESET 'a.b'");
  BOOST_CHECK_EQUAL(r->key, "a.b");
  BOOST_CHECK(ParseOne<ast::ResetStatement>("RESET ALL")->key.empty());
  BOOST_CHECK_EQUAL(ParseOne<ast::ResetStatement>("RESET x.y")->key, "x.y");

  auto t = ParseOne<ast::TerminateStatement>("TERMINATE q1");
  BOOST_CHECK_EQUAL(t->query_id, "q1");
  BOOST_CHECK(!t->all);
  CheckSpan(t->id_span, 1, 11, 10, 2);
  BOOST_CHECK_EQUAL(
      ParseOne<ast::TerminateStatement>("TERMINATE 'Q-2'")->query_id, "Q-2");
  BOOST_CHECK(ParseOne<ast::TerminateStatement>("TERMINATE ALL")->all);
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------- Queries

BOOST_AUTO_TEST_SUITE(queries)

BOOST_AUTO_TEST_CASE(select_clauses) {
  BOOST_CHECK_EQUAL(
      Q("SELECT DISTINCT a, b AS x, c y FROM t WHERE a > 1 GROUP BY a, b "
        "HAVING COUNT(*) > 2 ORDER BY a DESC NULLS FIRST, b LIMIT 10"),
      "SELECT DISTINCT a, b AS x, c AS y FROM t WHERE (> a 1) GROUP BY a, b "
      "HAVING (> COUNT(*) 2) ORDER BY a DESC NULLS FIRST, b LIMIT 10");
  BOOST_CHECK_EQUAL(Q("SELECT 1"), "SELECT 1");
  BOOST_CHECK_EQUAL(Q("SELECT *, t.* FROM t"), "SELECT *, t.* FROM t");
  BOOST_CHECK_EQUAL(Q("SELECT a FROM t ORDER BY a ASC NULLS LAST"),
                    "SELECT a FROM t ORDER BY a NULLS LAST");
}

BOOST_AUTO_TEST_CASE(union_is_left_associative) {
  BOOST_CHECK_EQUAL(Q("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3"),
                    "(UNION_ALL (UNION SELECT 1 SELECT 2) SELECT 3)");
  BOOST_CHECK_EQUAL(Q("SELECT 1 UNION (SELECT 2 UNION ALL SELECT 3)"),
                    "(UNION SELECT 1 (UNION_ALL SELECT 2 SELECT 3))");
  BOOST_CHECK_EQUAL(Q("SELECT 1 UNION DISTINCT SELECT 2"),
                    "(UNION SELECT 1 SELECT 2)");
}

BOOST_AUTO_TEST_CASE(emit_lateness_and_limit_in_either_order) {
  BOOST_CHECK_EQUAL(Q("SELECT a FROM t LIMIT 5 EMIT CHANGES"),
                    "SELECT a FROM t LIMIT 5 EMIT CHANGES");
  BOOST_CHECK_EQUAL(Q("SELECT a FROM t EMIT CHANGES LIMIT 5"),
                    "SELECT a FROM t LIMIT 5 EMIT CHANGES");
  BOOST_CHECK_EQUAL(
      Q("SELECT a FROM t EMIT ON WINDOW CLOSE ALLOWED LATENESS INTERVAL '1' "
        "MINUTE LIMIT 3"),
      "SELECT a FROM t LIMIT 3 EMIT ON WINDOW CLOSE ALLOWED LATENESS "
      "INTERVAL '1' MINUTE");
  auto q = ParseQuery("SELECT a FROM t EMIT ON WINDOW CLOSE");
  // "SELECT a FROM t " is 16 bytes.
  CheckSpan(q->query->emit_span, 1, 17, 16, 20);
}

BOOST_AUTO_TEST_CASE(joins) {
  BOOST_CHECK_EQUAL(
      Q("SELECT * FROM a JOIN b ON a.x = b.x LEFT JOIN c USING (x, y) "
        "RIGHT OUTER JOIN d ON TRUE FULL OUTER JOIN e ON 1 = 1 "
        "INNER JOIN f ON f.k = a.k"),
      "SELECT * FROM (JOIN (FULL_JOIN (RIGHT_JOIN (LEFT_JOIN (JOIN a b ON "
      "(= a.x b.x)) c USING x,y) d ON true) e ON (= 1 1)) f ON (= f.k a.k))");
  // Comma joins bind looser than JOIN.
  BOOST_CHECK_EQUAL(Q("SELECT * FROM a, b JOIN c ON p CROSS JOIN d"),
                    "SELECT * FROM (CROSS_JOIN a (CROSS_JOIN (JOIN b c ON p) "
                    "d))");
  BOOST_CHECK_EQUAL(Q("SELECT * FROM a AS x, (SELECT 1) y, (b JOIN c ON p)"),
                    "SELECT * FROM (CROSS_JOIN (CROSS_JOIN a AS x (SELECT 1) "
                    "AS y) (JOIN b c ON p))");
}

BOOST_AUTO_TEST_CASE(window_table_functions) {
  BOOST_CHECK_EQUAL(
      Q("SELECT * FROM TUMBLE(bids, date_time, INTERVAL '10' SECOND) w"),
      "SELECT * FROM TUMBLE(bids, date_time, INTERVAL '10' SECOND) AS w");
  BOOST_CHECK_EQUAL(
      Q("SELECT * FROM HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' MINUTE, "
        "INTERVAL '5' MINUTES, INTERVAL '30' SECONDS)"),
      "SELECT * FROM HOP(bids, ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE, "
      "INTERVAL '30' SECOND)");
  BOOST_CHECK_EQUAL(
      Q("SELECT * FROM CUMULATE(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' "
        "HOUR, INTERVAL '1' DAY)"),
      "SELECT * FROM CUMULATE(bids, ts, INTERVAL '1' HOUR, INTERVAL '1' DAY)");
  BOOST_CHECK_EQUAL(
      Q("SELECT * FROM SESSION((SELECT * FROM b WHERE p > 1), ts, "
        "INTERVAL '1' HOUR) AS s"),
      "SELECT * FROM SESSION((SELECT * FROM b WHERE (> p 1)), ts, "
      "INTERVAL '1' HOUR) AS s");
  auto q = ParseQuery("SELECT *\nFROM  tumble(t, ts, INTERVAL '1' DAY)");
  auto* w =
      static_cast<ast::WindowTableRef*>(q->query->body->select->from.get());
  BOOST_CHECK(w->window == ast::WindowKind::kTumble);
  CheckSpan(w->name_span, 2, 7, 15, 6);
  BOOST_CHECK(w->input->kind == ast::TableRefKind::kNamed);
  // Window keywords are still usable as table names.
  BOOST_CHECK_EQUAL(Q("SELECT session.hop FROM session"),
                    "SELECT session.hop FROM session");
  BOOST_CHECK_EQUAL(Q("SELECT cumulate FROM cumulate"),
                    "SELECT cumulate FROM cumulate");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------- Expressions

BOOST_AUTO_TEST_SUITE(expressions)

BOOST_AUTO_TEST_CASE(precedence) {
  BOOST_CHECK_EQUAL(E("a OR b AND c"), "(OR a (AND b c))");
  BOOST_CHECK_EQUAL(E("a AND b OR c"), "(OR (AND a b) c)");
  BOOST_CHECK_EQUAL(E("NOT a = b"), "(NOT (= a b))");
  BOOST_CHECK_EQUAL(E("NOT a AND b"), "(AND (NOT a) b)");
  BOOST_CHECK_EQUAL(E("1 + 2 * 3"), "(+ 1 (* 2 3))");
  BOOST_CHECK_EQUAL(E("(1 + 2) * 3"), "(* (+ 1 2) 3)");
  BOOST_CHECK_EQUAL(E("1 - 2 - 3"), "(- (- 1 2) 3)");
  BOOST_CHECK_EQUAL(E("8 / 4 % 3 * 2"), "(* (% (/ 8 4) 3) 2)");
  BOOST_CHECK_EQUAL(E("-a * b"), "(* (NEG a) b)");
  BOOST_CHECK_EQUAL(E("- - a"), "(NEG (NEG a))");
  BOOST_CHECK_EQUAL(E("+a"), "(POS a)");
  BOOST_CHECK_EQUAL(E("a || b + c"), "(+ (|| a b) c)");
  BOOST_CHECK_EQUAL(E("a + 1 > b * 2 AND c IS NOT NULL"),
                    "(AND (> (+ a 1) (* b 2)) (IS_NOT_NULL c))");
  BOOST_CHECK_EQUAL(E("a BETWEEN 1 AND 2 AND b"), "(AND (BETWEEN a 1 2) b)");
  BOOST_CHECK_EQUAL(E("a NOT BETWEEN b - 1 AND b + 1"),
                    "(NOT_BETWEEN a (- b 1) (+ b 1))");
  BOOST_CHECK_EQUAL(E("a <> b OR a != c OR a <= 1 OR a >= 2 OR a < 3"),
                    "(OR (OR (OR (OR (<> a b) (<> a c)) (<= a 1)) (>= a 2)) "
                    "(< a 3))");
}

BOOST_AUTO_TEST_CASE(predicates) {
  BOOST_CHECK_EQUAL(E("x IN (1, 2 + 3)"), "(IN x 1 (+ 2 3))");
  BOOST_CHECK_EQUAL(E("x NOT IN ('a')"), "(NOT_IN x 'a')");
  BOOST_CHECK_EQUAL(E("s LIKE 'a%'"), "(LIKE s 'a%')");
  BOOST_CHECK_EQUAL(E("s NOT LIKE 'a!%' ESCAPE '!'"),
                    "(NOT_LIKE s 'a!%' ESCAPE '!')");
  BOOST_CHECK_EQUAL(E("s REGEXP '^a'"), "(REGEXP s '^a')");
  BOOST_CHECK_EQUAL(E("s NOT RLIKE 'b'"), "(NOT_REGEXP s 'b')");
  BOOST_CHECK_EQUAL(E("c IS NULL"), "(IS_NULL c)");
  BOOST_CHECK_EQUAL(E("a.ts BETWEEN b.ts - INTERVAL '1' HOUR AND b.ts"),
                    "(BETWEEN a.ts (- b.ts INTERVAL '1' HOUR) b.ts)");
}

BOOST_AUTO_TEST_CASE(calls_and_special_forms) {
  BOOST_CHECK_EQUAL(E("count(*)"), "COUNT(*)");
  BOOST_CHECK_EQUAL(E("Count(DISTINCT x)"), "COUNT(DISTINCT x)");
  BOOST_CHECK_EQUAL(E("coalesce(a, b, 0)"), "COALESCE(a, b, 0)");
  BOOST_CHECK_EQUAL(E("now()"), "NOW()");
  BOOST_CHECK_EQUAL(E("ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY c DESC)"),
                    "ROW_NUMBER() OVER(a, b; c DESC)");
  BOOST_CHECK_EQUAL(E("SUM(x) OVER ()"), "SUM(x) OVER(; )");
  BOOST_CHECK_EQUAL(E("CAST(a AS DECIMAL(10, 2))"), "CAST(a AS DECIMAL(10,2))");
  BOOST_CHECK_EQUAL(E("TRY_CAST(a AS varchar)"), "TRY_CAST(a AS VARCHAR)");
  BOOST_CHECK_EQUAL(E("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"),
                    "(CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3)");
  BOOST_CHECK_EQUAL(E("CASE x WHEN 1 THEN 'a' END"),
                    "(CASE x WHEN 1 THEN 'a')");
  BOOST_CHECK_EQUAL(E("EXTRACT(year FROM ts)"), "EXTRACT('YEAR', ts)");
  BOOST_CHECK_EQUAL(E("SUBSTRING(s FROM 2 FOR 3)"), "SUBSTRING(s, 2, 3)");
  BOOST_CHECK_EQUAL(E("substring(s FROM 2)"), "SUBSTRING(s, 2)");
  BOOST_CHECK_EQUAL(E("SUBSTRING(s, 1, 2)"), "SUBSTRING(s, 1, 2)");
  BOOST_CHECK_EQUAL(E("POSITION('a' IN s)"), "POSITION('a', s)");
  BOOST_CHECK_EQUAL(E("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP()");
  BOOST_CHECK_EQUAL(E("current_date"), "CURRENT_DATE()");
  BOOST_CHECK_EQUAL(E("LEFT(s, 2)"), "LEFT(s, 2)");
  BOOST_CHECK_EQUAL(E("IF(a, 1, 2)"), "IF(a, 1, 2)");
  BOOST_CHECK_EQUAL(E("replace(s, 'a', 'b')"), "REPLACE(s, 'a', 'b')");
}

BOOST_AUTO_TEST_CASE(literals) {
  BOOST_CHECK_EQUAL(E("42"), "42");
  BOOST_CHECK_EQUAL(E("1.5"), "dec:1.5");
  BOOST_CHECK_EQUAL(E(".5"), "dec:.5");
  BOOST_CHECK_EQUAL(E("1e3"), "dbl:1e3");
  BOOST_CHECK_EQUAL(E("2.5E-2"), "dbl:2.5E-2");
  BOOST_CHECK_EQUAL(E("99999999999999999999999"), "99999999999999999999999");
  BOOST_CHECK_EQUAL(E("NULL"), "NULL");
  BOOST_CHECK_EQUAL(E("TRUE"), "true");
  BOOST_CHECK_EQUAL(E("false"), "false");
  BOOST_CHECK_EQUAL(E("'it''s'"), "'it's'");
  BOOST_CHECK_EQUAL(E("''"), "''");
  BOOST_CHECK_EQUAL(E(R"('a\nb\tc\\d\'e')"), "'a\nb\tc\\d'e'");
  // Unknown escapes keep their backslash (LIKE and regex patterns).
  BOOST_CHECK_EQUAL(E(R"('\%\_\d')"), R"('\%\_\d')");
  BOOST_CHECK_EQUAL(E("DATE '2020-01-01'"), "DATE '2020-01-01'");
  BOOST_CHECK_EQUAL(E("time '10:00:00'"), "TIME '10:00:00'");
  BOOST_CHECK_EQUAL(E("TIMESTAMP '2020-01-01 00:00:00'"),
                    "TIMESTAMP '2020-01-01 00:00:00'");
  BOOST_CHECK_EQUAL(E("'a' || 'b'"), "(|| 'a' 'b')");
}

BOOST_AUTO_TEST_CASE(intervals) {
  BOOST_CHECK_EQUAL(E("INTERVAL '4' SECOND"), "INTERVAL '4' SECOND");
  BOOST_CHECK_EQUAL(E("INTERVAL '1' MINUTE"), "INTERVAL '1' MINUTE");
  BOOST_CHECK_EQUAL(E("INTERVAL '2' HOURS"), "INTERVAL '2' HOUR");
  BOOST_CHECK_EQUAL(E("INTERVAL '3' day"), "INTERVAL '3' DAY");
  BOOST_CHECK_EQUAL(E("INTERVAL '1' MONTHS"), "INTERVAL '1' MONTH");
  BOOST_CHECK_EQUAL(E("INTERVAL '1' YEARS"), "INTERVAL '1' YEAR");
  BOOST_CHECK_EQUAL(E("INTERVAL 5 SECONDS"), "INTERVAL '5' SECOND");
  BOOST_CHECK_EQUAL(E("INTERVAL '-5' MINUTE"), "INTERVAL '-5' MINUTE");
  BOOST_CHECK_EQUAL(E("INTERVAL -'5' MINUTE"), "INTERVAL -'5' MINUTE");
  BOOST_CHECK_EQUAL(E("INTERVAL '1-2' YEAR TO MONTH"),
                    "INTERVAL '1-2' YEAR TO MONTH");
  BOOST_CHECK_EQUAL(E("INTERVAL '1 02:03:04' DAY TO SECOND"),
                    "INTERVAL '1 02:03:04' DAY TO SECOND");
  // A bad interval string is the binder's business.
  BOOST_CHECK_EQUAL(E("INTERVAL 'abc' SECOND"), "INTERVAL 'abc' SECOND");
}

BOOST_AUTO_TEST_CASE(identifiers) {
  BOOST_CHECK_EQUAL(Q("SELECT Foo, B.Bar FROM Bar AS B"),
                    "SELECT foo, b.bar FROM bar AS b");
  BOOST_CHECK_EQUAL(E("\"MixedCase\""), "\"MixedCase\"");
  BOOST_CHECK_EQUAL(E("`a``b`"), "\"a`b\"");
  BOOST_CHECK_EQUAL(E("\"a\"\"b\""), "\"a\"b\"");
  BOOST_CHECK_EQUAL(E("`select`"), "\"select\"");
  BOOST_CHECK_EQUAL(E("window_start"), "window_start");
  // Common words stay usable as names.
  const char* words[] = {
      "key",          "value",      "date",      "time",       "timestamp",
      "year",         "month",      "day",       "hour",       "minute",
      "second",       "status",     "type",      "name",       "partition",
      "offset",       "topic",      "headers",   "first",      "last",
      "tables",       "streams",    "views",     "sinks",      "queries",
      "functions",    "properties", "extended",  "emit",       "changes",
      "close",        "window",     "lateness",  "allowed",    "watermark",
      "tumble",       "hop",        "session",   "descriptor", "sink",
      "stream",       "replace",    "reset",     "terminate",  "comment",
      "format",       "data",       "to",        "nulls",      "view",
      "materialized", "enforced",   "precision", "double",     "extract",
      "position",     "substring"};
  for (const char* w : words) {
    BOOST_TEST_CONTEXT(w) {
      std::string sql = std::string("SELECT ") + w + " FROM " + w;
      BOOST_CHECK_EQUAL(Q(sql), sql);
      BOOST_CHECK(ParseStatement(std::string("CREATE STREAM s (") + w +
                                 " INT) WITH (topic = 'x')")
                      .ok());
    }
  }
}

BOOST_AUTO_TEST_CASE(identifier_spans_and_quoting) {
  auto q = ParseQuery("SELECT \"Ab\" FROM t");
  auto* c = static_cast<ast::ColumnRefExpr*>(
      q->query->body->select->items[0].expr.get());
  BOOST_CHECK(c->name.parts[0].quoted);
  CheckSpan(c->name.parts[0].span, 1, 8, 7, 4);
}

BOOST_AUTO_TEST_SUITE_END()

// ----------------------------------------------------------------- Spans

BOOST_AUTO_TEST_SUITE(spans)

BOOST_AUTO_TEST_CASE(node_on_line_three) {
  const std::string sql = "SELECT a\nFROM bids\nWHERE price > 1000;";
  auto stmts = Parse(sql);
  BOOST_REQUIRE_EQUAL(stmts.size(), 1u);
  // Whole statement: 9 + 10 + 18 bytes, without the ';'.
  CheckSpan(stmts[0]->span, 1, 1, 0, 37);
  auto* q = static_cast<ast::QueryStatement*>(stmts[0].get());
  auto* where =
      static_cast<ast::BinaryExpr*>(q->query->body->select->where.get());
  // Line 3 starts at offset 19; "price" at column 7.
  CheckSpan(where->span, 3, 7, 25, 12);
  CheckSpan(where->op_span, 3, 13, 31, 1);
  CheckSpan(where->left->span, 3, 7, 25, 5);
  CheckSpan(where->right->span, 3, 15, 33, 4);
  CheckSpan(q->query->body->select->from->span, 2, 6, 14, 4);
  CheckSpan(q->query->span, 1, 1, 0, 37);
}

BOOST_AUTO_TEST_CASE(columns_count_bytes) {
  // 'é' is two bytes in UTF-8; "SELECT 'é', " is 13 bytes.
  auto q = ParseQuery("SELECT 'é', x FROM t");
  const auto& items = q->query->body->select->items;
  CheckSpan(items[0].expr->span, 1, 8, 7, 4);
  BOOST_CHECK_EQUAL(P(items[0].expr.get()), "'é'");
  CheckSpan(items[1].expr->span, 1, 14, 13, 1);
  auto u = ParseQuery("SELECT \"名前\" FROM t");
  auto* c = static_cast<ast::ColumnRefExpr*>(
      u->query->body->select->items[0].expr.get());
  BOOST_CHECK_EQUAL(c->name.parts[0].name, "名前");
  CheckSpan(c->span, 1, 8, 7, 8);
}

BOOST_AUTO_TEST_CASE(function_and_select_item_spans) {
  auto q = ParseQuery("SELECT SUM(x) AS total FROM t");
  const ast::SelectItem& item = q->query->body->select->items[0];
  CheckSpan(item.span, 1, 8, 7, 15);
  CheckSpan(item.expr->span, 1, 8, 7, 6);
  auto* f = static_cast<ast::FunctionExpr*>(item.expr.get());
  CheckSpan(f->name.span, 1, 8, 7, 3);
  CheckSpan(item.alias->span, 1, 18, 17, 5);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- Errors

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(syntax_error_messages) {
  struct Case {
    std::string sql;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"SELECT * FORM bids", "line 1:10: syntax error at 'FORM'"},
      {"SELECT a FROM",
       "line 1:14: syntax error at end of input; expected one of: '(', "
       "identifier"},
      {"SELECT (1 + 2 FROM t",
       "line 1:15: syntax error at 'FROM'; expected ')'"},
      {"SELECT f(a, b",
       "line 1:14: syntax error at end of input; expected one of: ',', ')'"},
      {"SELECT FROM t",
       "line 1:8: syntax error at 'FROM'; expected one of: an expression, "
       "'DISTINCT', '*'"},
      {"SELEC 1",
       "line 1:1: syntax error at 'SELEC'; expected a statement (SELECT, "
       "CREATE, INSERT, DROP, SHOW, ...)"},
      {"SELECT a FROM t WHERE\n\n",
       "line 1:22: syntax error at end of input; expected an expression"},
      {"SELECT *\nFROM t\nWHERE a = = 1",
       "line 3:11: syntax error at '='; expected an expression"},
      {"CREATE STREAM s (a INT)",
       "line 1:24: syntax error at end of input; expected 'WITH'"},
      {"SELECT a FROM t JOIN u",
       "line 1:23: syntax error at end of input; expected one of: 'ON', "
       "'USING'"},
      {"DROP FOO x",
       "line 1:6: syntax error at 'FOO'; expected one of: 'MATERIALIZED', "
       "'SINK', 'STREAM', 'TABLE', 'VIEW'"},
      {"SET x", "line 1:6: syntax error at end of input; expected '='"},
      {"SELECT a FROM t GROUP a",
       "line 1:23: syntax error at 'a'; expected 'BY'"},
      {"SELECT 1 SELECT 2",
       "line 1:10: syntax error at 'SELECT'; expected ';' before the next "
       "statement"},
      {"SELECT a FROM t LIMIT 'x'",
       "line 1:23: syntax error at ''x''; expected integer"},
      {"SELECT * FROM TUMBLE(t, ts)",
       "line 1:27: syntax error at ')'; expected ','"},
      {"SELECT 1;\n  SELECT CAST(a AS) FROM t",
       "line 2:19: syntax error at ')'; expected one of: 'INTERVAL', "
       "identifier"},
      {"SELECT 'abc", "line 1:8: unterminated string literal"},
      {"SELECT 'it''s", "line 1:8: unterminated string literal"},
      {"SELECT \"abc", "line 1:8: unterminated quoted identifier"},
      {"SELECT a, `b FROM t", "line 1:11: unterminated quoted identifier"},
      {"SELECT a /* x", "line 1:10: unterminated comment"},
      {"SELECT # 1", "line 1:8: unexpected character '#'"},
      {"SELECT 'é' #", "line 1:13: unexpected character '#'"},
      {"SELECT a FROM t LIMIT 1 LIMIT 2", "line 1:25: LIMIT given twice"},
      {"SELECT a FROM t EMIT CHANGES EMIT CHANGES",
       "line 1:30: EMIT given twice"},
      {"CREATE STREAM s WITH (a = 1, A = 2)",
       "line 1:30: option 'a' given twice"},
      {"CREATE OR REPLACE STREAM IF NOT EXISTS s WITH (a = 1)",
       "line 1:26: OR REPLACE and IF NOT EXISTS cannot be used together"},
      {"CREATE TABLE t (a INT, PRIMARY KEY (a), PRIMARY KEY (a)) WITH (x=1)",
       "line 1:41: only one PRIMARY KEY is allowed"},
      {"CREATE SINK s WITH (a = 1) AS SELECT 1 WITH (b = 2)",
       "line 1:40: WITH (...) given twice; write it once, before AS or after "
       "the query"},
      {std::string("SELECT '\xff'"), "line 1:9: invalid UTF-8 byte 0xFF"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.sql) {
      std::string message = Err(c.sql);
      BOOST_CHECK_EQUAL(message, c.message);
      BOOST_CHECK(message.find("mismatched") == std::string::npos);
      BOOST_CHECK(message.find("<EOF>") == std::string::npos);
      BOOST_CHECK(message.find("extraneous") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(errors_carry_the_span_for_a_caret) {
  const std::string sql = "SELECT a\nFROM t\nWHERE x = = 1";
  auto result = ParseScript(sql);
  BOOST_REQUIRE(!result.ok());
  std::optional<SourceSpan> span = ErrorSpan(result.status());
  BOOST_REQUIRE(span.has_value());
  // Line 3 starts at offset 16; the second '=' is at column 11.
  CheckSpan(*span, 3, 11, 26, 1);
  BOOST_CHECK_EQUAL(FormatError(result.status(), sql),
                    "line 3:11: syntax error at '='; expected an expression\n"
                    "WHERE x = = 1\n"
                    "          ^");
}

BOOST_AUTO_TEST_CASE(semantic_checks_in_the_transformer) {
  BOOST_CHECK(Err("SELECT * FROM TUMBLE(t, ts, INTERVAL '1' SECOND, INTERVAL "
                  "'1' SECOND, INTERVAL '1' SECOND)")
                  .starts_with("line 1:15: TUMBLE takes"));
  BOOST_CHECK(Err("SELECT * FROM SESSION(t, ts, INTERVAL '1' SECOND, "
                  "INTERVAL '1' SECOND)")
                  .starts_with("line 1:15: SESSION takes"));
  BOOST_CHECK(Err("SELECT * FROM HOP(t, ts, INTERVAL '1' SECOND)")
                  .starts_with("line 1:15: HOP takes"));
  BOOST_CHECK(Err("SELECT INTERVAL '1' YEAR TO DAY")
                  .starts_with("line 1:29: invalid interval qualifier YEAR "
                               "TO DAY"));
  BOOST_CHECK(Err("CREATE STREAM s (a DECIMAL(99999999999999999999)) WITH "
                  "(x = 1)")
                  .starts_with("line 1:28: type parameter"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- Limits

BOOST_AUTO_TEST_SUITE(limits)

// Parses `sql`, which must fail with `expected` in its message (and without
// overflowing the stack). How long that takes is a benchmark's business, not
// a test's: these machines are noisy.
void ExpectLimitError(const std::string& sql, const std::string& expected) {
  auto result = ParseScript(sql);
  BOOST_REQUIRE(!result.ok());
  BOOST_CHECK_MESSAGE(std::string(result.status().message()).find(expected) !=
                          std::string::npos,
                      result.status().message());
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

constexpr int kHuge = 100000;

BOOST_AUTO_TEST_CASE(deep_parentheses) {
  // The 201st '(' is the offending token: "SELECT " is 7 bytes.
  ExpectLimitError("SELECT " + Repeat("(", kHuge) + "1" + Repeat(")", kHuge),
                   "line 1:208: nesting too deep (more than 200 levels)");
  // Exactly 200 levels are fine.
  auto ok = ParseScript("SELECT " + Repeat("(", 200) + "1" + Repeat(")", 200));
  BOOST_CHECK(ok.ok());
}

BOOST_AUTO_TEST_CASE(deep_subqueries_and_case) {
  ExpectLimitError("SELECT * FROM " + Repeat("(SELECT * FROM ", kHuge) + "t" +
                       Repeat(") s", kHuge),
                   "nesting too deep (more than 200 levels)");
  ExpectLimitError("SELECT " + Repeat("CASE WHEN TRUE THEN ", kHuge) + "1" +
                       Repeat(" END", kHuge),
                   "nesting too deep (more than 200 levels)");
  auto ok = ParseScript("SELECT * FROM " + Repeat("(SELECT * FROM ", 199) +
                        "t" + Repeat(") s", 199));
  BOOST_CHECK(ok.ok());
}

// Long chains within the token limit reach the depth limit of 1000 levels.
constexpr int kLong = 20000;

BOOST_AUTO_TEST_CASE(long_operator_chains) {
  std::string plus = "SELECT 1";
  for (int i = 1; i < kLong; ++i) plus += "+1";
  ExpectLimitError(plus,
                   "line 1:8: expression too deep (more than 1000 "
                   "levels)");
  std::string ands = "SELECT * FROM t WHERE a = 1";
  for (int i = 1; i < kLong / 4; ++i) ands += " AND a = 1";
  ExpectLimitError(ands, "expression too deep");
  // 1000 terms make 999 nested additions, one level below the query's own:
  // allowed; 1001 terms are not.
  std::string ok = "SELECT 1";
  for (int i = 1; i < 1000; ++i) ok += "+1";
  BOOST_CHECK(ParseScript(ok).ok());
  ExpectLimitError(ok + "+1", "line 1:8: expression too deep");
}

BOOST_AUTO_TEST_CASE(long_prefix_chains) {
  ExpectLimitError("SELECT " + Repeat("- ", kHuge) + "1",
                   "expression too deep");
  ExpectLimitError("SELECT " + Repeat("NOT ", kHuge) + "TRUE",
                   "expression too deep");
  // Mixed with parentheses, so that neither limit alone catches it.
  ExpectLimitError(
      "SELECT " + Repeat(Repeat("- ", 900) + "(", 150) + "1" + Repeat(")", 150),
      "expression too deep");
  BOOST_CHECK(ParseScript("SELECT " + Repeat("NOT (- (", 100) +
                          Repeat("- ", 590) + "1" + Repeat("))", 100))
                  .ok());
}

BOOST_AUTO_TEST_CASE(long_union_and_join_chains) {
  std::string unions = "SELECT 1";
  for (int i = 1; i < kLong / 4; ++i) unions += " UNION ALL SELECT 1";
  ExpectLimitError(unions, "too deep");
  ExpectLimitError("SELECT * FROM t" + Repeat(" JOIN t ON TRUE", kLong / 5),
                   "too deep");
  ExpectLimitError("EXPLAIN " + Repeat("EXPLAIN ", kLong) + "SELECT 1",
                   "syntax error at 'EXPLAIN'");
}

BOOST_AUTO_TEST_CASE(statement_token_limit) {
  // "SELECT 1" and 49,999 ",1": 2 + 99,998 = 100,000 tokens, the limit.
  std::string at_limit = "SELECT 1" + Repeat(",1", 49999);
  BOOST_CHECK(ParseScript(at_limit + ";").ok());
  // One more token is too many; the error points at the statement.
  auto over = ParseScript("SELECT 1;\n" + at_limit + ",");
  BOOST_REQUIRE(!over.ok());
  BOOST_CHECK_EQUAL(over.status().message(),
                    "line 2:1: statement too long (more than 100000 tokens); "
                    "split it into several statements");
  // The limit is per statement: two statements at the limit are fine.
  BOOST_CHECK(ParseScript(at_limit + ";" + at_limit).ok());
}

// Runs `work` in a child process and returns the child's peak resident set
// in KiB (ru_maxrss), which starts at what the child shares with this
// process at the fork.
long PeakKibInChild(const std::function<void()>& work) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    work();
    _exit(0);
  }
  int status = 0;
  struct rusage usage {};
  BOOST_REQUIRE(wait4(pid, &status, 0, &usage) == pid);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_REQUIRE_EQUAL(WEXITSTATUS(status), 0);
  return usage.ru_maxrss;
}

BOOST_AUTO_TEST_CASE(a_huge_chain_fails_in_bounded_memory) {
  // The script of issue 8: SELECT 1+1+...+1 with 3M terms, 6 MB. Parsed
  // whole it grew to 3.4 GB before failing. The child reports the error it
  // got through its exit status (0 when it is the statement limit).
  auto parse_huge = [] {
    std::string sql = "SELECT 1";
    sql.reserve(6000010);
    for (int i = 1; i < 3000000; ++i) sql += "+1";
    sql += ";\n";
    auto result = ParseScript(sql);
    const bool limit =
        !result.ok() && std::string(result.status().message())
                            .starts_with(
                                "line 1:1: statement too long (more "
                                "than 100000 tokens)");
    if (!limit) _exit(1);
  };
  const long baseline = PeakKibInChild([] {
    if (!ParseScript("SELECT 1+1;").ok()) _exit(1);
  });
  const long huge = PeakKibInChild(parse_huge);
  BOOST_TEST_MESSAGE("peak RSS: " << baseline << " KiB for SELECT 1+1, " << huge
                                  << " KiB for the 6 MB chain");
  // The script (6 MB) and its decoded characters (24 MB) must be held; the
  // bound leaves room for the allocator and sanitizers, and is a tenth of
  // what the parse took before statements were limited.
  BOOST_TEST(huge - baseline < 340 * 1024);
}

BOOST_AUTO_TEST_CASE(wide_lists_are_fine) {
  std::string in = "SELECT * FROM t WHERE a IN (1";
  for (int i = 1; i < 20000; ++i) in += ", 1";
  BOOST_CHECK(ParseScript(in + ")").ok());
}

BOOST_AUTO_TEST_CASE(script_size_limit) {
  std::string big(kMaxScriptBytes + 1, ' ');
  auto result = ParseScript(big);
  BOOST_REQUIRE(!result.ok());
  BOOST_CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weir::sql
