#define BOOST_TEST_MODULE vector_eval_test
#include "engine/expr/vector_eval.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/expr/bound_expr.h"
#include "engine/expr/function_helpers.h"
#include "engine/expr/functions.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"
#include "tests/unit/vector_eval_test_util.h"

// Two kinds of checks. The corpus tests evaluate each expression over
// batches of generated rows and compare every live row with the same
// expression evaluated for that row alone (EvaluateConstant with the row's
// values as literals): results must be equal, or both must fail. Since
// constant folding runs the same kernels over a one-row batch, that is not
// an independent reference for what a kernel computes; it checks what
// batching adds: selections, constant and column operands, NULL flags
// across rows, lazy branches, the row an error is reported at. What the
// kernels compute is checked against values written by hand in
// vector_eval_tables_test.cc.

using namespace weir;
using namespace weir::expr;
using namespace weir::expr::test_util;
using types::Batch;
using types::Column;
using types::Field;
using types::LogicalType;
using types::Schema;
using types::Value;

namespace {

// ---------------------------------------------------------------- schema

enum Col {
  kI,
  kB,
  kD,
  kM,
  kW,
  kS,
  kTs,
  kDt,
  kF,
  kP,
  kIv,
  kJs,
  kK,
  kT,
  kNumCols
};

std::shared_ptr<const Schema> TestSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"i", LogicalType::Int(), true},
      {"b", LogicalType::Bigint(), true},
      {"d", LogicalType::Double(), true},
      {"m", LogicalType::DecimalOrDie(10, 2), true},
      {"w", LogicalType::DecimalOrDie(38, 6), true},
      {"s", LogicalType::Varchar(), true},
      {"ts", LogicalType::TimestampOrDie(3), true},
      {"dt", LogicalType::Date(), true},
      {"f", LogicalType::Boolean(), true},
      {"p", LogicalType::Varchar(), true},
      {"iv", LogicalType::Interval(), true},
      {"js", LogicalType::Varchar(), true},
      {"k", LogicalType::Int(), true},
      {"t", LogicalType::Time(), true},
  });
}

BoundExprPtr C(int i) {
  static const auto schema = TestSchema();
  return ColumnOf(*schema, i);
}

// ---------------------------------------------------------------- data

const std::vector<std::string> kStrings = {"",
                                           "app",
                                           "apple",
                                           "Apple pie",
                                           "pp",
                                           "é",
                                           "日本語",
                                           "aé%b",
                                           "a_b",
                                           "  trim  ",
                                           "2026-01-31 12:34:56",
                                           "2026-01-31",
                                           "x,y,z",
                                           "%",
                                           "abc",
                                           "123",
                                           "-42",
                                           " 7 ",
                                           "true",
                                           "1e3",
                                           "APP",
                                           "bapp",
                                           "appé",
                                           "éapp",
                                           "a!%b",
                                           "2026",
                                           "zzz"};
const std::vector<std::string> kPatterns = {"app%",   "%",    "_p%", "a%", "(",
                                            "[a-z]+", "",     "%é%", "é_", "^a",
                                            "%pp",    "a!%%", "%_"};
const std::vector<std::string> kJson = {R"({"a": 1, "b": [1, 2]})",
                                        R"({"a": "x"})",
                                        "not json",
                                        R"({"b": {"c": null}})",
                                        "[]",
                                        "",
                                        R"({"a": null})"};

Value RandomValue(Rng& rng, int col) {
  if (Between(rng, 0, 9) == 0) {
    return Value::Null(TestSchema()->fields()[col].type);
  }
  switch (col) {
    case kI: {
      static const std::vector<int32_t> kEdge = {
          std::numeric_limits<int32_t>::max(),
          std::numeric_limits<int32_t>::min(),
          0,
          1,
          -1,
          2};
      if (Between(rng, 0, 3) == 0) return Value::Int(Pick(rng, kEdge));
      return Value::Int(static_cast<int32_t>(Between(rng, -1000, 1000)));
    }
    case kB: {
      static const std::vector<int64_t> kEdge = {
          std::numeric_limits<int64_t>::max(),
          std::numeric_limits<int64_t>::min(),
          0,
          1,
          -1,
          4102444800LL,
          -62135596800LL};
      if (Between(rng, 0, 3) == 0) return Value::Bigint(Pick(rng, kEdge));
      return Value::Bigint(Between(rng, -1'000'000, 1'000'000));
    }
    case kD: {
      static const std::vector<double> kEdge = {
          0.0, -0.0, 1e308,        -1e308,
          0.5, -2.5, std::nan(""), std::numeric_limits<double>::infinity(),
          3e9, -1e20};
      if (Between(rng, 0, 3) == 0) return Value::Double(Pick(rng, kEdge));
      return Value::Double(
          std::uniform_real_distribution<double>(-1000, 1000)(rng));
    }
    case kM: {
      static const std::vector<int64_t> kEdge = {
          9999999999LL, -9999999999LL, 0, 1, -1, 50, -150};
      int64_t u = Between(rng, 0, 3) == 0 ? Pick(rng, kEdge)
                                          : Between(rng, -100000, 100000);
      return Value::Decimal(u, LogicalType::DecimalOrDie(10, 2));
    }
    case kW: {
      __int128 max = 1;
      for (int i = 0; i < 38; ++i) max *= 10;
      max -= 1;
      static const std::vector<int> kKind = {0, 1, 2, 3, 4};
      switch (Pick(rng, kKind)) {
        case 0:
          return Value::Decimal(max, LogicalType::DecimalOrDie(38, 6));
        case 1:
          return Value::Decimal(-max, LogicalType::DecimalOrDie(38, 6));
        case 2:
          return Value::Decimal(0, LogicalType::DecimalOrDie(38, 6));
        default:
          return Value::Decimal(Between(rng, -1'000'000'000, 1'000'000'000),
                                LogicalType::DecimalOrDie(38, 6));
      }
    }
    case kS:
      return Value::Varchar(Pick(rng, kStrings));
    case kTs: {
      static const std::vector<int64_t> kEdge = {
          0, -1000, -86400000000LL, -62135596800000000LL, 253402300799000000LL};
      int64_t m = Between(rng, 0, 3) == 0
                      ? Pick(rng, kEdge)
                      : Between(rng, -5'000'000'000'000'000LL,
                                5'000'000'000'000'000LL) /
                            1000 * 1000;
      return Value::Timestamp(m, 3);
    }
    case kDt:
      return Value::Date(Between(rng, -800000, 800000));
    case kF:
      return Value::Boolean(Between(rng, 0, 1) == 1);
    case kP:
      return Value::Varchar(Pick(rng, kPatterns));
    case kIv:
      return Value::Interval(
          {static_cast<int32_t>(Between(rng, -30, 30)),
           Between(rng, -100'000'000'000LL, 100'000'000'000LL)});
    case kJs:
      return Value::Varchar(Pick(rng, kJson));
    case kK:
      return Value::Int(static_cast<int32_t>(Between(rng, 0, 4)));
    case kT:
      return Value::Time(Between(rng, 0, 86'399'999'999LL));
  }
  return Value();
}

Batch RandomBatch(uint64_t seed, size_t rows) {
  Rng rng(seed);
  Batch batch(TestSchema());
  for (size_t r = 0; r < rows; ++r) {
    std::vector<Value> row;
    for (int c = 0; c < kNumCols; ++c) row.push_back(RandomValue(rng, c));
    batch.AppendRow(row);
  }
  return batch;
}

// ---------------------------------------------------------------- checks

void CollectFunctions(const BoundExpr& e, std::set<std::string>* out) {
  if (e.kind == BoundExprKind::kCall) out->insert(e.function);
  for (const auto& a : e.args) CollectFunctions(*a, out);
}

// ---------------------------------------------------------------- corpus

std::vector<BoundExprPtr> Corpus() {
  std::vector<BoundExprPtr> v;
  const LogicalType kInt = LogicalType::Int(), kBigint = LogicalType::Bigint(),
                    kDouble = LogicalType::Double(),
                    kVarchar = LogicalType::Varchar();
  // Arithmetic on every numeric kind, constants on either side.
  for (const char* op : {"+", "-", "*", "/", "%"}) {
    v.push_back(Call(op, {C(kI), C(kK)}));
    v.push_back(Call(op, {C(kI), C(kB)}));
    v.push_back(Call(op, {C(kB), I(3)}));
    v.push_back(Call(op, {I(1000), C(kK)}));
    v.push_back(Call(op, {C(kD), C(kD)}));
    v.push_back(Call(op, {C(kD), D(0.25)}));
    v.push_back(Call(op, {C(kM), C(kM)}));
    v.push_back(Call(op, {C(kM), C(kW)}));
    v.push_back(Call(op, {C(kW), C(kK)}));
    v.push_back(Call(op, {C(kK), C(kM)}));
    v.push_back(Call(op, {C(kM), Dec("0.5")}));
    v.push_back(Call(op, {C(kI), C(kD)}));
    v.push_back(Call(op, {C(kM), C(kD)}));
  }
  v.push_back(Call("MOD", {C(kB), C(kK)}));
  v.push_back(Call("NEGATE", {C(kI)}));
  v.push_back(Call("NEGATE", {C(kB)}));
  v.push_back(Call("NEGATE", {C(kD)}));
  v.push_back(Call("NEGATE", {C(kM)}));
  v.push_back(Call("NEGATE", {C(kIv)}));
  // Temporal arithmetic (per-row path).
  v.push_back(Call("+", {C(kTs), C(kIv)}));
  v.push_back(Call("-", {C(kTs), C(kIv)}));
  v.push_back(Call("+", {C(kIv), C(kDt)}));
  v.push_back(Call("+", {C(kDt), C(kK)}));
  v.push_back(Call("-", {C(kDt), C(kDt)}));
  v.push_back(Call("-", {C(kTs), C(kTs)}));
  v.push_back(Call("+", {C(kIv), C(kIv)}));
  v.push_back(Call("*", {C(kIv), C(kB)}));
  // Comparisons.
  for (const char* op : {"=", "<>", "<", "<=", ">", ">="}) {
    v.push_back(Call(op, {C(kI), C(kK)}));
    v.push_back(Call(op, {C(kB), C(kI)}));
    v.push_back(Call(op, {C(kD), D(0.5)}));
    v.push_back(Call(op, {C(kD), C(kD)}));
    v.push_back(Call(op, {C(kM), C(kW)}));
    v.push_back(Call(op, {C(kM), Dec("1.5")}));
    v.push_back(Call(op, {C(kS), C(kP)}));
    v.push_back(Call(op, {C(kS), S("app")}));
    v.push_back(Call(op, {C(kTs), C(kDt)}));
    v.push_back(Call(op, {C(kF), MakeLiteral(Value::Boolean(true))}));
    v.push_back(Call(op, {C(kIv), MakeLiteral(Value::Interval({1, 0}))}));
    v.push_back(Call(op, {C(kT), MakeLiteral(Value::Time(43'200'000'000LL))}));
    v.push_back(Call(op, {C(kD), C(kI)}));
  }
  v.push_back(Call("!=", {C(kI), I(0)}));
  v.push_back(Call("IS DISTINCT FROM", {C(kI), C(kK)}));
  v.push_back(Call("IS NOT DISTINCT FROM", {C(kM), C(kW)}));
  v.push_back(Call("IS DISTINCT FROM", {C(kS), C(kP)}));
  v.push_back(Call("IS NOT DISTINCT FROM", {C(kD), Null()}));
  // Logic, with NULLs and per-row short-circuit.
  auto gt = [&](BoundExprPtr a, BoundExprPtr b) { return Call(">", {a, b}); };
  v.push_back(Call("AND", {C(kF), gt(C(kI), I(0))}));
  v.push_back(Call("OR", {C(kF), gt(C(kI), I(0))}));
  v.push_back(Call("NOT", {C(kF)}));
  v.push_back(Call(
      "OR", {Call("=", {C(kK), I(0)}), gt(Call("/", {I(10), C(kK)}), I(1))}));
  v.push_back(Call("AND", {Call("<>", {C(kK), I(0)}),
                           gt(Call("/", {C(kI), C(kK)}), I(10))}));
  v.push_back(Call("AND", {Call("AND", {C(kF), Call("IS NULL", {C(kS)})}),
                           Call("OR", {Null(), C(kF)})}));
  v.push_back(Call("NOT", {Call("AND", {Null(), C(kF)})}));
  v.push_back(Call("IS NULL", {C(kI)}));
  v.push_back(Call("IS NOT NULL", {C(kS)}));
  v.push_back(Call("IS NULL", {Call("/", {C(kI), C(kK)})}));
  // Casts.
  v.push_back(Cast(C(kI), kBigint));
  v.push_back(Cast(C(kB), kInt));
  v.push_back(Cast(C(kB), kInt, true));
  v.push_back(Cast(C(kD), kInt));
  v.push_back(Cast(C(kD), kBigint, true));
  v.push_back(Cast(C(kM), kInt));
  v.push_back(Cast(C(kW), kBigint));
  v.push_back(Cast(C(kW), kBigint, true));
  v.push_back(Cast(C(kI), LogicalType::DecimalOrDie(5, 1)));
  v.push_back(Cast(C(kM), LogicalType::DecimalOrDie(4, 1)));
  v.push_back(Cast(C(kW), LogicalType::DecimalOrDie(12, 2), true));
  v.push_back(Cast(C(kD), LogicalType::DecimalOrDie(10, 2)));
  v.push_back(Cast(C(kI), kDouble));
  v.push_back(Cast(C(kW), kDouble));
  v.push_back(Cast(C(kF), kInt));
  v.push_back(Cast(C(kI), LogicalType::Boolean()));
  v.push_back(Cast(C(kS), kInt));
  v.push_back(Cast(C(kS), kDouble, true));
  v.push_back(Cast(C(kS), LogicalType::TimestampOrDie(3), true));
  v.push_back(Cast(C(kS), LogicalType::Boolean(), true));
  v.push_back(Cast(C(kTs), LogicalType::Date()));
  v.push_back(Cast(C(kTs), LogicalType::Time()));
  v.push_back(Cast(C(kDt), LogicalType::TimestampOrDie(3)));
  v.push_back(Cast(C(kTs), LogicalType::TimestampOrDie(0)));
  v.push_back(Cast(C(kI), kVarchar));
  v.push_back(Cast(C(kD), kVarchar));
  v.push_back(Cast(C(kM), kVarchar));
  v.push_back(Cast(C(kTs), kVarchar));
  v.push_back(Cast(C(kIv), kVarchar));
  v.push_back(Cast(Null(), kInt));
  // CASE / IF / COALESCE / NULLIF / GREATEST / LEAST.
  v.push_back(
      Case({Call("=", {C(kK), I(0)}), Cast(Null(), kBigint),
            Call("=", {C(kK), I(1)}), Call("/", {C(kI), C(kK)}), C(kB)}));
  v.push_back(Case({C(kF), C(kS), S("x")}));
  v.push_back(
      Case({Call(">", {C(kK), I(0)}), Call("/", {C(kM), C(kK)}), Null()}));
  v.push_back(Case({Call("IS NULL", {C(kI)}), D(1.5), C(kI)}));
  v.push_back(Call("IF", {C(kF), C(kI), Call("*", {C(kK), I(2)})}));
  v.push_back(Call(
      "IF", {Call("<>", {C(kK), I(0)}), Call("/", {C(kB), C(kK)}), Big(-1)}));
  v.push_back(Call("COALESCE", {C(kI), C(kB), I(0)}));
  v.push_back(Call("COALESCE", {C(kS), C(kP)}));
  v.push_back(Call("COALESCE", {C(kK), Call("/", {I(1), I(0)})}));
  v.push_back(Call("NULLIF", {C(kI), C(kK)}));
  v.push_back(Call("GREATEST", {C(kI), C(kK), I(3)}));
  v.push_back(Call("LEAST", {C(kD), D(1.5)}));
  // Strings.
  v.push_back(Call("UPPER", {C(kS)}));
  v.push_back(Call("LOWER", {C(kS)}));
  v.push_back(Call("LCASE", {C(kS)}));
  v.push_back(Call("LENGTH", {C(kS)}));
  v.push_back(Call("SUBSTRING", {C(kS), C(kK), I(2)}));
  v.push_back(Call("SUBSTRING", {C(kS), C(kI)}));
  v.push_back(Call("SUBSTRING", {C(kS), I(2), Call("-", {C(kK), I(1)})}));
  v.push_back(Call("CONCAT", {C(kS), S("-"), C(kP)}));
  v.push_back(Call("CONCAT", {C(kS)}));
  v.push_back(Call("||", {C(kS), C(kP)}));
  v.push_back(Call("CONCAT_WS", {S(","), C(kS), C(kP)}));
  v.push_back(Call("TRIM", {C(kS)}));
  v.push_back(Call("LTRIM", {C(kS), S(" a")}));
  v.push_back(Call("RTRIM", {C(kS)}));
  v.push_back(Call("REPLACE", {C(kS), S("p"), S("[p]")}));
  v.push_back(Call("POSITION", {S("p"), C(kS)}));
  v.push_back(Call("LPAD", {C(kS), C(kK), S("*é")}));
  v.push_back(Call("RPAD", {C(kS), C(kK)}));
  v.push_back(Call("REVERSE", {C(kS)}));
  v.push_back(Call("SPLIT_PART", {C(kS), S(","), Call("-", {C(kK), I(2)})}));
  v.push_back(Call("REGEXP_EXTRACT", {C(kS), S("([a-z]+)")}));
  v.push_back(Call("REGEXP_EXTRACT", {C(kS), S("(a)(p)"), C(kK)}));
  v.push_back(Call("REGEXP_EXTRACT", {C(kS), S("(")}));
  v.push_back(Call("REGEXP_EXTRACT", {C(kS), C(kP)}));
  v.push_back(Call("REGEXP_REPLACE", {C(kS), S("["), S("x")}));
  v.push_back(Call("REGEXP_REPLACE", {C(kS), S("p+"), S("<\\0>")}));
  v.push_back(Call("REGEXP_LIKE", {C(kS), S("^a")}));
  v.push_back(Call("REGEXP", {C(kS), S("p{2}")}));
  v.push_back(Call("REGEXP", {C(kS), C(kP)}));
  v.push_back(Call("REGEXP", {C(kS), S("(")}));
  for (const char* p : {"app%", "%pp", "%p%", "apple", "_p%", "%", "", "é%",
                        "%é", "%é%", "a%b", "%%a%%", "\xA9%"}) {
    v.push_back(Call("LIKE", {C(kS), S(p)}));
  }
  v.push_back(Call("LIKE", {C(kS), S("a!%%"), S("!")}));
  v.push_back(Call("LIKE", {C(kS), S("a%!"), S("!")}));
  v.push_back(Call("LIKE", {C(kS), C(kP)}));
  v.push_back(Call("LIKE", {C(kS), C(kP), S("!")}));
  // Time.
  v.push_back(Call("EXTRACT", {S("YEAR"), C(kTs)}));
  v.push_back(Call("EXTRACT", {S("DOW"), C(kDt)}));
  v.push_back(Call("EXTRACT", {S("HOUR"), C(kT)}));
  v.push_back(Call("EXTRACT", {S("YEAR"), C(kT)}));
  v.push_back(Call("DATE_FORMAT", {C(kTs), S("%Y-%m-%d %H:%i:%s.%f %W")}));
  v.push_back(Call("TO_TIMESTAMP", {C(kS)}));
  v.push_back(Call("TO_TIMESTAMP", {C(kS), S("%Y")}));
  v.push_back(Call("TO_DATE", {C(kS)}));
  v.push_back(Call("TO_DATE", {C(kS), S("%Y-%m-%d")}));
  v.push_back(Call("UNIX_TIMESTAMP", {C(kTs)}));
  v.push_back(Call("FROM_UNIXTIME", {C(kB)}));
  v.push_back(Call("DATE_TRUNC", {S("MONTH"), C(kTs)}));
  v.push_back(Call("DATE_TRUNC", {S("WEEK"), C(kDt)}));
  // JSON.
  v.push_back(Call("JSON_VALUE", {C(kJs), S("$.a")}));
  v.push_back(Call("JSON_QUERY", {C(kJs), S("$.b")}));
  v.push_back(Call("JSON_EXISTS", {C(kJs), S("$.b.c")}));
  v.push_back(Call("JSON_VALUE", {C(kJs), S("$[")}));
  // Numeric functions.
  v.push_back(Call("ABS", {C(kI)}));
  v.push_back(Call("ABS", {C(kD)}));
  v.push_back(Call("ABS", {C(kM)}));
  v.push_back(Call("CEIL", {C(kM)}));
  v.push_back(Call("FLOOR", {C(kD)}));
  v.push_back(Call("ROUND", {C(kM), I(1)}));
  v.push_back(Call("ROUND", {C(kD)}));
  v.push_back(Call("ROUND", {C(kB), I(-2)}));
  v.push_back(Call("TRUNCATE", {C(kW), C(kK)}));
  v.push_back(Call("POWER", {C(kD), D(2)}));
  v.push_back(Call("POWER", {C(kK), D(-1)}));
  v.push_back(Call("SQRT", {C(kD)}));
  v.push_back(Call("EXP", {C(kD)}));
  v.push_back(Call("SIGN", {C(kM)}));
  for (const char* fn : {"LN", "LOG10", "LOG2"}) {
    if (ResolveScalar(fn, {kDouble}).ok()) v.push_back(Call(fn, {C(kD)}));
  }
  // Constant subtrees (folded) next to columns; a failing constant only
  // fails rows that reach it.
  v.push_back(Call("+", {C(kI), Call("*", {I(6), I(7)})}));
  v.push_back(Call("LIKE", {C(kS), Call("CONCAT", {S("a"), S("%")})}));
  v.push_back(Case({C(kF), Call("/", {I(1), I(0)}), I(5)}));
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vector_eval)

BOOST_AUTO_TEST_CASE(every_expression_matches_row_at_a_time_evaluation) {
  auto corpus = Corpus();
  size_t rows = 0, errors = 0;
  for (uint64_t seed : {1, 2}) {
    Batch batch = RandomBatch(seed, 160);
    for (const auto& e : corpus) {
      batch.ClearSelection();
      CheckStats s = Check(e, batch);
      rows += s.rows;
      errors += s.errors;
    }
  }
  BOOST_TEST_MESSAGE("checked " << corpus.size() << " expressions, " << rows
                                << " rows, " << errors << " error rows");
  BOOST_CHECK_GT(errors, 0u);
}

BOOST_AUTO_TEST_CASE(sparse_selection_matches_and_skips_unselected_rows) {
  auto corpus = Corpus();
  Batch batch = RandomBatch(7, 200);
  Rng rng(99);
  std::vector<uint32_t> sel;
  for (uint32_t r = 0; r < 200; ++r) {
    if (Between(rng, 0, 4) == 0) sel.push_back(r);
  }
  for (const auto& e : corpus) {
    batch.SetSelection(sel);
    Check(e, batch);
  }
}

BOOST_AUTO_TEST_CASE(every_listed_scalar_function_is_covered) {
  std::set<std::string> used;
  for (const auto& e : Corpus()) CollectFunctions(*e, &used);
  std::set<std::string> skip = {
      "COUNT",       "SUM",  "AVG",        "MIN", "MAX",
      "ROW_NUMBER",  "RANK", "DENSE_RANK", "NOW", "CURRENT_TIMESTAMP",
      "CURRENT_DATE"};
  std::string missing;
  for (const FunctionDoc& d : ListFunctions()) {
    if (skip.count(d.name) || d.description.rfind("Same as ", 0) == 0) continue;
    if (!used.count(d.name)) missing += d.name + " ";
  }
  BOOST_CHECK_MESSAGE(missing.empty(), "not covered: " + missing);
}

BOOST_AUTO_TEST_CASE(division_by_zero_in_an_unselected_row_is_not_an_error) {
  Batch batch(TestSchema());
  Rng rng(3);
  for (int k : {5, 0, 2}) {
    std::vector<Value> row;
    for (int c = 0; c < kNumCols; ++c) row.push_back(RandomValue(rng, c));
    row[kI] = Value::Int(100);
    row[kK] = Value::Int(k);
    batch.AppendRow(row);
  }
  auto e = Call("/", {C(kI), C(kK)});
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE(compiled.ok());
  Column out;
  batch.SetSelection({0, 2});
  BOOST_REQUIRE((*compiled)->Evaluate(batch, &out).ok());
  BOOST_CHECK_EQUAL(out.GetValue(0).integer(), 20);
  BOOST_CHECK_EQUAL(out.GetValue(2).integer(), 50);

  batch.ClearSelection();
  size_t error_row = 99;
  absl::Status s = (*compiled)->Evaluate(batch, &out, &error_row);
  BOOST_REQUIRE(!s.ok());
  BOOST_CHECK_EQUAL(error_row, 1u);
  BOOST_CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  BOOST_CHECK_EQUAL(Message(s),
                    "division by zero in (i / k) [arguments: 100, 0]");

  // Per-row short-circuit: k = 0 OR 10 / k > 1 never divides by zero.
  auto guarded = Call("OR", {Call("=", {C(kK), I(0)}),
                             Call(">", {Call("/", {I(10), C(kK)}), I(1)})});
  auto g = CompiledExpr::Compile(guarded);
  BOOST_REQUIRE(g.ok());
  BOOST_REQUIRE((*g)->Evaluate(batch, &out).ok());
  BOOST_CHECK(out.GetValue(0).boolean());
  BOOST_CHECK(out.GetValue(1).boolean());
  BOOST_CHECK(out.GetValue(2).boolean());
}

BOOST_AUTO_TEST_CASE(filter_drops_null_and_false_and_keeps_prior_selection) {
  Batch batch(TestSchema());
  Rng rng(4);
  std::vector<std::optional<int>> ks = {1, std::nullopt, 0, 3, 4, std::nullopt};
  for (const auto& k : ks) {
    std::vector<Value> row;
    for (int c = 0; c < kNumCols; ++c) row.push_back(RandomValue(rng, c));
    row[kK] = k ? Value::Int(*k) : Value::Null(LogicalType::Int());
    batch.AppendRow(row);
  }
  auto compiled = CompiledExpr::Compile(Call(">", {C(kK), I(0)}));
  BOOST_REQUIRE(compiled.ok());
  BOOST_REQUIRE((*compiled)->Filter(&batch).ok());
  BOOST_CHECK((batch.selection() == std::vector<uint32_t>{0, 3, 4}));
  batch.SetSelection({1, 2, 4, 5});
  BOOST_REQUIRE((*compiled)->Filter(&batch).ok());
  BOOST_CHECK((batch.selection() == std::vector<uint32_t>{4}));

  auto not_bool = CompiledExpr::Compile(C(kK));
  BOOST_REQUIRE(not_bool.ok());
  BOOST_CHECK(!(*not_bool)->Filter(&batch).ok());
}

BOOST_AUTO_TEST_CASE(overflow_reports_row_and_values) {
  Batch batch(TestSchema());
  Rng rng(5);
  for (int32_t i : {1, std::numeric_limits<int32_t>::max()}) {
    std::vector<Value> row;
    for (int c = 0; c < kNumCols; ++c) row.push_back(RandomValue(rng, c));
    row[kI] = Value::Int(i);
    batch.AppendRow(row);
  }
  auto compiled = CompiledExpr::Compile(Call("+", {C(kI), I(1)}));
  BOOST_REQUIRE(compiled.ok());
  Column out;
  size_t error_row = 99;
  absl::Status s = (*compiled)->Evaluate(batch, &out, &error_row);
  BOOST_CHECK(s.code() == absl::StatusCode::kOutOfRange);
  BOOST_CHECK_EQUAL(error_row, 1u);
  BOOST_CHECK_EQUAL(Message(s),
                    "integer overflow in INT + INT in (i + 1) [arguments: "
                    "2147483647, 1]");
}

BOOST_AUTO_TEST_CASE(clock_functions_read_the_time_once_per_batch) {
  Batch batch = RandomBatch(6, 50);
  auto e = MakeCall("NOW", {}, LogicalType::TimestampOrDie(3), false);
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE(compiled.ok());
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  int64_t before = now() / 1000 * 1000;
  Column out;
  BOOST_REQUIRE((*compiled)->Evaluate(batch, &out).ok());
  int64_t after = now();
  for (size_t r = 0; r < 50; ++r) {
    BOOST_CHECK_EQUAL(out.GetValue(r).integer(), out.GetValue(0).integer());
  }
  BOOST_CHECK_GE(out.GetValue(0).integer(), before);
  BOOST_CHECK_LE(out.GetValue(0).integer(), after);

  auto date = CompiledExpr::Compile(
      MakeCall("CURRENT_DATE", {}, LogicalType::Date(), false));
  BOOST_REQUIRE(date.ok());
  BOOST_REQUIRE((*date)->Evaluate(batch, &out).ok());
  BOOST_CHECK_EQUAL(out.GetValue(7).integer(), before / 86'400'000'000LL);
}

BOOST_AUTO_TEST_CASE(compile_rejects_unknown_functions_and_bad_columns) {
  auto bad = CompiledExpr::Compile(
      MakeCall("NO_SUCH_FN", {C(kI)}, LogicalType::Int(), true));
  BOOST_CHECK(!bad.ok());
  // A column whose physical type does not match is an error, not a crash.
  auto wrong =
      CompiledExpr::Compile(MakeColumn(kS, "s", LogicalType::Bigint(), true));
  BOOST_REQUIRE(wrong.ok());
  Batch batch = RandomBatch(8, 4);
  Column out;
  BOOST_CHECK(!(*wrong)->Evaluate(batch, &out).ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(packed_string_columns_pass_through_and_feed_kernels) {
  // Columns as a decoder fills them: strings packed in one buffer.
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      {"s", LogicalType::Varchar(), true}, {"n", LogicalType::Bigint(), true}});
  Batch batch(schema);
  batch.column(0).AppendBytes("abc");
  batch.column(0).AppendNull();
  batch.column(0).AppendBytes("x|y");
  batch.column(1).AppendInt(4);
  batch.column(1).AppendNull();
  batch.column(1).AppendInt(-6);
  batch.SetNumRows(3);
  BOOST_REQUIRE(batch.column(0).string_objects() == nullptr);

  auto pass =
      CompiledExpr::Compile(MakeColumn(0, "s", LogicalType::Varchar(), true));
  BOOST_REQUIRE(pass.ok());
  Column out;
  BOOST_REQUIRE((*pass)->Evaluate(batch, &out).ok());
  BOOST_TEST(out.size() == 3u);
  BOOST_TEST(out.string_objects() == nullptr);  // copied in its own form
  BOOST_TEST(out.StringAt(0) == "abc");
  BOOST_TEST(out.IsNull(1));
  BOOST_TEST(out.StringAt(2) == "x|y");

  auto ints =
      CompiledExpr::Compile(MakeColumn(1, "n", LogicalType::Bigint(), true));
  BOOST_REQUIRE(ints.ok());
  BOOST_REQUIRE((*ints)->Evaluate(batch, &out).ok());
  BOOST_TEST(out.ints()[0] == 4);
  BOOST_TEST(out.IsNull(1));
  BOOST_TEST(out.ints()[2] == -6);

  auto upper = CompiledExpr::Compile(
      MakeCall("UPPER", {MakeColumn(0, "s", LogicalType::Varchar(), true)},
               LogicalType::Varchar(), true));
  BOOST_REQUIRE(upper.ok());
  BOOST_REQUIRE((*upper)->Evaluate(batch, &out).ok());
  BOOST_TEST(out.StringAt(0) == "ABC");
  BOOST_TEST(out.IsNull(1));
  BOOST_TEST(out.StringAt(2) == "X|Y");
  // The input column was read where it was, not converted.
  BOOST_TEST(batch.column(0).string_objects() == nullptr);
}
