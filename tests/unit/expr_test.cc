#define BOOST_TEST_MODULE expr_test
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/expr/aggregates.h"
#include "engine/expr/bound_expr.h"
#include "engine/expr/function_registry.h"
#include "engine/expr/functions.h"
#include "engine/types/batch.h"
#include "engine/types/value.h"

namespace weir::types {
// How Boost.Test prints a Value in a failed check.
std::ostream& operator<<(std::ostream& out, const Value& v) {
  return out << v.ToString() << " (" << v.type().ToString() << ")";
}
}  // namespace weir::types

using namespace weir;
using namespace weir::expr;
using types::LogicalType;
using types::Value;
namespace ei = weir::expr::internal;

namespace {

std::string Message(const absl::Status& s) { return std::string(s.message()); }

BoundExprPtr I(int32_t v) { return MakeLiteral(Value::Int(v)); }
BoundExprPtr Big(int64_t v) { return MakeLiteral(Value::Bigint(v)); }
BoundExprPtr S(std::string v) {
  return MakeLiteral(Value::Varchar(std::move(v)));
}
BoundExprPtr D(double v) { return MakeLiteral(Value::Double(v)); }
BoundExprPtr B(bool v) { return MakeLiteral(Value::Boolean(v)); }
BoundExprPtr Null() { return MakeLiteral(Value()); }
BoundExprPtr NullOf(LogicalType t) { return MakeLiteral(Value::Null(t)); }
BoundExprPtr Dec(const std::string& text) {
  return MakeLiteral(*types::ParseDecimalLiteral(text));
}
BoundExprPtr Ts(const std::string& text, int p) {
  return MakeLiteral(Value::Timestamp(*types::ParseTimestamp(text), p));
}
BoundExprPtr Date(const std::string& text) {
  return MakeLiteral(Value::Date(*types::ParseDate(text)));
}
BoundExprPtr Interval(int32_t months, int64_t micros) {
  return MakeLiteral(Value::Interval({months, micros}));
}
BoundExprPtr Cast(BoundExprPtr e, LogicalType t, bool try_cast = false) {
  return MakeCast(std::move(e), t, try_cast);
}

// What the binder does: resolve, cast the arguments, build the call.
BoundExprPtr Call(const std::string& name, std::vector<BoundExprPtr> args) {
  std::vector<LogicalType> types;
  for (const auto& a : args) types.push_back(a->type);
  auto r = ResolveScalar(name, types);
  BOOST_REQUIRE_MESSAGE(r.ok(), name + ": " + Message(r.status()));
  BOOST_REQUIRE_EQUAL(r->arg_types.size(), args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    args[i] = MakeCast(args[i], r->arg_types[i]);
  }
  return MakeCall(r->function, std::move(args), r->result, true);
}

std::string Eval(const BoundExprPtr& e) {
  auto v = EvaluateConstant(*e);
  return v.ok() ? v->ToString() : "error: " + Message(v.status());
}

std::string F(const std::string& name, std::vector<BoundExprPtr> args) {
  return Eval(Call(name, std::move(args)));
}

std::string TypeOf(const std::string& name, std::vector<LogicalType> args) {
  auto r = ResolveScalar(name, args);
  return r.ok() ? r->result.ToString() : "error: " + Message(r.status());
}

LogicalType DecT(int p, int s) { return LogicalType::DecimalOrDie(p, s); }
LogicalType TsT(int p) { return LogicalType::TimestampOrDie(p); }
const LogicalType kInt = LogicalType::Int();
const LogicalType kBigint = LogicalType::Bigint();
const LogicalType kDouble = LogicalType::Double();
const LogicalType kVarchar = LogicalType::Varchar();

}  // namespace

BOOST_AUTO_TEST_SUITE(resolution)

BOOST_AUTO_TEST_CASE(errors) {
  BOOST_TEST(Message(ResolveScalar("FOO", {}).status()) ==
             "unknown function 'FOO'");
  BOOST_TEST(Message(ResolveScalar("foo", {kInt}).status()) ==
             "unknown function 'FOO'");
  BOOST_TEST(Message(ResolveScalar("UPPER", {kInt}).status()) ==
             "function UPPER does not accept (INT); expected (VARCHAR)");
  BOOST_TEST(Message(ResolveScalar("substring", {kInt}).status()) ==
             "function SUBSTRING does not accept (INT); expected (VARCHAR, "
             "BIGINT) or (VARCHAR, BIGINT, BIGINT)");
  BOOST_TEST(Message(ResolveScalar("=", {kVarchar, kInt}).status()) ==
             "operator = does not accept (VARCHAR, INT); expected (T, T) for "
             "two types with a common type");
  BOOST_TEST(Message(ResolveScalar("/", {kVarchar, kInt}).status()) ==
             "operator / does not accept (VARCHAR, INT); expected (numeric, "
             "numeric)");
  BOOST_TEST(ResolveScalar("UPPER", {kInt}).status().code() ==
             absl::StatusCode::kInvalidArgument);
  // no silent string -> number
  BOOST_TEST(!ResolveScalar("+", {kVarchar, kInt}).ok());
  BOOST_TEST(!ResolveScalar("ABS", {kVarchar}).ok());
}

BOOST_AUTO_TEST_CASE(synonyms_and_flags) {
  BOOST_TEST(ResolveScalar("lcase", {kVarchar})->function == "LOWER");
  BOOST_TEST(ResolveScalar("UCASE", {kVarchar})->function == "UPPER");
  BOOST_TEST(ResolveScalar("substr", {kVarchar, kInt})->function ==
             "SUBSTRING");
  BOOST_TEST(ResolveScalar("CEILING", {kDouble})->function == "CEIL");
  BOOST_TEST(ResolveScalar("POW", {kDouble, kInt})->function == "POWER");
  BOOST_TEST(ResolveScalar("CHAR_LENGTH", {kVarchar})->function == "LENGTH");
  BOOST_TEST(ResolveScalar("!=", {kInt, kInt})->function == "<>");
  BOOST_TEST(ResolveScalar("UPPER", {kVarchar})->null_if_any_null);
  BOOST_TEST(!ResolveScalar("IS NULL", {kInt})->null_if_any_null);
  BOOST_TEST(!ResolveScalar("IS NOT NULL", {kInt})->null_if_any_null);
  BOOST_TEST(
      !ResolveScalar("AND", {LogicalType::Boolean(), LogicalType::Boolean()})
           ->null_if_any_null);
  BOOST_TEST(!ResolveScalar("OR", {LogicalType::Null(), LogicalType::Boolean()})
                  ->null_if_any_null);
  BOOST_TEST(!ResolveScalar("COALESCE", {kInt, kInt})->null_if_any_null);
  BOOST_TEST(
      !ResolveScalar("CONCAT_WS", {kVarchar, kVarchar})->null_if_any_null);
  BOOST_TEST(ResolveScalar("CONCAT", {kVarchar, kVarchar})->null_if_any_null);
  BOOST_TEST(
      !ResolveScalar("IS DISTINCT FROM", {kInt, kInt})->null_if_any_null);
  BOOST_TEST(
      Message(
          ResolveScalar("is not distinct from", {kInt, kVarchar}).status()) ==
      "operator IS NOT DISTINCT FROM does not accept (INT, VARCHAR); "
      "expected (T, T) for two types with a common type");
  BOOST_TEST(!IsDeterministic("NOW"));
  BOOST_TEST(!IsDeterministic("current_timestamp"));
  BOOST_TEST(!IsDeterministic("CURRENT_DATE"));
  BOOST_TEST(IsDeterministic("UPPER"));
}

BOOST_AUTO_TEST_CASE(arithmetic_types) {
  BOOST_TEST(TypeOf("+", {kInt, kInt}) == "INT");
  BOOST_TEST(TypeOf("*", {kInt, kBigint}) == "BIGINT");
  BOOST_TEST(TypeOf("/", {kBigint, kBigint}) == "BIGINT");
  BOOST_TEST(TypeOf("-", {kDouble, kInt}) == "DOUBLE");
  BOOST_TEST(TypeOf("+", {DecT(10, 2), kDouble}) == "DOUBLE");
  // + -: scale max(2, 4) = 4; integer digits max(8, 1) + 1 = 9
  BOOST_TEST(TypeOf("+", {DecT(10, 2), DecT(5, 4)}) == "DECIMAL(13, 4)");
  BOOST_TEST(TypeOf("-", {DecT(10, 2), DecT(5, 4)}) == "DECIMAL(13, 4)");
  // INT is DECIMAL(10, 0): integer digits max(10, 3) + 1 = 11, scale 2
  BOOST_TEST(TypeOf("+", {kInt, DecT(5, 2)}) == "DECIMAL(13, 2)");
  // *: p1 + p2, s1 + s2
  BOOST_TEST(TypeOf("*", {DecT(10, 2), DecT(5, 4)}) == "DECIMAL(15, 6)");
  // * beyond 38: 20 integer digits remain, scale 20 shrinks to 18
  BOOST_TEST(TypeOf("*", {DecT(20, 10), DecT(20, 10)}) == "DECIMAL(38, 18)");
  // * with 36 integer digits: scale keeps min(20, 6) = 6 digits
  BOOST_TEST(TypeOf("*", {DecT(28, 10), DecT(28, 10)}) == "DECIMAL(38, 6)");
  // /: scale max(6, 2 + 10 + 1) = 13, precision 10 - 2 + 2 + 13 = 23
  BOOST_TEST(TypeOf("/", {DecT(10, 2), DecT(10, 2)}) == "DECIMAL(23, 13)");
  BOOST_TEST(TypeOf("/", {DecT(1, 0), DecT(1, 0)}) == "DECIMAL(7, 6)");
  // %: scale max, integer digits min
  BOOST_TEST(TypeOf("%", {DecT(10, 2), DecT(5, 1)}) == "DECIMAL(6, 2)");
  auto r = ResolveScalar("+", {kInt, DecT(1, 1)});
  BOOST_TEST(r->arg_types[0].ToString() == "DECIMAL(10, 0)");
  BOOST_TEST(r->arg_types[1].ToString() == "DECIMAL(1, 1)");
  BOOST_TEST(r->result.ToString() == "DECIMAL(12, 1)");
  BOOST_TEST(TypeOf("+", {TsT(3), LogicalType::Interval()}) == "TIMESTAMP(3)");
  BOOST_TEST(TypeOf("+", {LogicalType::Interval(), TsT(6)}) == "TIMESTAMP(6)");
  BOOST_TEST(TypeOf("-", {TsT(3), LogicalType::Interval()}) == "TIMESTAMP(3)");
  BOOST_TEST(TypeOf("+", {LogicalType::Date(), LogicalType::Interval()}) ==
             "TIMESTAMP(0)");
  BOOST_TEST(TypeOf("-", {TsT(3), TsT(0)}) == "INTERVAL");
  BOOST_TEST(TypeOf("-", {LogicalType::Date(), LogicalType::Date()}) == "INT");
  BOOST_TEST(TypeOf("+", {LogicalType::Date(), kInt}) == "DATE");
  BOOST_TEST(TypeOf("*", {LogicalType::Interval(), kInt}) == "INTERVAL");
  BOOST_TEST(TypeOf("-", {LogicalType::Interval(), LogicalType::Interval()}) ==
             "INTERVAL");
  BOOST_TEST(TypeOf("NEGATE", {DecT(5, 2)}) == "DECIMAL(5, 2)");
}

BOOST_AUTO_TEST_CASE(other_types) {
  BOOST_TEST(TypeOf("=", {kInt, DecT(5, 2)}) == "BOOLEAN");
  BOOST_TEST(ResolveScalar("<", {kInt, kBigint})->arg_types[0].ToString() ==
             "BIGINT");
  BOOST_TEST(TypeOf("=", {LogicalType::Date(), TsT(3)}) == "BOOLEAN");
  BOOST_TEST(TypeOf("AND", {LogicalType::Boolean(), kInt}).rfind("error", 0) ==
             0);
  BOOST_TEST(TypeOf("||", {kVarchar, kVarchar}) == "VARCHAR");
  BOOST_TEST(TypeOf("LIKE", {kVarchar, kVarchar, kVarchar}) == "BOOLEAN");
  BOOST_TEST(TypeOf("COALESCE", {kInt, DecT(2, 1)}) == "DECIMAL(11, 1)");
  BOOST_TEST(TypeOf("COALESCE", {kInt, kVarchar}).rfind("error", 0) == 0);
  BOOST_TEST(TypeOf("IF", {LogicalType::Boolean(), kInt, kBigint}) == "BIGINT");
  BOOST_TEST(TypeOf("GREATEST", {kInt, kDouble, kBigint}) == "DOUBLE");
  BOOST_TEST(TypeOf("ROUND", {DecT(6, 4)}) == "DECIMAL(3, 0)");
  BOOST_TEST(TypeOf("ROUND", {DecT(6, 4), kInt}) == "DECIMAL(7, 4)");
  BOOST_TEST(TypeOf("CEIL", {DecT(5, 2)}) == "DECIMAL(4, 0)");
  BOOST_TEST(TypeOf("SQRT", {kInt}) == "DOUBLE");
  BOOST_TEST(TypeOf("LENGTH", {kVarchar}) == "INT");
  BOOST_TEST(TypeOf("EXTRACT", {kVarchar, TsT(3)}) == "BIGINT");
  BOOST_TEST(TypeOf("TO_TIMESTAMP", {kVarchar}) == "TIMESTAMP(3)");
  BOOST_TEST(TypeOf("FROM_UNIXTIME", {kInt}) == "TIMESTAMP(0)");
  BOOST_TEST(TypeOf("UNIX_TIMESTAMP", {TsT(3)}) == "BIGINT");
  BOOST_TEST(TypeOf("DATE_TRUNC", {kVarchar, TsT(6)}) == "TIMESTAMP(6)");
  BOOST_TEST(TypeOf("NOW", {}) == "TIMESTAMP(3)");
  BOOST_TEST(TypeOf("CURRENT_DATE", {}) == "DATE");
  BOOST_TEST(TypeOf("JSON_EXISTS", {kVarchar, kVarchar}) == "BOOLEAN");
  BOOST_TEST(TypeOf("IS NULL", {kVarchar}) == "BOOLEAN");
  BOOST_TEST(TypeOf("UPPER", {LogicalType::Null()}) == "VARCHAR");
}

BOOST_AUTO_TEST_CASE(aggregates) {
  auto star = ResolveAggregate("count", {}, false, true);
  BOOST_REQUIRE(star.ok());
  BOOST_TEST(star->function == "COUNT");
  BOOST_TEST(star->result.ToString() == "BIGINT");
  BOOST_TEST(star->state == "count");
  BOOST_TEST(star->retractable_cheaply);
  auto cd = ResolveAggregate("COUNT", {kVarchar}, true, false);
  BOOST_TEST(cd->function == "COUNT_DISTINCT");
  BOOST_TEST(cd->state == "distinct value set");
  BOOST_TEST(!cd->retractable_cheaply);
  auto sum = [](std::vector<LogicalType> a, const char* f = "SUM") {
    auto r = ResolveAggregate(f, a, false, false);
    return r.ok() ? r->result.ToString() : "error: " + Message(r.status());
  };
  BOOST_TEST(sum({kInt}) == "BIGINT");
  BOOST_TEST(sum({kBigint}) == "BIGINT");
  BOOST_TEST(sum({DecT(10, 2)}) == "DECIMAL(38, 2)");
  BOOST_TEST(sum({kDouble}) == "DOUBLE");
  BOOST_TEST(sum({kInt}, "AVG") == "DECIMAL(38, 6)");
  BOOST_TEST(sum({DecT(10, 2)}, "AVG") == "DECIMAL(38, 6)");
  BOOST_TEST(sum({DecT(20, 8)}, "AVG") == "DECIMAL(38, 8)");
  BOOST_TEST(sum({kDouble}, "AVG") == "DOUBLE");
  BOOST_TEST(sum({kVarchar}, "MIN") == "VARCHAR");
  BOOST_TEST(sum({TsT(3)}, "MAX") == "TIMESTAMP(3)");
  BOOST_TEST(sum({LogicalType::Boolean()}, "MAX") == "BOOLEAN");
  BOOST_TEST(
      sum({kVarchar}) ==
      "error: function SUM does not accept (VARCHAR); expected (numeric)");
  BOOST_TEST(sum({kInt}, "MEDIAN") ==
             "error: unknown aggregate function 'MEDIAN'");
  BOOST_TEST(sum({kInt, kInt}, "COUNT").rfind("error: function COUNT", 0) == 0);
  auto avg = ResolveAggregate("AVG", {kInt}, false, false);
  BOOST_TEST(avg->state == "sum+count");
  auto mx = ResolveAggregate("max", {kInt}, false, false);
  BOOST_TEST(mx->state == "value multiset");
  BOOST_TEST(!mx->retractable_cheaply);
  auto sd = ResolveAggregate("SUM", {kInt}, true, false);
  BOOST_TEST(sd->state == "distinct value set");
  BOOST_TEST(IsAggregateFunction("sum"));
  BOOST_TEST(IsAggregateFunction("COUNT"));
  BOOST_TEST(!IsAggregateFunction("UPPER"));
  BOOST_TEST(IsWindowFunction("row_number"));
  BOOST_TEST(IsWindowFunction("DENSE_RANK"));
  BOOST_TEST(!IsWindowFunction("SUM"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(registry)

// Every type combination a registered function's type rule accepts (up to
// three arguments drawn from a palette of types) must get a batch kernel;
// only the special forms, which the evaluator compiles itself, have none.
BOOST_AUTO_TEST_CASE(every_accepted_signature_has_a_batch_kernel) {
  const std::vector<LogicalType> palette = {LogicalType::Null(),
                                            LogicalType::Boolean(),
                                            kInt,
                                            kBigint,
                                            kDouble,
                                            DecT(10, 2),
                                            DecT(38, 6),
                                            DecT(38, 0),
                                            DecT(1, 1),
                                            kVarchar,
                                            LogicalType::Bytes(),
                                            LogicalType::Date(),
                                            LogicalType::Time(),
                                            TsT(0),
                                            TsT(3),
                                            TsT(6),
                                            LogicalType::Interval()};
  size_t checked = 0;
  std::string missing;
  for (const ei::ScalarFunction& f : ei::ScalarFunctions().functions()) {
    if (f.form != ei::SpecialForm::kNone) {
      BOOST_TEST(!f.kernel, f.name);
      continue;
    }
    BOOST_TEST(static_cast<bool>(f.kernel), f.name);
    std::vector<LogicalType> args;
    std::function<void(size_t)> walk = [&](size_t arity) {
      if (args.size() == arity) {
        for (const ei::Overload& o : f.overloads) {
          std::optional<ei::Match> m = o.match(args);
          if (!m) continue;
          std::vector<BoundExprPtr> cols;
          bool null_arg = false;
          for (size_t i = 0; i < m->arg_types.size(); ++i) {
            cols.push_back(
                MakeColumn(static_cast<int>(i), "c", m->arg_types[i], true));
            null_arg = null_arg || m->arg_types[i].IsNull();
          }
          // A NULL argument of a function with default NULL handling, or a
          // NULL result, is NULL without a kernel.
          if ((null_arg && f.nulls == ei::NullHandling::kDefault) ||
              m->result.IsNull()) {
            break;
          }
          auto call = MakeCall(f.name, cols, m->result, true);
          ++checked;
          auto k = f.kernel(ei::KernelBinding(
              *call, std::vector<const Value*>(cols.size(), nullptr)));
          if (!k.ok()) missing += std::string(k.status().message()) + "\n";
          break;  // the first matching overload is the one used
        }
        return;
      }
      for (const LogicalType& t : palette) {
        args.push_back(t);
        walk(arity);
        args.pop_back();
      }
    };
    for (size_t arity = 0; arity <= 3; ++arity) walk(arity);
  }
  BOOST_TEST(missing.empty(), missing);
  BOOST_TEST_MESSAGE("kernels bound for " << checked << " signatures");
  BOOST_TEST(checked > 100u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(aggregate_kernels)

// Aggregates over a column of hand-written values: each test adds and
// retracts rows of one column into group states and reads the results,
// which are worked out by hand.

types::Column ColumnOf(LogicalType t, const std::vector<Value>& values) {
  types::Column c(t);
  for (const Value& v : values) c.Append(v);
  return c;
}

std::unique_ptr<AggregateKernel> Agg(const std::string& name,
                                     std::vector<LogicalType> args,
                                     bool distinct = false, bool star = false) {
  auto r = ResolveAggregate(name, args, distinct, star);
  BOOST_REQUIRE_MESSAGE(r.ok(), name + ": " + Message(r.status()));
  auto k = MakeAggregateKernel(*r);
  BOOST_REQUIRE_MESSAGE(k.ok(), name + ": " + Message(k.status()));
  return *std::move(k);
}

/// Adds (or retracts) `rows` of `c` to one state.
absl::Status Feed(const AggregateKernel& k, const types::Column* c,
                  AggregateState* state, std::vector<uint32_t> rows,
                  bool retract = false) {
  std::vector<AggregateState*> states(rows.size(), state);
  return k.Update(c, rows, states, retract);
}

Value ResultOf(const AggregateKernel& k, const AggregateState& s) {
  auto v = k.Result(s);
  BOOST_REQUIRE_MESSAGE(v.ok(), Message(v.status()));
  return *v;
}

std::string ErrorOf(const AggregateKernel& k, const AggregateState& s) {
  auto v = k.Result(s);
  return v.ok() ? "value " + v->ToString() : Message(v.status());
}

BOOST_AUTO_TEST_CASE(count_counts_rows_or_values_and_retracts) {
  auto star = Agg("COUNT", {}, false, true);
  auto s = star->NewState();
  BOOST_TEST(ResultOf(*star, *s) == Value::Bigint(0));
  types::Column none(LogicalType::Int());
  BOOST_REQUIRE(Feed(*star, nullptr, s.get(), {0, 1, 2, 3, 4}).ok());
  BOOST_REQUIRE(Feed(*star, nullptr, s.get(), {1, 2}, true).ok());
  BOOST_TEST(ResultOf(*star, *s) == Value::Bigint(3));

  auto count = Agg("COUNT", {kInt});
  types::Column c =
      ColumnOf(kInt, {Value::Int(1), Value::Null(kInt), Value::Int(3),
                      Value::Null(kInt), Value::Int(5)});
  auto x = count->NewState();
  BOOST_REQUIRE(Feed(*count, &c, x.get(), {0, 1, 2, 3, 4}).ok());
  BOOST_TEST(ResultOf(*count, *x) == Value::Bigint(3));
  BOOST_REQUIRE(Feed(*count, &c, x.get(), {0, 1}, true).ok());  // NULL: none
  BOOST_TEST(ResultOf(*count, *x) == Value::Bigint(2));

  auto empty = count->NewState();
  absl::Status st = Feed(*count, &c, empty.get(), {0}, true);
  BOOST_TEST((st.code() == absl::StatusCode::kFailedPrecondition));
  BOOST_TEST(Message(st) == "COUNT: retracted a row that was not added");
}

BOOST_AUTO_TEST_CASE(rows_of_one_batch_go_to_their_own_groups) {
  auto count = Agg("SUM", {kInt});  // INT is summed as BIGINT
  types::Column c = ColumnOf(kBigint, {Value::Bigint(10), Value::Bigint(20),
                                       Value::Bigint(30), Value::Bigint(40)});
  auto g0 = count->NewState(), g1 = count->NewState();
  std::vector<uint32_t> rows = {0, 1, 2, 3};
  std::vector<AggregateState*> states = {g0.get(), g1.get(), g0.get(),
                                         g1.get()};
  BOOST_REQUIRE(count->Update(&c, rows, states, false).ok());
  BOOST_TEST(ResultOf(*count, *g0) == Value::Bigint(40));
  BOOST_TEST(ResultOf(*count, *g1) == Value::Bigint(60));
}

BOOST_AUTO_TEST_CASE(integer_and_decimal_sums_are_exact_in_any_order) {
  auto sum = Agg("SUM", {kBigint});
  types::Column c = ColumnOf(
      kBigint, {Value::Bigint(INT64_MAX), Value::Bigint(1), Value::Bigint(-2)});
  auto s = sum->NewState();
  BOOST_TEST(ResultOf(*sum, *s) == Value::Null(kBigint));
  // 2^63 does not fit BIGINT: an error when read, not when added ...
  BOOST_REQUIRE(Feed(*sum, &c, s.get(), {0, 1}).ok());
  BOOST_TEST(ErrorOf(*sum, *s) == "integer overflow in SUM");
  // ... so adding -2 brings it back: 2^63 - 2.
  BOOST_REQUIRE(Feed(*sum, &c, s.get(), {2}).ok());
  BOOST_TEST(ResultOf(*sum, *s) == Value::Bigint(9223372036854775806LL));
  BOOST_REQUIRE(Feed(*sum, &c, s.get(), {0}, true).ok());
  BOOST_TEST(ResultOf(*sum, *s) == Value::Bigint(-1));

  // Three values of 38 nines at scale 2 sum to more than 2^127.
  __int128 nines = 1;
  for (int i = 0; i < 38; ++i) nines *= 10;
  nines -= 1;
  auto dsum = Agg("SUM", {DecT(38, 2)});
  BOOST_TEST(dsum->call().result.ToString() == "DECIMAL(38, 2)");
  types::Column d = ColumnOf(
      DecT(38, 2),
      {Value::Decimal(nines, DecT(38, 2)), Value::Decimal(nines, DecT(38, 2)),
       Value::Decimal(nines, DecT(38, 2)), Value::Decimal(-5, DecT(38, 2))});
  auto ds = dsum->NewState();
  BOOST_REQUIRE(Feed(*dsum, &d, ds.get(), {0, 1, 2}).ok());
  BOOST_TEST(ErrorOf(*dsum, *ds) ==
             "DECIMAL overflow: value does not fit DECIMAL(38, 2)");
  BOOST_REQUIRE(Feed(*dsum, &d, ds.get(), {1, 2}, true).ok());
  BOOST_TEST(ResultOf(*dsum, *ds) == Value::Decimal(nines, DecT(38, 2)));
  BOOST_REQUIRE(Feed(*dsum, &d, ds.get(), {3}).ok());
  BOOST_TEST(ResultOf(*dsum, *ds) == Value::Decimal(nines - 5, DecT(38, 2)));
}

BOOST_AUTO_TEST_CASE(averages_are_exact_and_round_half_away_from_zero) {
  auto avg = Agg("AVG", {kInt});
  BOOST_TEST(avg->call().result.ToString() == "DECIMAL(38, 6)");
  auto of = [&](std::vector<int64_t> values) {
    std::vector<Value> v;
    for (int64_t x : values) v.push_back(Value::Bigint(x));
    types::Column c = ColumnOf(kBigint, v);
    auto s = avg->NewState();
    std::vector<uint32_t> rows;
    for (uint32_t r = 0; r < values.size(); ++r) rows.push_back(r);
    BOOST_REQUIRE(Feed(*avg, &c, s.get(), rows).ok());
    return ResultOf(*avg, *s);
  };
  const LogicalType d386 = DecT(38, 6);
  BOOST_TEST(of({1, 2}) == Value::Decimal(1500000, d386));
  BOOST_TEST(of({1, 2, 2}) == Value::Decimal(1666667, d386));  // 5/3
  BOOST_TEST(of({-1, -2}) == Value::Decimal(-1500000, d386));
  // 1/128 = 0.0078125: the seventh digit is a 5, so it rounds up.
  std::vector<int64_t> one_in_128(128, 0);
  one_in_128[0] = 1;
  BOOST_TEST(of(one_in_128) == Value::Decimal(7813, d386));
  one_in_128[0] = -1;
  BOOST_TEST(of(one_in_128) == Value::Decimal(-7813, d386));

  auto davg = Agg("AVG", {DecT(10, 2)});
  types::Column d = ColumnOf(DecT(10, 2), {Value::Decimal(1, DecT(10, 2)),
                                           Value::Decimal(2, DecT(10, 2))});
  auto ds = davg->NewState();
  BOOST_REQUIRE(Feed(*davg, &d, ds.get(), {0, 1}).ok());
  BOOST_TEST(ResultOf(*davg, *ds) == Value::Decimal(15000, d386));  // 0.015

  auto favg = Agg("AVG", {kDouble});
  types::Column f = ColumnOf(kDouble, {Value::Double(1.0), Value::Double(2.0)});
  auto fs = favg->NewState();
  BOOST_REQUIRE(Feed(*favg, &f, fs.get(), {0, 1}).ok());
  BOOST_TEST(ResultOf(*favg, *fs) == Value::Double(1.5));
}

BOOST_AUTO_TEST_CASE(double_sums_count_nan_and_infinity_apart) {
  auto sum = Agg("SUM", {kDouble});
  const double inf = std::numeric_limits<double>::infinity();
  types::Column c =
      ColumnOf(kDouble, {Value::Double(1.5), Value::Double(inf),
                         Value::Double(std::nan("")), Value::Double(1e308)});
  auto s = sum->NewState();
  BOOST_REQUIRE(Feed(*sum, &c, s.get(), {0, 1, 2}).ok());
  BOOST_TEST(std::isnan(ResultOf(*sum, *s).dbl()));
  BOOST_REQUIRE(Feed(*sum, &c, s.get(), {2}, true).ok());
  BOOST_TEST(ResultOf(*sum, *s) == Value::Double(inf));
  BOOST_REQUIRE(Feed(*sum, &c, s.get(), {1}, true).ok());
  BOOST_TEST(ResultOf(*sum, *s) == Value::Double(1.5));
  auto big = sum->NewState();
  BOOST_REQUIRE(Feed(*sum, &c, big.get(), {3, 3}).ok());
  BOOST_TEST(ErrorOf(*sum, *big) == "value out of range: overflow in SUM");
}

BOOST_AUTO_TEST_CASE(min_and_max_over_append_only_input_keep_one_value) {
  auto kernel = [](const std::string& name, LogicalType t) {
    auto r = ResolveAggregate(name, {t}, false, false);
    BOOST_REQUIRE(r.ok());
    auto k = MakeAggregateKernel(*r, /*input_retracts=*/false);
    BOOST_REQUIRE(k.ok());
    return *std::move(k);
  };
  auto min = kernel("MIN", kInt), max = kernel("MAX", kInt);
  types::Column c =
      ColumnOf(kInt, {Value::Int(3), Value::Int(-7), Value::Null(kInt),
                      Value::Int(12), Value::Int(-7)});
  auto lo = min->NewState(), hi = max->NewState();
  BOOST_TEST(ResultOf(*min, *lo) == Value::Null(kInt));
  BOOST_REQUIRE(Feed(*min, &c, lo.get(), {0, 1, 2}).ok());
  BOOST_REQUIRE(Feed(*max, &c, hi.get(), {0, 1, 2}).ok());
  BOOST_TEST(ResultOf(*min, *lo) == Value::Int(-7));
  BOOST_TEST(ResultOf(*max, *hi) == Value::Int(3));
  // The state is one value: its bytes do not grow with the rows.
  const size_t size = max->Serialize(*hi).size();
  BOOST_REQUIRE(Feed(*max, &c, hi.get(), {3, 4, 4, 4}).ok());
  BOOST_TEST(max->Serialize(*hi).size() == size);
  BOOST_TEST(ResultOf(*max, *hi) == Value::Int(12));
  // Bytes round-trip, partial states merge, a retraction is refused.
  auto back = max->Deserialize(max->Serialize(*hi));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(ResultOf(*max, **back) == Value::Int(12));
  BOOST_TEST(!max->Deserialize("M").ok());
  auto other = min->NewState();
  BOOST_REQUIRE(Feed(*min, &c, other.get(), {3}).ok());
  min->Merge(other.get(), *lo);
  BOOST_TEST(ResultOf(*min, *other) == Value::Int(-7));
  BOOST_TEST(Message(Feed(*min, &c, lo.get(), {0}, true)) ==
             "MIN over an append-only input got a retraction");
}

BOOST_AUTO_TEST_CASE(min_and_max_keep_every_value_for_retraction) {
  auto min = Agg("MIN", {kInt}), max = Agg("MAX", {kInt});
  BOOST_TEST(min->call().state == "value multiset");
  types::Column c = ColumnOf(
      kInt, {Value::Int(3), Value::Int(1), Value::Int(2), Value::Int(1)});
  auto lo = min->NewState(), hi = max->NewState();
  BOOST_REQUIRE(Feed(*min, &c, lo.get(), {0, 1, 2, 3}).ok());
  BOOST_REQUIRE(Feed(*max, &c, hi.get(), {0, 1, 2, 3}).ok());
  BOOST_TEST(ResultOf(*min, *lo) == Value::Int(1));
  BOOST_TEST(ResultOf(*max, *hi) == Value::Int(3));
  BOOST_REQUIRE(Feed(*min, &c, lo.get(), {1}, true).ok());  // one 1 is left
  BOOST_TEST(ResultOf(*min, *lo) == Value::Int(1));
  BOOST_REQUIRE(Feed(*min, &c, lo.get(), {3}, true).ok());
  BOOST_TEST(ResultOf(*min, *lo) == Value::Int(2));
  BOOST_REQUIRE(Feed(*max, &c, hi.get(), {0}, true).ok());
  BOOST_TEST(ResultOf(*max, *hi) == Value::Int(2));
  absl::Status st = Feed(*max, &c, hi.get(), {0}, true);
  BOOST_TEST(Message(st) == "MAX: retracted a row that was not added");

  auto smin = Agg("MIN", {kVarchar}), smax = Agg("MAX", {kVarchar});
  types::Column s =
      ColumnOf(kVarchar, {Value::Varchar("b"), Value::Varchar("a"),
                          Value::Varchar("\xc3\xa9")});  // é
  auto a = smin->NewState(), b = smax->NewState();
  BOOST_TEST(ResultOf(*smin, *a) == Value::Null(kVarchar));
  BOOST_REQUIRE(Feed(*smin, &s, a.get(), {0, 1, 2}).ok());
  BOOST_REQUIRE(Feed(*smax, &s, b.get(), {0, 1, 2}).ok());
  BOOST_TEST(ResultOf(*smin, *a) == Value::Varchar("a"));
  BOOST_TEST(ResultOf(*smax, *b) == Value::Varchar("\xc3\xa9"));

  // NaN sorts above every number; -0.0 and 0.0 stay apart.
  auto fmin = Agg("MIN", {kDouble}), fmax = Agg("MAX", {kDouble});
  types::Column f = ColumnOf(kDouble, {Value::Double(0.0), Value::Double(-0.0),
                                       Value::Double(std::nan(""))});
  auto fl = fmin->NewState(), fh = fmax->NewState();
  BOOST_REQUIRE(Feed(*fmin, &f, fl.get(), {0, 1, 2}).ok());
  BOOST_REQUIRE(Feed(*fmax, &f, fh.get(), {0, 1, 2}).ok());
  BOOST_TEST(std::signbit(ResultOf(*fmin, *fl).dbl()));
  BOOST_TEST(std::isnan(ResultOf(*fmax, *fh).dbl()));
  BOOST_REQUIRE(Feed(*fmin, &f, fl.get(), {1}, true).ok());
  BOOST_TEST(!std::signbit(ResultOf(*fmin, *fl).dbl()));
}

BOOST_AUTO_TEST_CASE(distinct_aggregates_count_each_value_once) {
  auto count = Agg("COUNT", {kInt}, true);
  BOOST_TEST(count->call().function == "COUNT_DISTINCT");
  types::Column c = ColumnOf(
      kInt, {Value::Int(1), Value::Int(1), Value::Int(2), Value::Null(kInt)});
  auto s = count->NewState();
  BOOST_REQUIRE(Feed(*count, &c, s.get(), {0, 1, 2, 3}).ok());
  BOOST_TEST(ResultOf(*count, *s) == Value::Bigint(2));
  BOOST_REQUIRE(Feed(*count, &c, s.get(), {0}, true).ok());
  BOOST_TEST(ResultOf(*count, *s) == Value::Bigint(2));
  BOOST_REQUIRE(Feed(*count, &c, s.get(), {1}, true).ok());
  BOOST_TEST(ResultOf(*count, *s) == Value::Bigint(1));

  types::Column b =
      ColumnOf(kBigint, {Value::Bigint(1), Value::Bigint(1), Value::Bigint(2)});
  auto sum = Agg("SUM", {kInt}, true), avg = Agg("AVG", {kInt}, true);
  auto ss = sum->NewState(), as = avg->NewState();
  BOOST_REQUIRE(Feed(*sum, &b, ss.get(), {0, 1, 2}).ok());
  BOOST_REQUIRE(Feed(*avg, &b, as.get(), {0, 1, 2}).ok());
  BOOST_TEST(ResultOf(*sum, *ss) == Value::Bigint(3));
  BOOST_TEST(ResultOf(*avg, *as) == Value::Decimal(1500000, DecT(38, 6)));

  // 0.0 equals -0.0 and NaN equals NaN, as = says.
  auto fcount = Agg("COUNT", {kDouble}, true);
  types::Column f = ColumnOf(
      kDouble, {Value::Double(0.0), Value::Double(-0.0),
                Value::Double(std::nan("")), Value::Double(std::nan(""))});
  auto fs = fcount->NewState();
  BOOST_REQUIRE(Feed(*fcount, &f, fs.get(), {0, 1, 2, 3}).ok());
  BOOST_TEST(ResultOf(*fcount, *fs) == Value::Bigint(2));
}

BOOST_AUTO_TEST_CASE(merged_and_restored_states_give_the_same_results) {
  types::Column c =
      ColumnOf(kBigint, {Value::Bigint(5), Value::Bigint(-7), Value::Bigint(5),
                         Value::Bigint(40), Value::Null(kBigint)});
  const std::vector<std::pair<std::string, bool>> aggs = {
      {"COUNT", false}, {"COUNT", true}, {"SUM", false}, {"AVG", false},
      {"MIN", false},   {"MAX", false},  {"SUM", true}};
  // Results over all five rows, worked out by hand.
  const std::vector<Value> want = {
      Value::Bigint(4),  Value::Bigint(3),
      Value::Bigint(43), Value::Decimal(10750000, DecT(38, 6)),
      Value::Bigint(-7), Value::Bigint(40),
      Value::Bigint(38)};
  for (size_t i = 0; i < aggs.size(); ++i) {
    auto k = Agg(aggs[i].first, {kBigint}, aggs[i].second);
    const std::string what = k->call().function;
    auto part1 = k->NewState(), part2 = k->NewState();
    BOOST_REQUIRE(Feed(*k, &c, part1.get(), {0, 1}).ok());
    BOOST_REQUIRE(Feed(*k, &c, part2.get(), {2, 3, 4}).ok());
    k->Merge(part1.get(), *part2);
    BOOST_TEST(ResultOf(*k, *part1) == want[i], what);
    std::string bytes = k->Serialize(*part1);
    auto restored = k->Deserialize(bytes);
    BOOST_REQUIRE_MESSAGE(restored.ok(), what);
    BOOST_TEST(ResultOf(*k, **restored) == want[i], what);
    // A restored state goes on: retracting every row empties it again.
    BOOST_REQUIRE(Feed(*k, &c, restored->get(), {0, 1, 2, 3, 4}, true).ok());
    auto fresh = k->NewState();
    BOOST_TEST(ResultOf(*k, **restored) == ResultOf(*k, *fresh), what);
    // Bytes cut short, with a byte too many, or of another kind of state.
    for (std::string bad : {bytes.substr(0, bytes.size() - 1), bytes + "x",
                            std::string("Z") + bytes.substr(1)}) {
      auto r = k->Deserialize(bad);
      BOOST_TEST(!r.ok(), what);
      BOOST_TEST((r.status().code() == absl::StatusCode::kDataLoss), what);
    }
  }
}

BOOST_AUTO_TEST_CASE(states_written_and_read_in_place_match_serialize) {
  // SerializeTo appends Serialize's bytes; DeserializeInto reads them into
  // a state object it reuses (or makes), leaving nothing of what that
  // object held before. Both for the fixed-size states that implement them
  // and for one that falls back to Serialize/Deserialize (COUNT DISTINCT).
  types::Column c =
      ColumnOf(kBigint, {Value::Bigint(5), Value::Bigint(-7), Value::Bigint(5),
                         Value::Bigint(40), Value::Null(kBigint)});
  types::Column d = ColumnOf(
      kDouble, {Value::Double(1.5), Value::Double(-2.0), Value::Double(4.0),
                Value::Double(0.25), Value::Null(kDouble)});
  auto append_only_max = [] {
    auto r = ResolveAggregate("MAX", {kBigint}, false, false);
    BOOST_REQUIRE(r.ok());
    auto k = MakeAggregateKernel(*r, /*input_retracts=*/false);
    BOOST_REQUIRE(k.ok());
    return *std::move(k);
  };
  struct Case {
    std::unique_ptr<AggregateKernel> kernel;
    types::Column* input;
    Value want;  // over rows 0..4, worked out by hand
  };
  std::vector<Case> cases;
  cases.push_back({Agg("COUNT", {}, false, true), nullptr, Value::Bigint(5)});
  cases.push_back({Agg("SUM", {kBigint}), &c, Value::Bigint(43)});
  cases.push_back(
      {Agg("AVG", {kBigint}), &c, Value::Decimal(10750000, DecT(38, 6))});
  cases.push_back({Agg("SUM", {kDouble}), &d, Value::Double(3.75)});
  cases.push_back({append_only_max(), &c, Value::Bigint(40)});
  cases.push_back({Agg("COUNT", {kBigint}, true), &c, Value::Bigint(3)});
  for (Case& k : cases) {
    const AggregateKernel& kernel = *k.kernel;
    const std::string what = kernel.call().function;
    auto all = kernel.NewState(), some = kernel.NewState();
    BOOST_REQUIRE(Feed(kernel, k.input, all.get(), {0, 1, 2, 3, 4}).ok());
    BOOST_REQUIRE(Feed(kernel, k.input, some.get(), {1}).ok());
    BOOST_TEST(ResultOf(kernel, *all) == k.want, what);
    std::string out = "prefix";
    kernel.SerializeTo(*all, &out);
    BOOST_TEST(out == "prefix" + kernel.Serialize(*all), what);
    const std::string bytes = out.substr(6);
    // Into a state that holds other rows: replaced, not added to.
    BOOST_REQUIRE(kernel.DeserializeInto(bytes, &some).ok());
    BOOST_TEST(ResultOf(kernel, *some) == k.want, what);
    // Into nothing: a state is made.
    std::unique_ptr<AggregateState> made;
    BOOST_REQUIRE(kernel.DeserializeInto(bytes, &made).ok());
    BOOST_REQUIRE(made != nullptr);
    BOOST_TEST(ResultOf(kernel, *made) == k.want, what);
    // An empty state's bytes read into a full one empty it.
    BOOST_REQUIRE(
        kernel.DeserializeInto(kernel.Serialize(*kernel.NewState()), &made)
            .ok());
    BOOST_TEST(ResultOf(kernel, *made) == ResultOf(kernel, *kernel.NewState()),
               what);
    // Damaged bytes: DataLoss.
    for (std::string bad : {bytes.substr(0, bytes.size() - 1), bytes + "x",
                            std::string("Z") + bytes.substr(1)}) {
      absl::Status st = kernel.DeserializeInto(bad, &made);
      BOOST_TEST((st.code() == absl::StatusCode::kDataLoss), what);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(evaluate)

BOOST_AUTO_TEST_CASE(integer_arithmetic) {
  BOOST_TEST(F("+", {I(2), I(3)}) == "5");
  BOOST_TEST(F("-", {I(2), I(3)}) == "-1");
  BOOST_TEST(F("*", {I(6), Big(7)}) == "42");
  BOOST_TEST(F("/", {I(7), I(2)}) == "3");
  BOOST_TEST(F("/", {I(-7), I(2)}) == "-3");  // truncates toward zero
  BOOST_TEST(F("%", {I(-7), I(2)}) == "-1");
  BOOST_TEST(F("MOD", {I(7), I(3)}) == "1");
  BOOST_TEST(F("/", {I(1), I(0)}) == "error: division by zero");
  BOOST_TEST(F("%", {I(1), I(0)}) == "error: division by zero");
  BOOST_TEST(F("+", {I(2147483647), I(1)}) ==
             "error: integer overflow in INT + INT");
  BOOST_TEST(F("+", {Big(2147483647), I(1)}) == "2147483648");
  BOOST_TEST(F("*", {Big(INT64_MAX), I(2)}) ==
             "error: integer overflow in BIGINT * BIGINT");
  BOOST_TEST(F("/", {Big(INT64_MIN), Big(-1)}) ==
             "error: integer overflow in BIGINT / BIGINT");
  BOOST_TEST(F("NEGATE", {I(-2147483647 - 1)}) ==
             "error: integer overflow in - INT");
  BOOST_TEST(F("NEGATE", {I(5)}) == "-5");
  BOOST_TEST(F("+", {I(1), Null()}) == "NULL");
  BOOST_TEST(F("+", {I(1), D(1.5)}) == "2.5");
  BOOST_TEST(F("/", {D(1.0), D(0.0)}) == "error: division by zero");
}

BOOST_AUTO_TEST_CASE(decimal_arithmetic) {
  BOOST_TEST(F("+", {Dec("0.1"), Dec("0.2")}) == "0.3");
  BOOST_TEST(Call("+", {Dec("0.1"), Dec("0.2")})->type.ToString() ==
             "DECIMAL(2, 1)");
  BOOST_TEST(F("-", {Dec("1.00"), Dec("0.005")}) == "0.995");
  BOOST_TEST(F("+", {I(1), Dec("0.5")}) == "1.5");
  BOOST_TEST(F("*", {Dec("1.50"), Dec("2.25")}) == "3.3750");
  BOOST_TEST(F("*", {Dec("-1.5"), I(3)}) == "-4.5");
  // 1/3 and 2/3 at scale 6, rounded half away from zero
  auto one = Cast(I(1), DecT(1, 0)), two = Cast(I(2), DecT(1, 0)),
       three = Cast(I(3), DecT(1, 0));
  BOOST_TEST(F("/", {one, three}) == "0.333333");
  BOOST_TEST(F("/", {two, three}) == "0.666667");
  BOOST_TEST(F("/", {Call("NEGATE", {two}), three}) == "-0.666667");
  // DECIMAL(4, 2) / DECIMAL(3, 2): scale max(6, 2 + 3 + 1) = 6
  BOOST_TEST(F("/", {Dec("10.00"), Dec("4.00")}) == "2.500000");
  // DECIMAL(10, 2) / DECIMAL(10, 2): scale 13
  BOOST_TEST(F("/", {Cast(Dec("10.00"), DecT(10, 2)),
                     Cast(Dec("4.00"), DecT(10, 2))}) == "2.5000000000000");
  BOOST_TEST(F("/", {Dec("1.0"), Dec("0.0")}) == "error: division by zero");
  BOOST_TEST(F("%", {Dec("7.5"), Dec("2")}) == "1.5");
  // 1.5 * 1.5 in DECIMAL(38, 18) after the scale is reduced
  auto x = Cast(Dec("1.5"), DecT(20, 10));
  BOOST_TEST(F("*", {x, x}) == "2.250000000000000000");
  // 38 nines + 1 does not fit DECIMAL(38, 0)
  auto nines = Dec(std::string(38, '9'));
  BOOST_TEST(F("+", {nines, Dec("1")}) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(38, 0)");
  BOOST_TEST(F("-", {nines, Dec("1")}) == std::string(37, '9') + "8");
  // 10^19 * 10^19 = 10^38 needs 39 digits
  auto e19 = Dec("1" + std::string(19, '0'));
  BOOST_TEST(F("*", {e19, e19}) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(38, 0)");
  BOOST_TEST(F("NEGATE", {Dec("1.25")}) == "-1.25");
  BOOST_TEST(F("ABS", {Dec("-1.50")}) == "1.50");
}

BOOST_AUTO_TEST_CASE(comparisons_and_logic) {
  BOOST_TEST(F("=", {I(1), Dec("1.0")}) == "TRUE");
  BOOST_TEST(F("<>", {I(1), Dec("1.0")}) == "FALSE");
  BOOST_TEST(F("<", {S("abc"), S("abd")}) == "TRUE");
  BOOST_TEST(F(">=", {Big(5), D(5.0)}) == "TRUE");
  BOOST_TEST(F(">", {Date("2026-01-02"), Ts("2026-01-01 23:59:59", 0)}) ==
             "TRUE");
  BOOST_TEST(F("<=", {I(1), Null()}) == "NULL");
  BOOST_TEST(F("=", {Null(), Null()}) == "NULL");
  auto b = [](int v) {
    return v == 2 ? NullOf(LogicalType::Boolean()) : B(v == 1);
  };
  const char* names[] = {"FALSE", "TRUE", "NULL"};
  // Truth tables over {FALSE, TRUE, NULL} x {FALSE, TRUE, NULL}.
  const int and_table[3][3] = {{0, 0, 0}, {0, 1, 2}, {0, 2, 2}};
  const int or_table[3][3] = {{0, 1, 2}, {1, 1, 1}, {2, 1, 2}};
  for (int x = 0; x < 3; ++x) {
    for (int y = 0; y < 3; ++y) {
      BOOST_TEST(F("AND", {b(x), b(y)}) == names[and_table[x][y]]);
      BOOST_TEST(F("OR", {b(x), b(y)}) == names[or_table[x][y]]);
    }
  }
  BOOST_TEST(F("NOT", {b(0)}) == "TRUE");
  BOOST_TEST(F("NOT", {b(1)}) == "FALSE");
  BOOST_TEST(F("NOT", {b(2)}) == "NULL");
  BOOST_TEST(F("AND", {Null(), B(false)}) == "FALSE");
  // The right side is not evaluated once the left decides.
  auto boom = Call("=", {Call("/", {I(1), I(0)}), I(1)});
  BOOST_TEST(F("AND", {B(false), boom}) == "FALSE");
  BOOST_TEST(F("OR", {B(true), boom}) == "TRUE");
  BOOST_TEST(F("AND", {B(true), boom}) == "error: division by zero");
  BOOST_TEST(F("IS NULL", {Null()}) == "TRUE");
  BOOST_TEST(F("IS NULL", {I(1)}) == "FALSE");
  BOOST_TEST(F("IS NOT NULL", {NullOf(kVarchar)}) == "FALSE");
  BOOST_TEST(F("IS NOT NULL", {S("")}) == "TRUE");
}

BOOST_AUTO_TEST_CASE(like_and_regexp) {
  auto like = [](const std::string& s, const std::string& p,
                 const char* esc = nullptr) {
    std::vector<BoundExprPtr> args = {S(s), S(p)};
    if (esc) args.push_back(S(esc));
    return F("LIKE", args);
  };
  BOOST_TEST(like("abc", "a%") == "TRUE");
  BOOST_TEST(like("abc", "_b_") == "TRUE");
  BOOST_TEST(like("abc", "a_") == "FALSE");
  BOOST_TEST(like("abc", "ABC") == "FALSE");
  BOOST_TEST(like("", "%") == "TRUE");
  BOOST_TEST(like("", "_") == "FALSE");
  BOOST_TEST(like("abc", "%%c") == "TRUE");
  BOOST_TEST(like("mississippi", "%iss%ppi") == "TRUE");
  BOOST_TEST(like("mississippi", "%iss%ppx") == "FALSE");
  BOOST_TEST(like("h\xc3\xa9llo", "h_llo") == "TRUE");  // é is one character
  BOOST_TEST(like("100%", "100!%", "!") == "TRUE");
  BOOST_TEST(like("1000", "100!%", "!") == "FALSE");
  BOOST_TEST(like("a_c", "a\\_c", "\\") == "TRUE");
  BOOST_TEST(like("abc", "a\\_c", "\\") == "FALSE");
  BOOST_TEST(like("a\\c", "a\\c") == "TRUE");  // no default escape
  BOOST_TEST(like("a!", "a!!", "!") == "TRUE");
  BOOST_TEST(
      like("abc", "ab!", "!") ==
      "error: LIKE pattern 'ab!' must not end with the escape character");
  BOOST_TEST(like("abc", "a%", "!!") ==
             "error: LIKE escape must be a single character, got '!!'");
  BOOST_TEST(F("LIKE", {NullOf(kVarchar), S("%")}) == "NULL");
  BOOST_TEST(F("REGEXP", {S("abc"), S("b")}) == "TRUE");
  BOOST_TEST(F("REGEXP", {S("abc"), S("^b")}) == "FALSE");
  BOOST_TEST(F("REGEXP_LIKE", {S("abc123"), S("[0-9]{3}$")}) == "TRUE");
  std::string err = F("REGEXP", {S("abc"), S("(")});
  BOOST_TEST(err.rfind("error: invalid regular expression '(': ", 0) == 0, err);
  BOOST_TEST(err.size() >
             std::string("error: invalid regular expression '(': ").size());
}

BOOST_AUTO_TEST_CASE(math) {
  BOOST_TEST(F("ABS", {I(-5)}) == "5");
  BOOST_TEST(F("ABS", {D(-2.5)}) == "2.5");
  BOOST_TEST(F("ABS", {I(-2147483647 - 1)}) ==
             "error: integer overflow in ABS(INT)");
  BOOST_TEST(F("CEIL", {Dec("1.2")}) == "2");
  BOOST_TEST(F("CEIL", {Dec("-1.2")}) == "-1");
  BOOST_TEST(F("FLOOR", {Dec("-1.2")}) == "-2");
  BOOST_TEST(F("FLOOR", {Dec("1.8")}) == "1");
  BOOST_TEST(F("CEILING", {D(1.1)}) == "2");
  BOOST_TEST(F("FLOOR", {I(7)}) == "7");
  BOOST_TEST(F("ROUND", {Dec("2.5")}) == "3");
  BOOST_TEST(F("ROUND", {Dec("-2.5")}) == "-3");
  BOOST_TEST(F("ROUND", {Dec("2.49")}) == "2");
  BOOST_TEST(F("ROUND", {Dec("1.2345"), I(2)}) == "1.2300");
  BOOST_TEST(F("ROUND", {Dec("1.235"), I(2)}) == "1.240");
  BOOST_TEST(F("ROUND", {Dec("9.99"), I(1)}) == "10.00");
  BOOST_TEST(F("ROUND", {I(1250), I(-2)}) == "1300");
  BOOST_TEST(F("ROUND", {I(-1250), I(-2)}) == "-1300");
  BOOST_TEST(F("ROUND", {I(1249), I(-2)}) == "1200");
  BOOST_TEST(F("ROUND", {D(2.5)}) == "3");
  BOOST_TEST(F("ROUND", {D(-0.125), I(2)}) == "-0.13");
  BOOST_TEST(F("TRUNCATE", {Dec("1.29"), I(1)}) == "1.20");
  BOOST_TEST(F("TRUNCATE", {Dec("-1.29"), I(1)}) == "-1.20");
  BOOST_TEST(F("TRUNCATE", {D(-1.99)}) == "-1");
  BOOST_TEST(F("MOD", {I(-7), I(3)}) == "-1");
  BOOST_TEST(F("POWER", {I(2), I(10)}) == "1024");
  BOOST_TEST(F("POW", {D(4.0), D(0.5)}) == "2");
  BOOST_TEST(F("POWER", {I(0), I(-1)}) ==
             "error: zero raised to a negative power is undefined");
  BOOST_TEST(F("SQRT", {I(16)}) == "4");
  BOOST_TEST(F("SQRT", {I(-1)}) ==
             "error: cannot take square root of a negative number");
  BOOST_TEST(F("LN", {I(1)}) == "0");
  BOOST_TEST(F("LN", {I(0)}) == "error: cannot take logarithm of zero");
  BOOST_TEST(F("LN", {I(-1)}) ==
             "error: cannot take logarithm of a negative number");
  BOOST_TEST(F("LOG10", {I(1000)}) == "3");
  BOOST_TEST(F("EXP", {I(0)}) == "1");
  BOOST_TEST(F("EXP", {I(1000)}).rfind("error: value out of range", 0) == 0);
  BOOST_TEST(F("SIGN", {Dec("-3.5")}) == "-1");
  BOOST_TEST(F("SIGN", {I(0)}) == "0");
  BOOST_TEST(F("SIGN", {D(2.0)}) == "1");
}

BOOST_AUTO_TEST_CASE(strings) {
  const std::string hello = "h\xc3\xa9llo";  // héllo: 5 characters, 6 bytes
  BOOST_TEST(F("UPPER", {S("abC1")}) == "ABC1");
  BOOST_TEST(F("LCASE", {S("AbC")}) == "abc");
  BOOST_TEST(F("UPPER", {Null()}) == "NULL");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(2), I(3)}) == "ell");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(3)}) == "llo");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(0), I(2)}) == "h");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(-1), I(3)}) == "h");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(-5), I(3)}) == "");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(4), I(100)}) == "lo");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(9)}) == "");
  BOOST_TEST(F("SUBSTR", {S(hello), I(2), I(2)}) == "\xc3\xa9l");
  BOOST_TEST(F("SUBSTRING", {S("hello"), I(1), I(-1)}) ==
             "error: negative substring length not allowed");
  BOOST_TEST(F("CONCAT", {S("a"), S("b"), S("c")}) == "abc");
  BOOST_TEST(F("CONCAT", {S("a"), Null()}) == "NULL");
  BOOST_TEST(F("||", {S("a"), S("b")}) == "ab");
  BOOST_TEST(F("||", {S("a"), Null()}) == "NULL");
  BOOST_TEST(F("CONCAT_WS", {S("-"), S("a"), Null(), S("b")}) == "a-b");
  BOOST_TEST(F("CONCAT_WS", {Null(), S("a"), S("b")}) == "NULL");
  BOOST_TEST(F("LENGTH", {S(hello)}) == "5");
  BOOST_TEST(F("CHARACTER_LENGTH", {S("")}) == "0");
  BOOST_TEST(F("TRIM", {S("  x y  ")}) == "x y");
  BOOST_TEST(F("LTRIM", {S("  x  ")}) == "x  ");
  BOOST_TEST(F("RTRIM", {S("  x  ")}) == "  x");
  BOOST_TEST(F("TRIM", {S("xyaxy"), S("xy")}) == "a");
  BOOST_TEST(F("REPLACE", {S("aXbXc"), S("X"), S("--")}) == "a--b--c");
  BOOST_TEST(F("REPLACE", {S("abc"), S(""), S("-")}) == "abc");
  BOOST_TEST(F("POSITION", {S("lo"), S("hello")}) == "4");
  BOOST_TEST(F("POSITION", {S("l"), S(hello)}) == "3");
  BOOST_TEST(F("POSITION", {S("z"), S("hello")}) == "0");
  BOOST_TEST(F("LPAD", {S("7"), I(3), S("0")}) == "007");
  BOOST_TEST(F("LPAD", {S("7"), I(3)}) == "  7");
  BOOST_TEST(F("RPAD", {S("ab"), I(5), S("xy")}) == "abxyx");
  BOOST_TEST(F("LPAD", {S("hello"), I(3), S("x")}) == "hel");
  BOOST_TEST(F("REVERSE", {S(hello)}) == "oll\xc3\xa9h");
  BOOST_TEST(F("SPLIT_PART", {S("a,b,c"), S(","), I(2)}) == "b");
  BOOST_TEST(F("SPLIT_PART", {S("a,b,c"), S(","), I(-1)}) == "c");
  BOOST_TEST(F("SPLIT_PART", {S("a,b,c"), S(","), I(4)}) == "");
  BOOST_TEST(F("SPLIT_PART", {S("a,b,c"), S(","), I(0)}) ==
             "error: SPLIT_PART field position must not be zero");
  BOOST_TEST(F("REGEXP_EXTRACT", {S("order-123-x"), S("[0-9]+")}) == "123");
  BOOST_TEST(F("REGEXP_EXTRACT", {S("k=v"), S("(\\w+)=(\\w+)"), I(2)}) == "v");
  BOOST_TEST(F("REGEXP_EXTRACT", {S("abc"), S("[0-9]+")}) == "NULL");
  BOOST_TEST(F("REGEXP_EXTRACT", {S("abc"), S("(b)"), I(2)}) ==
             "error: REGEXP_EXTRACT group 2 is out of range: the pattern has 1 "
             "capturing groups");
  BOOST_TEST(F("REGEXP_REPLACE", {S("a1b22"), S("[0-9]+"), S("#")}) == "a#b#");
  BOOST_TEST(F("REGEXP_REPLACE", {S("john smith"), S("(\\w+) (\\w+)"),
                                  S("\\2 \\1")}) == "smith john");
}

BOOST_AUTO_TEST_CASE(distinct_from) {
  BOOST_TEST(F("IS DISTINCT FROM", {I(1), Null()}) == "TRUE");
  BOOST_TEST(F("IS DISTINCT FROM", {Null(), Null()}) == "FALSE");
  BOOST_TEST(F("IS NOT DISTINCT FROM", {Dec("1.50"), I(1)}) == "FALSE");
  BOOST_TEST(F("IS NOT DISTINCT FROM", {Dec("1.00"), I(1)}) == "TRUE");
  BOOST_TEST(F("IS NOT DISTINCT FROM", {S("a"), NullOf(kVarchar)}) == "FALSE");
  BOOST_TEST(Call("IS DISTINCT FROM", {MakeColumn(0, "x", kInt, true), I(2)})
                 ->ToString() == "(x IS DISTINCT FROM 2)");
}

BOOST_AUTO_TEST_CASE(conditionals_and_casts) {
  BOOST_TEST(F("COALESCE", {Null(), I(2), I(3)}) == "2");
  BOOST_TEST(F("COALESCE", {Null(), Null()}) == "NULL");
  BOOST_TEST(F("COALESCE", {I(1), Dec("2.5")}) == "1.0");
  // COALESCE stops at the first non-NULL argument.
  BOOST_TEST(F("COALESCE", {I(1), Call("/", {I(1), I(0)})}) == "1");
  BOOST_TEST(F("NULLIF", {I(1), I(1)}) == "NULL");
  BOOST_TEST(F("NULLIF", {I(1), I(2)}) == "1");
  BOOST_TEST(F("NULLIF", {I(1), Null()}) == "1");
  BOOST_TEST(F("IF", {B(true), S("a"), S("b")}) == "a");
  BOOST_TEST(F("IF", {NullOf(LogicalType::Boolean()), S("a"), S("b")}) == "b");
  BOOST_TEST(F("GREATEST", {I(1), I(5), I(3)}) == "5");
  BOOST_TEST(F("GREATEST", {I(1), Dec("1.5")}) == "1.5");
  BOOST_TEST(F("LEAST", {S("b"), S("a")}) == "a");
  BOOST_TEST(F("GREATEST", {I(1), Null()}) == "NULL");
  BOOST_TEST(Eval(Cast(S("abc"), kInt)) == "error: cannot cast 'abc' to INT");
  BOOST_TEST(Eval(Cast(S("abc"), kInt, true)) == "NULL");
  BOOST_TEST(Eval(Cast(S(" 42 "), kInt)) == "42");
  BOOST_TEST(Eval(Cast(Dec("2.5"), kInt)) == "3");
  BOOST_TEST(Eval(Cast(Dec("123.456"), DecT(4, 1))) == "123.5");
  BOOST_TEST(Eval(Cast(Dec("123.456"), DecT(3, 1))) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(3, 1)");
  auto c = MakeCase({Call("=", {I(1), I(2)}), S("a"),
                     NullOf(LogicalType::Boolean()), S("b"), S("c")},
                    kVarchar);
  BOOST_TEST(Eval(c) == "c");
  auto c2 = MakeCase({Call("<", {I(1), I(2)}), S("a"), Null()}, kVarchar);
  BOOST_TEST(Eval(c2) == "a");
  auto col = MakeColumn(0, "price", kInt, true);
  auto v = EvaluateConstant(*Call("+", {col, I(1)}));
  BOOST_TEST(!v.ok());
  BOOST_TEST((v.status().code() == absl::StatusCode::kFailedPrecondition));
}

BOOST_AUTO_TEST_CASE(temporal) {
  const int64_t sec = 1000000, day = 86400 * sec;
  BOOST_TEST(F("+", {Ts("2026-01-31 10:00:00", 3), Interval(1, 0)}) ==
             "2026-02-28 10:00:00.000");
  BOOST_TEST(F("+", {Ts("2024-01-31 10:00:00", 3), Interval(1, 0)}) ==
             "2024-02-29 10:00:00.000");
  BOOST_TEST(F("-", {Ts("2024-03-31 00:00:00", 0), Interval(13, 0)}) ==
             "2023-02-28 00:00:00");
  BOOST_TEST(F("+", {Ts("2026-01-01 23:59:58.500", 3), Interval(0, 2 * sec)}) ==
             "2026-01-02 00:00:00.500");
  BOOST_TEST(F("+", {Interval(0, day), Ts("2024-02-28 12:00:00", 0)}) ==
             "2024-02-29 12:00:00");
  BOOST_TEST(F("-", {Ts("1970-01-01 00:00:00", 3), Interval(0, 1000)}) ==
             "1969-12-31 23:59:59.999");
  BOOST_TEST(F("-", {Ts("2026-01-01 01:00:00", 3),
                     Ts("2026-01-01 00:00:00", 0)}) == "01:00:00");
  BOOST_TEST(F("+", {Date("2026-01-01"), Interval(0, 3600 * sec)}) ==
             "2026-01-01 01:00:00");
  BOOST_TEST(F("+", {Date("2024-02-28"), I(1)}) == "2024-02-29");
  BOOST_TEST(F("-", {Date("2024-03-01"), I(1)}) == "2024-02-29");
  BOOST_TEST(F("-", {Date("2025-01-01"), Date("2024-01-01")}) == "366");
  BOOST_TEST(F("*", {Interval(0, 4 * sec), I(3)}) == "00:00:12");
  BOOST_TEST(F("+", {Interval(1, 0), Interval(0, day)}) == "1 MONTH 1 DAY");
  BOOST_TEST(F("NEGATE", {Interval(0, sec)}) == "-00:00:01");
}

BOOST_AUTO_TEST_CASE(extract_and_formats) {
  auto t = Ts("2026-03-15 13:45:30.123456", 6);
  auto ex = [&](const char* field, BoundExprPtr v) {
    return F("EXTRACT", {S(field), std::move(v)});
  };
  BOOST_TEST(ex("YEAR", t) == "2026");
  BOOST_TEST(ex("QUARTER", t) == "1");
  BOOST_TEST(ex("MONTH", t) == "3");
  BOOST_TEST(ex("DAY", t) == "15");
  BOOST_TEST(ex("HOUR", t) == "13");
  BOOST_TEST(ex("MINUTE", t) == "45");
  BOOST_TEST(ex("SECOND", t) == "30");
  BOOST_TEST(ex("MILLISECOND", t) == "123");
  BOOST_TEST(ex("MICROSECOND", t) == "123456");
  BOOST_TEST(ex("doy", t) == std::to_string(31 + 28 + 15));
  // 2026-01-01 is a Thursday; March 15 is 73 days later: Thursday + 3 = Sunday
  BOOST_TEST(ex("DOW", t) == "0");
  // ISO week 1 of 2026 starts Monday 2025-12-29; March 15 is 76 days later.
  BOOST_TEST(ex("WEEK", t) == std::to_string(76 / 7 + 1));
  // 2024-12-30 (a Monday) opens ISO week 1 of 2025.
  BOOST_TEST(ex("WEEK", Date("2024-12-30")) == "1");
  BOOST_TEST(ex("WEEK", Date("2021-01-03")) == "53");
  // 2026-03-15 is day 20527 since 1970 (56 years, 14 of them leap: 56*365+14
  // = 20454, plus 31 + 28 + 14 = 73).
  BOOST_TEST(ex("EPOCH", t) ==
             std::to_string(20527LL * 86400 + 13 * 3600 + 45 * 60 + 30));
  BOOST_TEST(ex("EPOCH", Ts("1969-12-31 23:59:59.5", 3)) == "-1");
  BOOST_TEST(ex("YEAR", Date("0001-01-01")) == "1");
  BOOST_TEST(ex("FORTNIGHT", t) == "error: unknown EXTRACT field 'FORTNIGHT'");
  BOOST_TEST(F("DATE_FORMAT", {t, S("%Y-%m-%d %H:%i:%s.%f")}) ==
             "2026-03-15 13:45:30.123456");
  BOOST_TEST(F("DATE_FORMAT", {t, S("%y %b %M %j %p %h %a %W %e %c %% %T")}) ==
             "26 Mar March 074 PM 01 Sun Sunday 15 3 % 13:45:30");
  BOOST_TEST(F("DATE_FORMAT", {Date("2024-02-29"), S("%d/%m/%Y")}) ==
             "29/02/2024");
  BOOST_TEST(F("TO_TIMESTAMP", {S("2026-03-15 13:45:30.123456")}) ==
             "2026-03-15 13:45:30.123");
  BOOST_TEST(
      F("TO_TIMESTAMP", {S("15/03/2026 01:45 PM"), S("%d/%m/%Y %h:%i %p")}) ==
      "2026-03-15 13:45:00.000");
  BOOST_TEST(F("TO_TIMESTAMP", {S("12 AM 01-Jan-2026"), S("%h %p %d-%b-%Y")}) ==
             "2026-01-01 00:00:00.000");
  BOOST_TEST(F("TO_TIMESTAMP", {S("garbage")}) == "NULL");
  BOOST_TEST(F("TO_TIMESTAMP", {S("2026-02-30"), S("%Y-%m-%d")}) == "NULL");
  BOOST_TEST(F("TO_DATE", {S("2024-02-29")}) == "2024-02-29");
  BOOST_TEST(F("TO_DATE", {S("2023-02-29")}) == "NULL");
  BOOST_TEST(F("TO_DATE", {S("2026.060"), S("%Y.%j")}) == "2026-03-01");
  BOOST_TEST(F("UNIX_TIMESTAMP", {Ts("1969-12-31 23:59:59.999", 3)}) == "-1");
  BOOST_TEST(F("UNIX_TIMESTAMP", {Ts("1970-01-02 00:00:01", 0)}) == "86401");
  BOOST_TEST(F("FROM_UNIXTIME", {I(86400)}) == "1970-01-02 00:00:00");
  BOOST_TEST(F("FROM_UNIXTIME", {I(-1)}) == "1969-12-31 23:59:59");
  BOOST_TEST(F("DATE_TRUNC", {S("MONTH"), t}) == "2026-03-01 00:00:00.000000");
  BOOST_TEST(F("DATE_TRUNC", {S("week"), t}) == "2026-03-09 00:00:00.000000");
  BOOST_TEST(F("DATE_TRUNC", {S("HOUR"), t}) == "2026-03-15 13:00:00.000000");
  BOOST_TEST(F("DATE_TRUNC", {S("QUARTER"), t}) ==
             "2026-01-01 00:00:00.000000");
  auto now = EvaluateConstant(*Call("NOW", {}));
  BOOST_TEST((now.status().code() == absl::StatusCode::kFailedPrecondition));
  BOOST_TEST(Message(now.status()) ==
             "not a constant: NOW is not deterministic");
  BOOST_TEST(!EvaluateConstant(*Call("CURRENT_DATE", {})).ok());
}

BOOST_AUTO_TEST_CASE(json) {
  const std::string doc =
      R"({"a":{"b":[10,"x",true,null,{"c":1}]},"k y":2.5,"s":"it's"})";
  auto jv = [&](const char* path) {
    return F("JSON_VALUE", {S(doc), S(path)});
  };
  BOOST_TEST(jv("$.a.b[0]") == "10");
  BOOST_TEST(jv("$.a.b[1]") == "x");
  BOOST_TEST(jv("$.a.b[2]") == "true");
  BOOST_TEST(jv("$.a.b[3]") == "NULL");
  BOOST_TEST(jv("$.a.b[4]") == "NULL");
  BOOST_TEST(jv("$.a.b[4].c") == "1");
  BOOST_TEST(jv("$.a.b[9]") == "NULL");
  BOOST_TEST(jv("$.a.missing") == "NULL");
  BOOST_TEST(jv("$.\"k y\"") == "2.5");
  BOOST_TEST(jv("$['a']['b'][1]") == "x");
  BOOST_TEST(jv("$.s") == "it's");
  BOOST_TEST(jv("$.a") == "NULL");
  BOOST_TEST(jv("a.b") == "error: invalid JSON path 'a.b'");
  BOOST_TEST(jv("$.a[") == "error: invalid JSON path '$.a['");
  BOOST_TEST(F("JSON_VALUE", {S("{bad"), S("$.a")}) == "NULL");
  BOOST_TEST(F("JSON_QUERY", {S(doc), S("$.a.b[4]")}) == R"({"c":1})");
  BOOST_TEST(F("JSON_QUERY", {S(doc), S("$.a.b[0]")}) == "NULL");
  BOOST_TEST(F("JSON_EXISTS", {S(doc), S("$.a.b[3]")}) == "TRUE");
  BOOST_TEST(F("JSON_EXISTS", {S(doc), S("$.a.z")}) == "FALSE");
  BOOST_TEST(F("JSON_EXISTS", {S("[1"), S("$[0]")}) == "NULL");
  // Nested deeper than 1000 levels: malformed, not a stack overflow.
  const std::string deep =
      std::string(100000, '[') + "1" + std::string(100000, ']');
  BOOST_TEST(F("JSON_EXISTS", {S(deep), S("$")}) == "NULL");
  BOOST_TEST(F("JSON_QUERY", {S(deep), S("$")}) == "NULL");
  BOOST_TEST(F("JSON_VALUE",
               {S("{\"a\": 1, \"b\": " + deep + "}"), S("$.a")}) == "NULL");
  // Brackets in strings do not count toward the depth.
  BOOST_TEST(
      F("JSON_VALUE", {S("{\"a\": \"" + std::string(2000, '[') + "\\\"\"}"),
                       S("$.a")}) == std::string(2000, '[') + "\"");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bound_expr)

BOOST_AUTO_TEST_CASE(to_string) {
  auto price = MakeColumn(2, "price", kBigint, true);
  auto name = MakeColumn(1, "name", kVarchar, true);
  auto flag = MakeColumn(0, "", LogicalType::Boolean(), true);
  BOOST_TEST(MakeCall(">", {price, I(1000)}, LogicalType::Boolean(), true)
                 ->ToString() == "(price > 1000)");
  BOOST_TEST(Call(">", {price, I(1000)})->ToString() ==
             "(price > CAST(1000 AS BIGINT))");
  BOOST_TEST(Call("AND", {flag, B(true)})->ToString() == "($0 AND TRUE)");
  BOOST_TEST(Call("NOT", {flag})->ToString() == "(NOT $0)");
  BOOST_TEST(Call("NEGATE", {price})->ToString() == "(- price)");
  BOOST_TEST(Call("IS NULL", {name})->ToString() == "(name IS NULL)");
  BOOST_TEST(Call("IS NOT NULL", {name})->ToString() == "(name IS NOT NULL)");
  BOOST_TEST(Call("LIKE", {name, S("a%")})->ToString() == "(name LIKE 'a%')");
  BOOST_TEST(Call("LIKE", {name, S("a!%"), S("!")})->ToString() ==
             "(name LIKE 'a!%' ESCAPE '!')");
  BOOST_TEST(Call("UPPER", {name})->ToString() == "UPPER(name)");
  BOOST_TEST(Call("CONCAT", {name, S("'x'")})->ToString() ==
             "CONCAT(name, '''x''')");
  BOOST_TEST(
      Call("EXTRACT", {S("YEAR"), Ts("2026-01-01 00:00:00", 3)})->ToString() ==
      "EXTRACT(YEAR FROM TIMESTAMP '2026-01-01 00:00:00.000')");
  BOOST_TEST(Call("NOW", {})->ToString() == "NOW()");
  BOOST_TEST(Call("CURRENT_DATE", {})->ToString() == "CURRENT_DATE");
  BOOST_TEST(Cast(MakeColumn(0, "x", kInt, true), kBigint)->ToString() ==
             "CAST(x AS BIGINT)");
  BOOST_TEST(Cast(name, kInt, true)->ToString() == "TRY_CAST(name AS INT)");
  BOOST_TEST(MakeCase({flag, S("a"), S("b")}, kVarchar)->ToString() ==
             "CASE WHEN $0 THEN 'a' ELSE 'b' END");
  BOOST_TEST(Call("+", {Ts("2026-01-01 00:00:00", 3), Interval(0, 4000000)})
                 ->ToString() ==
             "(TIMESTAMP '2026-01-01 00:00:00.000' + INTERVAL '4' SECOND)");
  BOOST_TEST(Null()->ToString() == "NULL");
}

BOOST_AUTO_TEST_CASE(structure) {
  auto a = MakeColumn(0, "a", kInt, false);
  auto b = MakeColumn(3, "b", kInt, true);
  auto e = Call("+", {a, Call("*", {b, I(2)})});
  BOOST_TEST(!e->IsConstant());
  BOOST_TEST(Call("+", {I(1), I(2)})->IsConstant());
  std::vector<int> cols;
  e->CollectColumns(&cols);
  BOOST_TEST((cols == std::vector<int>{0, 3}));
  BOOST_TEST(MakeCast(a, kInt) == a);  // no-op cast returns the argument
  BOOST_TEST(MakeCast(a, kBigint, true)->nullable);
  BOOST_TEST(!MakeCast(a, kBigint)->nullable);
  BOOST_TEST(!MakeLiteral(Value::Int(1))->nullable);
  BOOST_TEST(MakeLiteral(Value())->nullable);
  auto shifted = ShiftColumns(e, 5);
  cols.clear();
  shifted->CollectColumns(&cols);
  BOOST_TEST((cols == std::vector<int>{5, 8}));
  BOOST_TEST(e->args[0]->column == 0);  // the original is untouched
  std::vector<BoundExprPtr> replacement = {I(10), nullptr, nullptr, I(4)};
  auto remapped = RemapColumns(e, replacement);
  BOOST_TEST(remapped->IsConstant());
  BOOST_TEST(Eval(remapped) == "18");
  BOOST_TEST(MakeCase({a, I(1), I(2)}, kInt)->nullable == false);
  BOOST_TEST(MakeCase({a, I(1), Null()}, kInt)->nullable == true);
}

BOOST_AUTO_TEST_CASE(list_functions) {
  auto docs = ListFunctions();
  auto find = [&](const std::string& n) -> const FunctionDoc* {
    for (const auto& d : docs) {
      if (d.name == n) return &d;
    }
    return nullptr;
  };
  for (const char* n : {"UPPER", "LCASE", "SUBSTRING", "COUNT", "AVG",
                        "ROW_NUMBER", "JSON_VALUE", "EXTRACT", "+", "LIKE"}) {
    BOOST_TEST(find(n) != nullptr, n);
  }
  for (const auto& d : docs) {
    BOOST_TEST(!d.signature.empty(), d.name);
    BOOST_TEST(!d.description.empty(), d.name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
