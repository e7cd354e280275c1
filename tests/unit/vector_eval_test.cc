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

// Two kinds of checks. The corpus tests evaluate each expression over
// batches of generated rows and compare every live row with the same
// expression evaluated for that row alone (EvaluateConstant with the row's
// values as literals): results must be equal, or both must fail. Since
// constant folding runs the same kernels over a one-row batch, that is not
// an independent reference for what a kernel computes; it checks what
// batching adds: selections, constant and column operands, NULL flags
// across rows, lazy branches, the row an error is reported at. What the
// kernels compute is checked against values written by hand in the
// *_give_the_expected_values tests at the end.

using namespace weir;
using namespace weir::expr;
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
  const Field& f = schema->fields()[i];
  return MakeColumn(i, f.name, f.type, true);
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

using Rng = std::mt19937_64;

template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

int64_t Between(Rng& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

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

// ---------------------------------------------------------------- builders

BoundExprPtr I(int32_t v) { return MakeLiteral(Value::Int(v)); }
BoundExprPtr Big(int64_t v) { return MakeLiteral(Value::Bigint(v)); }
BoundExprPtr S(std::string v) {
  return MakeLiteral(Value::Varchar(std::move(v)));
}
BoundExprPtr D(double v) { return MakeLiteral(Value::Double(v)); }
BoundExprPtr Null() { return MakeLiteral(Value()); }
BoundExprPtr Dec(const std::string& text) {
  return MakeLiteral(*types::ParseDecimalLiteral(text));
}
BoundExprPtr Cast(BoundExprPtr e, LogicalType t, bool try_cast = false) {
  return MakeCast(std::move(e), t, try_cast);
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// What the binder does: resolve, cast the arguments, build the call.
BoundExprPtr Call(const std::string& name, std::vector<BoundExprPtr> args) {
  std::vector<LogicalType> types;
  for (const auto& a : args) types.push_back(a->type);
  auto r = ResolveScalar(name, types);
  BOOST_REQUIRE_MESSAGE(r.ok(), name + ": " + Message(r.status()));
  for (size_t i = 0; i < args.size(); ++i) {
    args[i] = MakeCast(args[i], r->arg_types[i]);
  }
  return MakeCall(r->function, std::move(args), r->result, true);
}

BoundExprPtr Case(std::vector<BoundExprPtr> args) {
  LogicalType t = LogicalType::Null();
  for (size_t i = 1; i < args.size(); i += 2) {
    t = *types::CommonSuperType(t, args[i]->type);
  }
  if (args.size() % 2 == 1) t = *types::CommonSuperType(t, args.back()->type);
  for (size_t i = 1; i < args.size(); i += 2) args[i] = MakeCast(args[i], t);
  if (args.size() % 2 == 1) args.back() = MakeCast(args.back(), t);
  return MakeCase(std::move(args), t);
}

// ---------------------------------------------------------------- checks

bool SameValue(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  // -0.0 and 0.0 compare equal but print differently.
  if (a.type().id() == types::TypeId::kDouble &&
      b.type().id() == types::TypeId::kDouble &&
      std::signbit(a.dbl()) != std::signbit(b.dbl()) && !std::isnan(a.dbl())) {
    return false;
  }
  if (a == b) return true;
  return a.type() == b.type() && a.ToString() == b.ToString();  // NaN
}

absl::StatusOr<Value> RowAtATime(const BoundExprPtr& e, const Batch& batch,
                                 size_t row) {
  std::vector<BoundExprPtr> literals;
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    literals.push_back(MakeLiteral(batch.column(c).GetValue(row)));
  }
  return EvaluateConstant(*RemapColumns(e, literals));
}

std::vector<uint32_t> LiveRows(const Batch& batch) {
  if (batch.has_selection()) return batch.selection();
  std::vector<uint32_t> rows(batch.num_rows());
  for (uint32_t r = 0; r < rows.size(); ++r) rows[r] = r;
  return rows;
}

struct CheckStats {
  size_t rows = 0;
  size_t errors = 0;
};

/// Evaluates `e` over the live rows of `batch`; each reported error must be
/// an error of the reference at that row (same code), then the row is
/// dropped and evaluation repeated; finally every remaining row must equal
/// the reference. For BOOLEAN expressions Filter is checked too.
/// With `exact_messages`, a vector error must read "<the reference's
/// message> in <subexpression> [arguments: ...]".
CheckStats Check(const BoundExprPtr& e, Batch& batch,
                 bool exact_messages = false) {
  CheckStats stats;
  const std::string what = e->ToString();
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE_MESSAGE(compiled.ok(),
                        what + ": " + Message(compiled.status()));
  std::vector<uint32_t> live = LiveRows(batch);
  Column out;
  for (int attempt = 0;; ++attempt) {
    BOOST_REQUIRE_MESSAGE(attempt < 400, what + ": too many errors");
    batch.SetSelection(live);
    size_t error_row = SIZE_MAX;
    absl::Status s = (*compiled)->Evaluate(batch, &out, &error_row);
    if (s.ok()) break;
    auto it = std::find(live.begin(), live.end(), error_row);
    BOOST_REQUIRE_MESSAGE(
        it != live.end(),
        what + ": error at a row that is not live: " + Message(s));
    auto ref = RowAtATime(e, batch, error_row);
    BOOST_CHECK_MESSAGE(!ref.ok(), what + " row " + std::to_string(error_row) +
                                       ": vector error '" + Message(s) +
                                       "' but reference " +
                                       (ref.ok() ? ref->ToString() : ""));
    if (!ref.ok()) {
      BOOST_CHECK_MESSAGE(ref.status().code() == s.code(),
                          what + ": error codes differ: '" + Message(s) +
                              "' vs '" + Message(ref.status()) + "'");
      BOOST_CHECK_MESSAGE(
          Message(s).find(Message(ref.status())) != std::string::npos ||
              Message(s).find(" in ") != std::string::npos,
          Message(s));
      if (exact_messages) {
        BOOST_CHECK_MESSAGE(
            Message(s).rfind(Message(ref.status()) + " in ", 0) == 0,
            what + ": vector error '" + Message(s) + "' reference '" +
                Message(ref.status()) + "'");
      }
    }
    ++stats.errors;
    live.erase(it);
  }
  BOOST_REQUIRE_EQUAL(out.size(), batch.num_rows());
  BOOST_REQUIRE(out.type() == e->type);
  for (uint32_t r : live) {
    auto ref = RowAtATime(e, batch, r);
    Value got = out.GetValue(r);
    if (!ref.ok()) {
      BOOST_ERROR(what << " row " << r << ": reference error '"
                       << Message(ref.status()) << "' but vector gave "
                       << got.ToString());
      continue;
    }
    BOOST_CHECK_MESSAGE(SameValue(*ref, got),
                        what << " row " << r << ": vector " << got.ToString()
                             << " reference " << ref->ToString());
    ++stats.rows;
  }
  if (e->type.id() == types::TypeId::kBoolean) {
    batch.SetSelection(live);
    absl::Status s = (*compiled)->Filter(&batch);
    BOOST_REQUIRE_MESSAGE(s.ok(), what + ": Filter: " + Message(s));
    std::vector<uint32_t> want;
    for (uint32_t r : live) {
      Value v = out.GetValue(r);
      if (!v.is_null() && v.boolean()) want.push_back(r);
    }
    BOOST_CHECK_MESSAGE(batch.selection() == want,
                        what + ": Filter rows differ");
  }
  return stats;
}

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

// ------------------------------------------------------- string kernels
//
// The string functions' kernels, compared with row-at-a-time evaluation on
// generated text: NULLs, empty strings, multi-byte UTF-8 (2, 3 and 4 bytes),
// a stray continuation byte, repeated delimiters, and positions that are
// negative, zero, past the end or at the BIGINT limits.

enum StrCol { kSs, kSp, kSq, kSn, kSk, kNumStrCols };

std::shared_ptr<const Schema> StringSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"s", LogicalType::Varchar(), true},
      {"p", LogicalType::Varchar(), true},
      {"q", LogicalType::Varchar(), true},
      {"n", LogicalType::Bigint(), true},
      {"k", LogicalType::Int(), true},
  });
}

BoundExprPtr SC(int i) {
  static const auto schema = StringSchema();
  const Field& f = schema->fields()[i];
  return MakeColumn(i, f.name, f.type, true);
}

std::string RandomText(Rng& rng, size_t max_pieces) {
  static const std::vector<std::string> kPieces = {
      "a",  "b", "ab",   ",",   ",",  " ", " ",  "é",
      "日", "😀", "\x80", "x,y", "--", "A", "\t", "\\1"};
  std::string out;
  size_t pieces = static_cast<size_t>(Between(rng, 0, max_pieces));
  for (size_t i = 0; i < pieces; ++i) out += Pick(rng, kPieces);
  return out;
}

Batch RandomStringBatch(uint64_t seed, size_t rows) {
  Rng rng(seed);
  Batch batch(StringSchema());
  static const std::vector<int64_t> kEdge = {
      0,
      1,
      -1,
      2,
      -2,
      3,
      -3,
      100,
      -100,
      std::numeric_limits<int64_t>::max(),
      std::numeric_limits<int64_t>::min()};
  for (size_t r = 0; r < rows; ++r) {
    auto null_or = [&](Value v) {
      return Between(rng, 0, 9) == 0 ? Value::Null(v.type()) : v;
    };
    std::vector<Value> row;
    row.push_back(null_or(Value::Varchar(RandomText(rng, 8))));
    row.push_back(null_or(Value::Varchar(RandomText(rng, 2))));
    row.push_back(null_or(Value::Varchar(RandomText(rng, 3))));
    row.push_back(null_or(Value::Bigint(
        Between(rng, 0, 3) == 0 ? Pick(rng, kEdge) : Between(rng, -6, 6))));
    row.push_back(
        null_or(Value::Int(static_cast<int32_t>(Between(rng, -3, 12)))));
    batch.AppendRow(row);
  }
  return batch;
}

std::vector<BoundExprPtr> StringKernelCorpus() {
  std::vector<BoundExprPtr> v;
  const BoundExprPtr s = SC(kSs), p = SC(kSp), q = SC(kSq), n = SC(kSn),
                     k = SC(kSk);
  for (const char* fn : {"TRIM", "LTRIM", "RTRIM"}) {
    v.push_back(Call(fn, {s}));
    v.push_back(Call(fn, {s, p}));
    v.push_back(Call(fn, {s, S("é ")}));
    v.push_back(Call(fn, {s, S("\x80"
                               "a")}));
    v.push_back(Call(fn, {s, S("")}));
  }
  v.push_back(Call("REPLACE", {s, p, q}));
  v.push_back(Call("REPLACE", {s, S(","), S("é")}));
  v.push_back(Call("REPLACE", {s, S(""), S("x")}));
  v.push_back(Call("REPLACE", {s, S("é"), S("")}));
  v.push_back(Call("REPLACE", {s, S("aa"), q}));
  v.push_back(Call("POSITION", {p, s}));
  v.push_back(Call("POSITION", {S("é"), s}));
  v.push_back(Call("POSITION", {S(""), s}));
  v.push_back(Call("POSITION", {S("\x80"), s}));
  for (const char* fn : {"LPAD", "RPAD"}) {
    v.push_back(Call(fn, {s, k}));
    v.push_back(Call(fn, {s, k, p}));
    v.push_back(Call(fn, {s, k, S("é日😀")}));
    v.push_back(Call(fn, {s, k, S("")}));
    v.push_back(Call(fn, {s, I(5), S("-")}));
  }
  v.push_back(Call("REVERSE", {s}));
  v.push_back(Call("REVERSE", {p}));
  v.push_back(Call("SPLIT_PART", {s, p, n}));
  v.push_back(Call("SPLIT_PART", {s, S(","), n}));
  v.push_back(Call("SPLIT_PART", {s, S(","), k}));
  v.push_back(Call("SPLIT_PART", {s, S(""), n}));
  v.push_back(Call("SPLIT_PART", {s, S("é"), I(-1)}));
  v.push_back(Call("SPLIT_PART", {s, S(",,"), I(2)}));
  v.push_back(Call("SPLIT_PART", {s, S("ab"), Big(0)}));
  v.push_back(Call("SPLIT_PART", {q, S(" "), Call("-", {k, I(3)})}));
  v.push_back(Call("REGEXP_EXTRACT", {s, S("([a-z]+),?")}));
  v.push_back(Call("REGEXP_EXTRACT", {s, S("([a-z]+)(,)?"), k}));
  v.push_back(Call("REGEXP_EXTRACT", {s, S("é(.)"), I(1)}));
  v.push_back(Call("REGEXP_EXTRACT", {s, S("(a)|(b)"), I(2)}));
  v.push_back(Call("REGEXP_EXTRACT", {s, S(""), n}));
  v.push_back(Call("REGEXP_REPLACE", {s, S(",+"), q}));
  v.push_back(Call("REGEXP_REPLACE", {s, S("(a)(b)?"), S("<\\2\\1>")}));
  v.push_back(Call("REGEXP_REPLACE", {s, S("é"), S("\\9")}));
  v.push_back(Call("REGEXP_REPLACE", {s, S(""), S("-")}));
  v.push_back(Call("JSON_VALUE",
                   {Call("CONCAT", {S("{\"a\": \""), s, S("\"}")}), S("$.a")}));
  v.push_back(Call("JSON_VALUE",
                   {Call("CONCAT", {S("{\"a\": "), p, S("}")}), S("$.a")}));
  v.push_back(
      Call("JSON_QUERY",
           {Call("CONCAT", {S("{\"a\": [\""), s, S("\"]}")}), S("$.a")}));
  v.push_back(Call("JSON_QUERY", {S("{\"a\": {\"b\": 1}}"), q}));
  v.push_back(Call("JSON_EXISTS", {Call("CONCAT", {S("{\""), p, S("\": 1}")}),
                                   Call("CONCAT", {S("$."), q})}));
  v.push_back(Call("JSON_EXISTS", {s, S("$")}));
  v.push_back(Call("JSON_VALUE", {s, S("$[")}));
  v.push_back(Call("CONCAT_WS", {p, s, q}));
  v.push_back(Call("CONCAT_WS", {S(","), s, p, q}));
  v.push_back(Call("CONCAT_WS", {S("é"), s}));
  // Nested kernels, and kernels under lazy forms (only some rows reach them).
  v.push_back(
      Call("UPPER", {Call("SPLIT_PART", {Call("TRIM", {s}), S(","), k})}));
  v.push_back(
      Call("LENGTH", {Call("REPLACE", {Call("REVERSE", {s}), p, S("")})}));
  v.push_back(
      Call("IF", {Call(">", {k, I(2)}), Call("SPLIT_PART", {s, S(","), n}),
                  Call("LPAD", {q, k, p})}));
  v.push_back(Call("=", {Call("SPLIT_PART", {s, S(","), I(1)}), S("a")}));
  v.push_back(Call("COALESCE", {Call("SPLIT_PART", {s, p, k}), S("none")}));
  return v;
}

BOOST_AUTO_TEST_CASE(string_kernels_match_row_at_a_time_evaluation) {
  auto corpus = StringKernelCorpus();
  size_t rows = 0, errors = 0;
  for (uint64_t seed : {11, 12, 13}) {
    Batch batch = RandomStringBatch(seed, 300);
    Rng rng(seed * 7);
    std::vector<uint32_t> sparse;
    for (uint32_t r = 0; r < 300; ++r) {
      if (Between(rng, 0, 2) == 0) sparse.push_back(r);
    }
    for (const auto& e : corpus) {
      batch.ClearSelection();
      CheckStats all = Check(e, batch, true);
      batch.SetSelection(sparse);
      CheckStats some = Check(e, batch, true);
      rows += all.rows + some.rows;
      errors += all.errors + some.errors;
    }
  }
  BOOST_TEST_MESSAGE("string kernels: " << corpus.size() << " expressions, "
                                        << rows << " rows, " << errors
                                        << " error rows");
  BOOST_CHECK_GT(rows, 10000u);
  BOOST_CHECK_GT(errors, 0u);  // SPLIT_PART with a zero position
}

BOOST_AUTO_TEST_CASE(
    split_part_zero_position_error_names_the_row_and_arguments) {
  Batch batch(StringSchema());
  for (int64_t pos : {1, -1, 0, 2}) {
    batch.AppendRow({Value::Varchar("a,b"), Value::Varchar(","),
                     Value::Varchar(""), Value::Bigint(pos), Value::Int(0)});
  }
  auto e = Call("SPLIT_PART", {SC(kSs), S(","), SC(kSn)});
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE(compiled.ok());
  Column out;
  size_t error_row = 99;
  absl::Status st = (*compiled)->Evaluate(batch, &out, &error_row);
  BOOST_CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  BOOST_CHECK_EQUAL(error_row, 2u);
  auto ref = RowAtATime(e, batch, 2);
  BOOST_REQUIRE(!ref.ok());
  BOOST_CHECK(ref.status().code() == st.code());
  BOOST_CHECK_EQUAL(Message(st), Message(ref.status()) + " in " +
                                     e->ToString() +
                                     " [arguments: 'a,b', ',', 0]");
  // Row 2 unselected: no error, and the other rows are right.
  batch.SetSelection({0, 1, 3});
  BOOST_REQUIRE((*compiled)->Evaluate(batch, &out).ok());
  BOOST_CHECK_EQUAL(out.GetValue(0).str(), "a");
  BOOST_CHECK_EQUAL(out.GetValue(1).str(), "b");
  BOOST_CHECK_EQUAL(out.GetValue(3).str(), "b");
}

// ------------------------------------------- numeric and temporal kernels
//
// ABS, CEIL, FLOOR, ROUND, TRUNCATE, SIGN, POWER, SQRT, LN, LOG10, EXP,
// NULLIF, GREATEST, LEAST, EXTRACT, DATE_TRUNC, DATE_FORMAT, UNIX_TIMESTAMP,
// FROM_UNIXTIME, TO_TIMESTAMP and TO_DATE, compared with row-at-a-time
// evaluation on generated values: NULLs, zero, negatives, INT / BIGINT
// limits, DECIMAL at 38 digits, NaN, infinities and -0.0, digit counts past
// +-38, dates before 1970 and leap days, valid and invalid field names and
// texts.

enum NumCol {
  kNi,
  kNb,
  kNd,
  kNe,
  kNm,
  kNw,
  kNx,
  kNk,
  kNts,
  kNdt,
  kNt,
  kNf,
  kNs,
  kNfmt,
  kNumNumCols
};

std::shared_ptr<const Schema> NumSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"i", LogicalType::Int(), true},
      {"b", LogicalType::Bigint(), true},
      {"d", LogicalType::Double(), true},
      {"e", LogicalType::Double(), true},
      {"m", LogicalType::DecimalOrDie(10, 2), true},
      {"w", LogicalType::DecimalOrDie(38, 6), true},
      {"x", LogicalType::DecimalOrDie(38, 0), true},
      {"k", LogicalType::Int(), true},
      {"ts", LogicalType::TimestampOrDie(3), true},
      {"dt", LogicalType::Date(), true},
      {"t", LogicalType::Time(), true},
      {"f", LogicalType::Varchar(), true},
      {"s", LogicalType::Varchar(), true},
      {"fmt", LogicalType::Varchar(), true},
  });
}

BoundExprPtr NC(int i) {
  static const auto schema = NumSchema();
  const Field& f = schema->fields()[i];
  return MakeColumn(i, f.name, f.type, true);
}

__int128 MaxDigits38() {
  __int128 max = 1;
  for (int i = 0; i < 38; ++i) max *= 10;
  return max - 1;
}

Batch RandomNumBatch(uint64_t seed, size_t rows) {
  Rng rng(seed);
  Batch batch(NumSchema());
  const double inf = std::numeric_limits<double>::infinity();
  static const std::vector<int32_t> kInts = {
      std::numeric_limits<int32_t>::max(),
      std::numeric_limits<int32_t>::min(),
      std::numeric_limits<int32_t>::min() + 1,
      0,
      1,
      -1,
      5,
      -5,
      15,
      -15,
      149,
      -150,
      999999999};
  static const std::vector<int64_t> kBigs = {
      std::numeric_limits<int64_t>::max(),
      std::numeric_limits<int64_t>::min(),
      std::numeric_limits<int64_t>::min() + 1,
      0,
      1,
      -1,
      25,
      -25,
      9223372036854775LL,
      -9223372036854775LL,
      4102444800LL,
      -62135596800LL,
      253402300799LL};
  static const std::vector<double> kDoubles = {
      0.0,   -0.0,   1.0,        -1.0,    0.5,    -0.5,         1.5,
      -2.5,  2.5,    1e308,      -1e308,  5e-324, 1e-300,       709.0,
      710.0, -745.0, 1e15 + 0.5, 123.456, -0.001, std::nan(""), inf,
      -inf,  3.0,    -3.0,       0.1};
  static const std::vector<int64_t> kDigits = {
      0, 1, -1, 2, -2, 6, -6, 18, -18, 38, -38, 39, -39, 40, -40, 100, -100};
  static const std::vector<int64_t> kMicros = {0,
                                               -1000,
                                               1000,
                                               -86400000000LL,
                                               1709251199999000LL,
                                               951782400000000LL,
                                               -2203934400000000LL,
                                               -11670975000000000LL,
                                               -62135596800000000LL,
                                               253402300799999000LL,
                                               -310517876996000LL};
  static const std::vector<int64_t> kDays = {
      0, -1, 19782, 11016, -25509, -135081, -719162, 2932896, -3594, 59, -306};
  static const std::vector<std::string> kFields = {
      "year",  "QUARTER", "Month",  "week",   "DAY",         "dow",
      "doy",   "hour",    "minute", "second", "MILLISECOND", "microsecond",
      "epoch", "bogus",   "",       "Year "};
  static const std::vector<std::string> kTexts = {
      "2024-02-29 12:34:56.789",
      "2024-02-29",
      "2023-02-29",
      "1969-12-31 23:59:59.999999",
      "1600-02-29 00:00:00",
      "0001-01-01",
      "garbage",
      "",
      "29/02/2024",
      "2024-02-29 12:34:56",
      "12:30 PM",
      "Thursday February 2024 060 PM 123456"};
  static const std::vector<std::string> kFormats = {
      "%Y-%m-%d",
      "%Y-%m-%d %H:%i:%s",
      "%d/%m/%Y",
      "%W %M %Y %j %p %f",
      "%%",
      "%x",
      "",
      "%h:%i %p",
      "%a %b %e %y %T %k %l %c %S %I %H"};
  const __int128 max38 = MaxDigits38();
  for (size_t r = 0; r < rows; ++r) {
    auto null_or = [&](Value v) {
      return Between(rng, 0, 9) == 0 ? Value::Null(v.type()) : v;
    };
    auto edge = [&] { return Between(rng, 0, 2) == 0; };
    auto big_dec = [&](int scale) {
      LogicalType t = LogicalType::DecimalOrDie(38, scale);
      switch (Between(rng, 0, 5)) {
        case 0:
          return Value::Decimal(max38, t);
        case 1:
          return Value::Decimal(-max38, t);
        case 2:
          return Value::Decimal(0, t);
        case 3:
          return Value::Decimal(max38 / 1000 * 1000 + 500, t);
        default:
          return Value::Decimal(
              Between(rng, -10'000'000'000LL, 10'000'000'000LL), t);
      }
    };
    std::vector<Value> row;
    row.push_back(null_or(Value::Int(
        edge() ? Pick(rng, kInts)
               : static_cast<int32_t>(Between(rng, -100000, 100000)))));
    row.push_back(null_or(Value::Bigint(
        edge() ? Pick(rng, kBigs)
               : Between(rng, -1'000'000'000LL, 1'000'000'000LL))));
    for (int i = 0; i < 2; ++i) {
      row.push_back(null_or(Value::Double(
          edge() ? Pick(rng, kDoubles)
                 : std::uniform_real_distribution<double>(-50, 50)(rng))));
    }
    row.push_back(null_or(Value::Decimal(
        edge() ? Pick(rng, std::vector<int64_t>{9999999999LL, -9999999999LL, 0,
                                                1, -1, 50, -50, 150, -149})
               : Between(rng, -100000, 100000),
        LogicalType::DecimalOrDie(10, 2))));
    row.push_back(null_or(big_dec(6)));
    row.push_back(null_or(big_dec(0)));
    row.push_back(null_or(Value::Int(static_cast<int32_t>(
        edge() ? Pick(rng, kDigits) : Between(rng, -4, 4)))));
    row.push_back(null_or(
        Value::Timestamp(edge() ? Pick(rng, kMicros)
                                : Between(rng, -10'000'000'000'000'000LL,
                                          10'000'000'000'000'000LL) /
                                      1000 * 1000,
                         3)));
    row.push_back(null_or(Value::Date(edge() ? Pick(rng, kDays)
                                             : Between(rng, -200000, 200000))));
    row.push_back(null_or(Value::Time(Between(rng, 0, 86'399'999'999LL))));
    row.push_back(null_or(Value::Varchar(Pick(rng, kFields))));
    row.push_back(null_or(Value::Varchar(Pick(rng, kTexts))));
    row.push_back(null_or(Value::Varchar(Pick(rng, kFormats))));
    batch.AppendRow(row);
  }
  return batch;
}

std::vector<BoundExprPtr> NumericKernelCorpus() {
  std::vector<BoundExprPtr> v;
  const std::vector<int> kNumericCols = {kNi, kNb, kNd, kNm, kNw, kNx};
  for (const char* fn : {"ABS", "CEIL", "CEILING", "FLOOR", "ROUND", "TRUNCATE",
                         "TRUNC", "SIGN"}) {
    for (int c : kNumericCols) v.push_back(Call(fn, {NC(c)}));
  }
  for (const char* fn : {"ROUND", "TRUNCATE"}) {
    for (int c : kNumericCols) {
      v.push_back(Call(fn, {NC(c), NC(kNk)}));
      for (int32_t digits :
           {-2, 1, 3, 40, -40, std::numeric_limits<int32_t>::min()}) {
        v.push_back(Call(fn, {NC(c), I(digits)}));
      }
    }
  }
  for (const char* fn : {"SQRT", "LN", "LOG10", "EXP"}) {
    for (int c : kNumericCols) v.push_back(Call(fn, {NC(c)}));
    v.push_back(Call(fn, {Call("-", {NC(kNd), NC(kNe)})}));
  }
  v.push_back(Call("POWER", {NC(kNd), NC(kNe)}));
  v.push_back(Call("POW", {NC(kNi), NC(kNk)}));
  v.push_back(Call("POWER", {NC(kNm), D(0.5)}));
  v.push_back(Call("POWER", {D(-8), NC(kNe)}));
  v.push_back(Call("POWER", {NC(kNb), I(-1)}));
  v.push_back(Call("POWER", {NC(kNd), I(2)}));
  // NULLIF / GREATEST / LEAST on each comparable kind, and mixed types that
  // the binder casts to a common one.
  for (int c : {kNi, kNb, kNd, kNm, kNw, kNts, kNdt, kNf, kNs}) {
    v.push_back(Call("NULLIF", {NC(c), NC(c)}));
    v.push_back(Call("GREATEST", {NC(c)}));
  }
  v.push_back(Call("NULLIF", {NC(kNi), NC(kNk)}));
  v.push_back(Call("NULLIF", {NC(kNd), NC(kNe)}));
  v.push_back(Call("NULLIF", {NC(kNd), D(0.0)}));
  v.push_back(Call("NULLIF", {NC(kNm), Dec("0.00")}));
  v.push_back(Call("NULLIF", {NC(kNs), S("")}));
  v.push_back(Call("NULLIF", {NC(kNk), Null()}));
  v.push_back(Call("NULLIF", {NC(kNi), NC(kNb)}));
  v.push_back(Call("NULLIF", {NC(kNts), NC(kNdt)}));
  for (const char* fn : {"GREATEST", "LEAST"}) {
    v.push_back(Call(fn, {NC(kNi), NC(kNk)}));
    v.push_back(Call(fn, {NC(kNi), NC(kNk), I(3)}));
    v.push_back(Call(fn, {NC(kNi), NC(kNb)}));
    v.push_back(Call(fn, {NC(kNd), NC(kNe), D(-0.0)}));
    v.push_back(Call(fn, {NC(kNm), NC(kNw)}));
    v.push_back(Call(fn, {NC(kNw), NC(kNx)}));
    v.push_back(Call(fn, {NC(kNm), NC(kNi)}));
    v.push_back(Call(fn, {NC(kNf), NC(kNs), NC(kNfmt)}));
    v.push_back(Call(fn, {NC(kNts), NC(kNdt)}));
    v.push_back(Call(fn, {NC(kNdt), NC(kNdt), Null()}));
  }
  // Date and time.
  v.push_back(Call("EXTRACT", {NC(kNf), NC(kNts)}));
  v.push_back(Call("EXTRACT", {NC(kNf), NC(kNdt)}));
  v.push_back(Call("EXTRACT", {NC(kNf), NC(kNt)}));
  for (const char* field :
       {"year", "WEEK", "dow", "doy", "EPOCH", "millisecond", "month"}) {
    v.push_back(Call("EXTRACT", {S(field), NC(kNts)}));
    v.push_back(Call("EXTRACT", {S(field), NC(kNdt)}));
  }
  v.push_back(Call("EXTRACT", {S("hour"), NC(kNt)}));
  v.push_back(Call("EXTRACT", {S("year"), NC(kNt)}));
  v.push_back(Call("DATE_TRUNC", {NC(kNf), NC(kNts)}));
  v.push_back(Call("DATE_TRUNC", {NC(kNf), NC(kNdt)}));
  for (const char* unit : {"year", "QUARTER", "month", "week", "day", "hour",
                           "second", "millisecond"}) {
    v.push_back(Call("DATE_TRUNC", {S(unit), NC(kNts)}));
  }
  v.push_back(Call("DATE_TRUNC", {S("week"), NC(kNdt)}));
  v.push_back(Call("DATE_FORMAT", {NC(kNts), NC(kNfmt)}));
  v.push_back(Call("DATE_FORMAT", {NC(kNdt), NC(kNfmt)}));
  v.push_back(Call("DATE_FORMAT", {NC(kNts), S("%Y-%m-%d %H:%i:%s.%f %W %j")}));
  v.push_back(Call("UNIX_TIMESTAMP", {NC(kNts)}));
  v.push_back(Call("UNIX_TIMESTAMP", {NC(kNdt)}));
  v.push_back(Call("FROM_UNIXTIME", {NC(kNb)}));
  v.push_back(Call("FROM_UNIXTIME", {NC(kNi)}));
  v.push_back(Call("TO_TIMESTAMP", {NC(kNs)}));
  v.push_back(Call("TO_TIMESTAMP", {NC(kNs), NC(kNfmt)}));
  v.push_back(Call("TO_TIMESTAMP", {NC(kNs), S("%Y-%m-%d")}));
  v.push_back(Call("TO_DATE", {NC(kNs)}));
  v.push_back(Call("TO_DATE", {NC(kNs), NC(kNfmt)}));
  v.push_back(Call("TO_DATE", {Call("DATE_FORMAT", {NC(kNdt), S("%d/%m/%Y")}),
                               S("%d/%m/%Y")}));
  // Nested kernels and kernels under lazy forms.
  v.push_back(Call("ROUND", {Call("SQRT", {Call("ABS", {NC(kNd)})}), I(2)}));
  v.push_back(Call("+", {Call("SIGN", {NC(kNw)}), Call("ABS", {NC(kNi)})}));
  v.push_back(Call(
      "IF", {Call(">", {NC(kNk), I(0)}), Call("LN", {Call("ABS", {NC(kNd)})}),
             Call("EXP", {NC(kNe)})}));
  v.push_back(
      Call("COALESCE", {Call("NULLIF", {Call("FLOOR", {NC(kNm)}), Dec("0")}),
                        Call("CEIL", {NC(kNw)})}));
  v.push_back(Call(
      "=", {Call("EXTRACT", {S("year"), NC(kNdt)}),
            Call("EXTRACT",
                 {S("year"), Call("DATE_TRUNC", {S("month"), NC(kNdt)})})}));
  v.push_back(Call("GREATEST", {Call("TRUNCATE", {NC(kNx), NC(kNk)}),
                                Call("ROUND", {NC(kNw), I(-3)})}));
  return v;
}

BOOST_AUTO_TEST_CASE(
    numeric_and_temporal_kernels_match_row_at_a_time_evaluation) {
  auto corpus = NumericKernelCorpus();
  size_t rows = 0, errors = 0;
  for (uint64_t seed : {21, 22, 23}) {
    Batch batch = RandomNumBatch(seed, 300);
    Rng rng(seed * 5);
    std::vector<uint32_t> sparse;
    for (uint32_t r = 0; r < 300; ++r) {
      if (Between(rng, 0, 3) == 0) sparse.push_back(r);
    }
    for (const auto& e : corpus) {
      batch.ClearSelection();
      CheckStats all = Check(e, batch, true);
      batch.SetSelection(sparse);
      CheckStats some = Check(e, batch, true);
      rows += all.rows + some.rows;
      errors += all.errors + some.errors;
    }
  }
  BOOST_TEST_MESSAGE("numeric/temporal kernels: "
                     << corpus.size() << " expressions, " << rows << " rows, "
                     << errors << " error rows");
  BOOST_CHECK_GT(rows, 50000u);
  BOOST_CHECK_GT(errors, 0u);
}

BOOST_AUTO_TEST_CASE(numeric_kernel_errors_name_the_row_and_the_arguments) {
  Batch batch(NumSchema());
  for (int64_t b :
       {int64_t{5}, std::numeric_limits<int64_t>::min(), int64_t{-7}}) {
    Batch one = RandomNumBatch(31, 1);
    std::vector<Value> row;
    for (int c = 0; c < kNumNumCols; ++c) {
      row.push_back(one.column(c).GetValue(0));
    }
    row[kNb] = Value::Bigint(b);
    batch.AppendRow(row);
  }
  auto e = Call("ABS", {NC(kNb)});
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE(compiled.ok());
  Column out;
  size_t error_row = 99;
  absl::Status st = (*compiled)->Evaluate(batch, &out, &error_row);
  BOOST_CHECK(st.code() == absl::StatusCode::kOutOfRange);
  BOOST_CHECK_EQUAL(error_row, 1u);
  BOOST_CHECK_EQUAL(Message(st),
                    "integer overflow in ABS(BIGINT) in ABS(b) [arguments: "
                    "-9223372036854775808]");
  batch.SetSelection({0, 2});
  BOOST_REQUIRE((*compiled)->Evaluate(batch, &out).ok());
  BOOST_CHECK_EQUAL(out.GetValue(0).integer(), 5);
  BOOST_CHECK_EQUAL(out.GetValue(2).integer(), 7);
}

// The kernels of ROUND and TRUNCATE run internal::RoundExact, so the
// row-at-a-time comparison above cannot catch a mistake in it: check it
// against the direct formulation with types::internal::Rescale (divide rounding
// half away from zero, scale back, fit the result type).
BOOST_AUTO_TEST_CASE(round_exact_matches_the_rescale_formulation) {
  namespace ti = types::internal;
  auto reference = [](__int128 u, int scale, int64_t digits, bool truncate,
                      const LogicalType& result) -> absl::StatusOr<__int128> {
    digits = std::clamp<int64_t>(digits, -40, 40);
    int64_t k = scale - digits;
    __int128 r = u;
    if (k > 38) {
      r = 0;
    } else if (k > 0 && truncate) {
      __int128 p = static_cast<__int128>(ti::Pow10(static_cast<int>(k)));
      r = u / p * p;
    } else if (k > 0) {
      auto q = ti::Rescale(u, static_cast<int>(k), 0);
      auto back = ti::Rescale(*q, 0, static_cast<int>(k));
      if (!back) return absl::OutOfRangeError("overflow in ROUND");
      r = *back;
    }
    if (result.IsInteger()) {
      __int128 v = *ti::Rescale(r, scale, 0);
      bool fits = result.id() == types::TypeId::kInt
                      ? v >= INT32_MIN && v <= INT32_MAX
                      : v >= INT64_MIN && v <= INT64_MAX;
      if (!fits) return absl::OutOfRangeError("integer overflow in ROUND");
      return v;
    }
    auto v = ti::Rescale(r, scale, result.scale());
    if (!v || !ti::FitsPrecision(*v, result.precision())) {
      return absl::OutOfRangeError("DECIMAL overflow: value does not fit " +
                                   result.ToString());
    }
    return *v;
  };
  Rng rng(41);
  const __int128 max38 = MaxDigits38();
  const __int128 int128_max =
      static_cast<__int128>(~static_cast<unsigned __int128>(0) >> 1);
  std::vector<__int128> values = {0,
                                  1,
                                  -1,
                                  5,
                                  -5,
                                  15,
                                  -15,
                                  49,
                                  50,
                                  -50,
                                  max38,
                                  -max38,
                                  max38 / 2,
                                  -max38 / 2,
                                  int128_max,
                                  -int128_max,
                                  std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::min()};
  for (int i = 0; i < 400; ++i) {
    __int128 v = static_cast<__int128>(Between(rng, INT64_MIN, INT64_MAX)) *
                 Between(rng, 1, INT64_MAX);
    values.push_back(v);
    values.push_back(v / 1000 * 1000 + 500);
  }
  size_t checked = 0, errors = 0;
  for (__int128 u : values) {
    for (int scale : {0, 1, 2, 6, 18, 37, 38}) {
      for (int64_t digits = -42; digits <= 42; digits += 1) {
        for (bool truncate : {false, true}) {
          std::vector<LogicalType> results = {
              LogicalType::DecimalOrDie(38, scale),
              LogicalType::DecimalOrDie(std::max(1, 38 - scale), 0),
              LogicalType::DecimalOrDie(std::min(38, scale + 1), scale)};
          if (scale == 0) {
            results.push_back(LogicalType::Bigint());
            results.push_back(LogicalType::Int());
          }
          for (const LogicalType& t : results) {
            auto want = reference(u, scale, digits, truncate, t);
            auto got =
                weir::expr::internal::RoundExact(u, scale, digits, truncate, t);
            ++checked;
            BOOST_REQUIRE_EQUAL(want.ok(), got.ok());
            if (!want.ok()) {
              ++errors;
              BOOST_REQUIRE(want.status().code() == got.status().code());
              BOOST_REQUIRE_EQUAL(Message(want.status()),
                                  Message(got.status()));
            } else {
              BOOST_REQUIRE(*want == *got);
            }
          }
        }
      }
    }
  }
  BOOST_TEST_MESSAGE("RoundExact: " << checked << " cases, " << errors
                                    << " errors");
  BOOST_CHECK_GT(errors, 0u);
}

// ------------------------------------------------- literal expectations
//
// The tests above compare a batch with the same expression evaluated one
// row at a time; constant folding runs the batch kernels over a one-row
// batch, so that checks what batching adds (selections, constant and
// column operands, NULL flags across rows, lazy branches, the row an error
// is reported at), not what a kernel computes. These tables do: argument
// columns, rows written by hand, and each row's result worked out by hand
// (timestamps and decimal quotients with Python's datetime and decimal),
// evaluated as one batch, then again with only the odd rows selected.

/// What row r must give: a value (of exactly the result type), or an
/// error with this whole message.
struct Want {
  Value value;
  std::string error;
};
Want W(Value v) { return {std::move(v), ""}; }
Want Err(std::string message) { return {Value(), std::move(message)}; }

struct Table {
  std::vector<Field> columns;
  std::vector<std::vector<Value>> rows;

  BoundExprPtr Col(size_t i) const {
    return MakeColumn(static_cast<int>(i), columns[i].name, columns[i].type,
                      true);
  }
};

void ExpectRows(const Table& t, const BoundExprPtr& e,
                const std::vector<Want>& want) {
  const std::string what = e->ToString();
  BOOST_REQUIRE_EQUAL(t.rows.size(), want.size());
  Batch batch(std::make_shared<Schema>(t.columns));
  for (const auto& row : t.rows) batch.AppendRow(row);
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE_MESSAGE(compiled.ok(),
                        what + ": " + Message(compiled.status()));
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<uint32_t> live;
    for (uint32_t r = 0; r < t.rows.size(); ++r) {
      if (pass == 0 || r % 2 == 1) live.push_back(r);
    }
    Column out;
    for (;;) {
      batch.SetSelection(live);
      size_t error_row = SIZE_MAX;
      absl::Status s = (*compiled)->Evaluate(batch, &out, &error_row);
      if (s.ok()) break;
      auto it = std::find(live.begin(), live.end(), error_row);
      BOOST_REQUIRE_MESSAGE(it != live.end(), what + ": " + Message(s));
      BOOST_CHECK_MESSAGE(Message(s) == want[error_row].error,
                          what << " row " << error_row << ": error '"
                               << Message(s) << "', want '"
                               << want[error_row].error << "'");
      live.erase(it);
    }
    BOOST_REQUIRE(out.type() == e->type);
    for (uint32_t r : live) {
      Value got = out.GetValue(r);
      BOOST_CHECK_MESSAGE(want[r].error.empty(),
                          what << " row " << r << ": got " << got.ToString()
                               << ", want the error '" << want[r].error << "'");
      if (!want[r].error.empty()) continue;
      BOOST_CHECK_MESSAGE(
          SameValue(got, want[r].value) && got.type() == want[r].value.type(),
          what << " row " << r << ": got " << got.ToString() << " ("
               << got.type().ToString() << "), want "
               << want[r].value.ToString() << " ("
               << want[r].value.type().ToString() << ")");
    }
  }
}

LogicalType DecT(int p, int s) { return LogicalType::DecimalOrDie(p, s); }
Value DecV(__int128 unscaled, int p, int s) {
  return Value::Decimal(unscaled, DecT(p, s));
}
Value NullOf(LogicalType t) { return Value::Null(t); }
Value Ts(int64_t micros, int p) { return Value::Timestamp(micros, p); }
Value Bool(bool b) { return Value::Boolean(b); }
Value Str(std::string s) { return Value::Varchar(std::move(s)); }

const LogicalType kIntT = LogicalType::Int();
const LogicalType kBigT = LogicalType::Bigint();
const LogicalType kDblT = LogicalType::Double();
const LogicalType kStrT = LogicalType::Varchar();
const LogicalType kBoolT = LogicalType::Boolean();

BOOST_AUTO_TEST_CASE(integer_arithmetic_gives_the_expected_values) {
  Table t{{{"a", kIntT, true}, {"b", kIntT, true}},
          {{Value::Int(1), Value::Int(2)},
           {Value::Int(-5), Value::Int(3)},
           {Value::Int(2147483647), Value::Int(1)},
           {NullOf(kIntT), Value::Int(4)},
           {Value::Int(-2147483647 - 1), Value::Int(0)}}};
  ExpectRows(t, Call("+", {t.Col(0), t.Col(1)}),
             {W(Value::Int(3)), W(Value::Int(-2)),
              Err("integer overflow in INT + INT in (a + b) [arguments: "
                  "2147483647, 1]"),
              W(NullOf(kIntT)), W(Value::Int(-2147483647 - 1))});
  Table d{{{"a", kIntT, true}, {"b", kIntT, true}},
          {{Value::Int(7), Value::Int(2)},
           {Value::Int(-7), Value::Int(2)},
           {Value::Int(7), Value::Int(-2)},
           {Value::Int(1), Value::Int(0)},
           {Value::Int(-2147483647 - 1), Value::Int(-1)},
           {NullOf(kIntT), Value::Int(0)}}};
  ExpectRows(d, Call("/", {d.Col(0), d.Col(1)}),
             {W(Value::Int(3)), W(Value::Int(-3)), W(Value::Int(-3)),
              Err("division by zero in (a / b) [arguments: 1, 0]"),
              Err("integer overflow in INT / INT in (a / b) [arguments: "
                  "-2147483648, -1]"),
              W(NullOf(kIntT))});
  ExpectRows(d, Call("%", {d.Col(0), d.Col(1)}),
             {W(Value::Int(1)), W(Value::Int(-1)), W(Value::Int(1)),
              Err("division by zero in (a % b) [arguments: 1, 0]"),
              W(Value::Int(0)), W(NullOf(kIntT))});
  ExpectRows(d, Call("NEGATE", {d.Col(0)}),
             {W(Value::Int(-7)), W(Value::Int(7)), W(Value::Int(-7)),
              W(Value::Int(-1)),
              Err("integer overflow in - INT in (- a) [arguments: "
                  "-2147483648]"),
              W(NullOf(kIntT))});
  // 3037000499^2 = 9223372030926249001 still fits; 2^32 * 2^32 does not.
  Table m{{{"x", kBigT, true}, {"y", kBigT, true}},
          {{Value::Bigint(3037000499), Value::Bigint(3037000499)},
           {Value::Bigint(4294967296), Value::Bigint(4294967296)},
           {Value::Bigint(-3), Value::Bigint(4)}}};
  ExpectRows(m, Call("*", {m.Col(0), m.Col(1)}),
             {W(Value::Bigint(9223372030926249001LL)),
              Err("integer overflow in BIGINT * BIGINT in (x * y) "
                  "[arguments: 4294967296, 4294967296]"),
              W(Value::Bigint(-12))});
}

BOOST_AUTO_TEST_CASE(decimal_and_double_arithmetic_give_the_expected_values) {
  // DECIMAL(10, 2) op DECIMAL(5, 4): + is DECIMAL(13, 4), * DECIMAL(15, 6),
  // / DECIMAL(20, 8) (scale max(6, 2 + 5 + 1)), % DECIMAL(5, 4).
  Table t{{{"a", DecT(10, 2), true}, {"b", DecT(5, 4), true}},
          {{DecV(1234, 10, 2), DecV(1, 5, 4)},
           {DecV(-1, 10, 2), DecV(50, 5, 4)},
           {DecV(9999999999, 10, 2), DecV(99999, 5, 4)},
           {DecV(100, 10, 2), NullOf(DecT(5, 4))}}};
  ExpectRows(t, Call("+", {t.Col(0), t.Col(1)}),
             {W(DecV(123401, 13, 4)), W(DecV(-50, 13, 4)),
              W(DecV(1000000099899, 13, 4)), W(NullOf(DecT(13, 4)))});
  ExpectRows(t, Call("*", {t.Col(0), t.Col(1)}),
             {W(DecV(1234, 15, 6)), W(DecV(-50, 15, 6)),
              W(DecV(999989999900001, 15, 6)), W(NullOf(DecT(15, 6)))});
  Table q{{{"a", DecT(10, 2), true}, {"b", DecT(5, 4), true}},
          {{DecV(100, 10, 2), DecV(30000, 5, 4)},
           {DecV(200, 10, 2), DecV(30000, 5, 4)},
           {DecV(-200, 10, 2), DecV(30000, 5, 4)},
           {DecV(100, 10, 2), DecV(0, 5, 4)},
           {DecV(750, 10, 2), DecV(20000, 5, 4)},
           {DecV(-750, 10, 2), DecV(20000, 5, 4)}}};
  ExpectRows(q, Call("/", {q.Col(0), q.Col(1)}),
             {W(DecV(33333333, 20, 8)), W(DecV(66666667, 20, 8)),
              W(DecV(-66666667, 20, 8)),
              Err("division by zero in (a / b) [arguments: 1.00, 0.0000]"),
              W(DecV(375000000, 20, 8)), W(DecV(-375000000, 20, 8))});
  ExpectRows(q, Call("%", {q.Col(0), q.Col(1)}),
             {W(DecV(10000, 5, 4)), W(DecV(20000, 5, 4)), W(DecV(-20000, 5, 4)),
              Err("division by zero in (a % b) [arguments: 1.00, 0.0000]"),
              W(DecV(15000, 5, 4)), W(DecV(-15000, 5, 4))});
  __int128 nines = 1;
  for (int i = 0; i < 38; ++i) nines *= 10;
  nines -= 1;
  Table big{{{"p", DecT(38, 0), true}, {"q", DecT(38, 0), true}},
            {{DecV(nines, 38, 0), DecV(1, 38, 0)},
             {DecV(nines, 38, 0), DecV(-1, 38, 0)}}};
  ExpectRows(big, Call("+", {big.Col(0), big.Col(1)}),
             {Err("DECIMAL overflow: value does not fit DECIMAL(38, 0) in (p "
                  "+ q) [arguments: " +
                  std::string(38, '9') + ", 1]"),
              W(DecV(nines - 1, 38, 0))});
  // Operands that need more than 128 bits at their common scale, results
  // that fit: DECIMAL(3, 1) + DECIMAL(37, 37) is DECIMAL(38, 35); 20.5 + 1E-37
  // rounds to 20.5 (205 * 10^34 at scale 35), 1E-37 - 20.5 to -20.5.
  __int128 e34 = 1;
  for (int i = 0; i < 34; ++i) e34 *= 10;
  Table x{{{"a", DecT(3, 1), true}, {"b", DecT(37, 37), true}},
          {{DecV(205, 3, 1), DecV(1, 37, 37)},
           {DecV(-205, 3, 1), DecV(0, 37, 37)}}};
  ExpectRows(x, Call("+", {x.Col(0), x.Col(1)}),
             {W(DecV(205 * e34, 38, 35)), W(DecV(-205 * e34, 38, 35))});
  ExpectRows(x, Call("-", {x.Col(1), x.Col(0)}),
             {W(DecV(-205 * e34, 38, 35)), W(DecV(205 * e34, 38, 35))});
  // (10^38 - 1) % 0.7 = 0.3 with the sign of the dividend; DECIMAL(38, 0) %
  // DECIMAL(1, 1) is DECIMAL(1, 1).
  Table m38{{{"n", DecT(38, 0), true}, {"d", DecT(1, 1), true}},
            {{DecV(nines, 38, 0), DecV(7, 1, 1)},
             {DecV(-nines, 38, 0), DecV(7, 1, 1)},
             {DecV(3, 38, 0), DecV(7, 1, 1)}}};
  ExpectRows(m38, Call("%", {m38.Col(0), m38.Col(1)}),
             {W(DecV(3, 1, 1)), W(DecV(-3, 1, 1)), W(DecV(2, 1, 1))});
  Table f{{{"d", kDblT, true}, {"e", kDblT, true}},
          {{Value::Double(1.0), Value::Double(4.0)},
           {Value::Double(1e308), Value::Double(1e-308)},
           {Value::Double(1.0), Value::Double(0.0)},
           {Value::Double(-7.5), Value::Double(2.0)}}};
  ExpectRows(f, Call("/", {f.Col(0), f.Col(1)}),
             {W(Value::Double(0.25)),
              Err("value out of range: overflow in DOUBLE / DOUBLE in (d / e) "
                  "[arguments: 1e+308, 1e-308]"),
              Err("division by zero in (d / e) [arguments: 1E0, 0E0]"),
              W(Value::Double(-3.75))});
  // % takes the sign of the dividend.
  Table r{{{"d", kDblT, true}, {"e", kDblT, true}},
          {{Value::Double(7.5), Value::Double(2.0)},
           {Value::Double(-7.5), Value::Double(2.0)},
           {Value::Double(1.0), Value::Double(0.0)}}};
  ExpectRows(r, Call("%", {r.Col(0), r.Col(1)}),
             {W(Value::Double(1.5)), W(Value::Double(-1.5)),
              Err("division by zero in (d % e) [arguments: 1E0, 0E0]")});
}

BOOST_AUTO_TEST_CASE(date_and_time_arithmetic_gives_the_expected_values) {
  const LogicalType ts3 = LogicalType::TimestampOrDie(3);
  const LogicalType iv = LogicalType::Interval();
  // 2024-01-31 10:00:00 + 1 month = 2024-02-29 10:00:00 (day clamped);
  // 2026-01-01 23:59:58.500 + 2 s = 2026-01-02 00:00:00.500;
  // 1970-01-01 - 1 ms = 1969-12-31 23:59:59.999.
  Table t{{{"ts", ts3, true}, {"iv", iv, true}},
          {{Ts(1706695200000000, 3), Value::Interval({1, 0})},
           {Ts(1767311998500000, 3), Value::Interval({0, 2000000})},
           {Ts(0, 3), Value::Interval({0, -1000})},
           {NullOf(ts3), Value::Interval({0, 1})}}};
  ExpectRows(t, Call("+", {t.Col(0), t.Col(1)}),
             {W(Ts(1709200800000000, 3)), W(Ts(1767312000500000, 3)),
              W(Ts(-1000, 3)), W(NullOf(ts3))});
  ExpectRows(t, Call("+", {t.Col(1), t.Col(0)}),
             {W(Ts(1709200800000000, 3)), W(Ts(1767312000500000, 3)),
              W(Ts(-1000, 3)), W(NullOf(ts3))});
  // 2024-03-31 - 13 months = 2023-02-28.
  Table m{{{"ts", LogicalType::TimestampOrDie(0), true}, {"iv", iv, true}},
          {{Ts(1711843200000000, 0), Value::Interval({13, 0})}}};
  ExpectRows(m, Call("-", {m.Col(0), m.Col(1)}), {W(Ts(1677542400000000, 0))});
  // 2024-02-28 + 1 day = 2024-02-29; 2025-01-01 - 2024-01-01 = 366 days.
  Table d{{{"d1", LogicalType::Date(), true},
           {"d2", LogicalType::Date(), true},
           {"n", kBigT, true}},
          {{Value::Date(19781), Value::Date(19723), Value::Bigint(1)},
           {Value::Date(20089), Value::Date(19723), Value::Bigint(-366)}}};
  ExpectRows(d, Call("+", {d.Col(0), d.Col(2)}),
             {W(Value::Date(19782)), W(Value::Date(19723))});
  ExpectRows(d, Call("-", {d.Col(0), d.Col(1)}),
             {W(Value::Int(58)), W(Value::Int(366))});
  // Results stay within 0001-01-01 (day -719162) and 9999-12-31 (day
  // 2932896, 253402300799999999 micros at its last microsecond).
  Table r{{{"d", LogicalType::Date(), true}, {"n", kBigT, true}},
          {{Value::Date(2932895), Value::Bigint(1)},
           {Value::Date(2932896), Value::Bigint(1)},
           {Value::Date(-719161), Value::Bigint(-1)},
           {Value::Date(-719162), Value::Bigint(-1)}}};
  ExpectRows(r, Call("+", {r.Col(0), r.Col(1)}),
             {W(Value::Date(2932896)),
              Err("DATE out of range in (d + n) [arguments: DATE "
                  "'9999-12-31', 1]"),
              W(Value::Date(-719162)),
              Err("DATE out of range in (d + n) [arguments: DATE "
                  "'0001-01-01', -1]")});
  Table e{{{"ts", ts3, true}, {"iv", iv, true}},
          {{Ts(253402300799998000, 3), Value::Interval({0, 1000})},
           {Ts(253402300799999000, 3), Value::Interval({0, 1000})},
           {Ts(-62135596800000000, 3), Value::Interval({0, -1})}}};
  ExpectRows(e, Call("+", {e.Col(0), e.Col(1)}),
             {W(Ts(253402300799999000, 3)),
              Err("TIMESTAMP out of range in (ts + iv) [arguments: TIMESTAMP "
                  "'9999-12-31 23:59:59.999', INTERVAL '0.001' SECOND]"),
              Err("TIMESTAMP out of range in (ts + iv) [arguments: TIMESTAMP "
                  "'0001-01-01 00:00:00.000', INTERVAL '-0.000001' SECOND]")});
  Table s{{{"a", ts3, true}, {"b", ts3, true}},
          {{Ts(3600000000, 3), Ts(0, 3)}, {Ts(0, 3), Ts(1500, 3)}}};
  ExpectRows(
      s, Call("-", {s.Col(0), s.Col(1)}),
      {W(Value::Interval({0, 3600000000})), W(Value::Interval({0, -1500}))});
  Table k{{{"iv", iv, true}, {"k", kBigT, true}},
          {{Value::Interval({0, 4000000}), Value::Bigint(3)},
           {Value::Interval({1, 0}), Value::Bigint(3000000000)}}};
  ExpectRows(k, Call("*", {k.Col(0), k.Col(1)}),
             {W(Value::Interval({0, 12000000})),
              Err("integer overflow in INTERVAL * BIGINT in (iv * k) "
                  "[arguments: INTERVAL '1' MONTH, 3000000000]")});
}

BOOST_AUTO_TEST_CASE(comparisons_give_the_expected_values) {
  // DECIMAL(10, 2) and DECIMAL(38, 6) compare as DECIMAL(38, 6).
  Table t{{{"m", DecT(10, 2), true}, {"w", DecT(38, 6), true}},
          {{DecV(150, 10, 2), DecV(1500001, 38, 6)},
           {DecV(-1, 10, 2), DecV(-10000, 38, 6)},
           {NullOf(DecT(10, 2)), DecV(1, 38, 6)},
           {DecV(9999999999, 10, 2), DecV(-1000000, 38, 6)}}};
  ExpectRows(
      t, Call("<", {t.Col(0), t.Col(1)}),
      {W(Bool(true)), W(Bool(false)), W(NullOf(kBoolT)), W(Bool(false))});
  ExpectRows(
      t, Call("=", {t.Col(0), t.Col(1)}),
      {W(Bool(false)), W(Bool(true)), W(NullOf(kBoolT)), W(Bool(false))});
  // DECIMAL(38, 20) against BIGINT: no common DECIMAL has room for both,
  // so each keeps its type and they compare exactly.
  Table big{
      {{"w", DecT(38, 20), true}, {"b", kBigT, true}},
      {{DecV(1, 38, 20), Value::Bigint(0)},
       {DecV(0, 38, 20), Value::Bigint(0)},
       {DecV(-1, 38, 20), Value::Bigint(std::numeric_limits<int64_t>::max())}}};
  ExpectRows(big, Call("<", {big.Col(0), big.Col(1)}),
             {W(Bool(false)), W(Bool(false)), W(Bool(true))});
  ExpectRows(big, Call("=", {big.Col(0), big.Col(1)}),
             {W(Bool(false)), W(Bool(true)), W(Bool(false))});
  ExpectRows(big, Call("NULLIF", {big.Col(1), big.Col(0)}),
             {W(Value::Bigint(0)), W(NullOf(kBigT)),
              W(Value::Bigint(std::numeric_limits<int64_t>::max()))});
  // NaN equals NaN and sorts above everything; -0.0 equals 0.0.
  const double nan = std::nan("");
  Table d{{{"d", kDblT, true}, {"e", kDblT, true}},
          {{Value::Double(nan), Value::Double(1.0)},
           {Value::Double(1.0), Value::Double(nan)},
           {Value::Double(nan), Value::Double(nan)},
           {Value::Double(-0.0), Value::Double(0.0)}}};
  ExpectRows(d, Call("<", {d.Col(0), d.Col(1)}),
             {W(Bool(false)), W(Bool(true)), W(Bool(false)), W(Bool(false))});
  ExpectRows(d, Call("=", {d.Col(0), d.Col(1)}),
             {W(Bool(false)), W(Bool(false)), W(Bool(true)), W(Bool(true))});
  // Byte-wise: 'B' (0x42) < 'a' (0x61); 'é' (0xC3 0xA9) > 'z' (0x7A).
  Table s{
      {{"s", kStrT, true}, {"t", kStrT, true}},
      {{Str("B"), Str("a")}, {Str("é"), Str("z")}, {Str("app"), Str("apple")}}};
  ExpectRows(s, Call("<", {s.Col(0), s.Col(1)}),
             {W(Bool(true)), W(Bool(false)), W(Bool(true))});
  // A month counts as 30 days.
  Table i{{{"a", LogicalType::Interval(), true},
           {"b", LogicalType::Interval(), true}},
          {{Value::Interval({1, 0}), Value::Interval({0, 2592000000000})},
           {Value::Interval({0, 1}), Value::Interval({0, 0})}}};
  ExpectRows(i, Call("=", {i.Col(0), i.Col(1)}),
             {W(Bool(true)), W(Bool(false))});
  ExpectRows(i, Call(">", {i.Col(0), i.Col(1)}),
             {W(Bool(false)), W(Bool(true))});
  // IS [NOT] DISTINCT FROM: NULL-safe, never NULL; INT against DECIMAL(10,
  // 2) compares as DECIMAL(12, 2).
  Table n{{{"a", kIntT, true}, {"m", DecT(10, 2), true}},
          {{Value::Int(1), DecV(100, 10, 2)},
           {Value::Int(1), DecV(101, 10, 2)},
           {Value::Int(1), NullOf(DecT(10, 2))},
           {NullOf(kIntT), NullOf(DecT(10, 2))},
           {NullOf(kIntT), DecV(0, 10, 2)}}};
  ExpectRows(n, Call("IS DISTINCT FROM", {n.Col(0), n.Col(1)}),
             {W(Bool(false)), W(Bool(true)), W(Bool(true)), W(Bool(false)),
              W(Bool(true))});
  ExpectRows(n, Call("IS NOT DISTINCT FROM", {n.Col(0), n.Col(1)}),
             {W(Bool(true)), W(Bool(false)), W(Bool(false)), W(Bool(true)),
              W(Bool(false))});
  ExpectRows(n, Call("IS DISTINCT FROM", {n.Col(0), Null()}),
             {W(Bool(true)), W(Bool(true)), W(Bool(true)), W(Bool(false)),
              W(Bool(false))});
}

BOOST_AUTO_TEST_CASE(string_functions_give_the_expected_values) {
  Table t{{{"s", kStrT, true}, {"n", kBigT, true}, {"p", kStrT, true}},
          {{Str("héllo"), Value::Bigint(2), Str("l")},
           {Str("héllo"), Value::Bigint(0), Str("z")},
           {Str("日本語"), Value::Bigint(-5), Str("")},
           {Str(""), Value::Bigint(9), Str("")},
           {NullOf(kStrT), Value::Bigint(1), Str("x")}}};
  ExpectRows(t, Call("LENGTH", {t.Col(0)}),
             {W(Value::Int(5)), W(Value::Int(5)), W(Value::Int(3)),
              W(Value::Int(0)), W(NullOf(kIntT))});
  ExpectRows(
      t, Call("SUBSTRING", {t.Col(0), t.Col(1), I(3)}),
      {W(Str("éll")), W(Str("hé")), W(Str("")), W(Str("")), W(NullOf(kStrT))});
  ExpectRows(t, Call("POSITION", {t.Col(2), t.Col(0)}),
             {W(Value::Int(3)), W(Value::Int(0)), W(Value::Int(1)),
              W(Value::Int(1)), W(NullOf(kIntT))});
  ExpectRows(t, Call("REVERSE", {t.Col(0)}),
             {W(Str("olléh")), W(Str("olléh")), W(Str("語本日")), W(Str("")),
              W(NullOf(kStrT))});
  ExpectRows(t, Call("UPPER", {t.Col(0)}),
             {W(Str("HéLLO")), W(Str("HéLLO")), W(Str("日本語")), W(Str("")),
              W(NullOf(kStrT))});
  Table p{{{"s", kStrT, true}, {"n", kBigT, true}, {"p", kStrT, true}},
          {{Str("7"), Value::Bigint(3), Str("0")},
           {Str("hello"), Value::Bigint(3), Str("x")},
           {Str("ab"), Value::Bigint(5), Str("xy")},
           {Str("a"), Value::Bigint(3), Str("")},
           {Str("a"), Value::Bigint(-1), Str("x")}}};
  ExpectRows(
      p, Call("LPAD", {p.Col(0), p.Col(1), p.Col(2)}),
      {W(Str("007")), W(Str("hel")), W(Str("xyxab")), W(Str("a")), W(Str(""))});
  ExpectRows(
      p, Call("RPAD", {p.Col(0), p.Col(1), p.Col(2)}),
      {W(Str("700")), W(Str("hel")), W(Str("abxyx")), W(Str("a")), W(Str(""))});
  Table sp{{{"s", kStrT, true}, {"d", kStrT, true}, {"n", kBigT, true}},
           {{Str("a,b,c"), Str(","), Value::Bigint(-1)},
            {Str("a,b,c"), Str(","), Value::Bigint(4)},
            {Str("a,b,c"), Str(","), Value::Bigint(0)},
            {Str("a,,b"), Str(","), Value::Bigint(2)},
            {Str("xyaxy"), Str("xy"), Value::Bigint(1)}}};
  ExpectRows(sp, Call("SPLIT_PART", {sp.Col(0), sp.Col(1), sp.Col(2)}),
             {W(Str("c")), W(Str("")),
              Err("SPLIT_PART field position must not be zero in "
                  "SPLIT_PART(s, d, n) [arguments: 'a,b,c', ',', 0]"),
              W(Str("")), W(Str(""))});
  ExpectRows(sp, Call("TRIM", {sp.Col(0), sp.Col(1)}),
             {W(Str("a,b,c")), W(Str("a,b,c")), W(Str("a,b,c")), W(Str("a,,b")),
              W(Str("a"))});
  Table w{{{"sep", kStrT, true}, {"a", kStrT, true}, {"b", kStrT, true}},
          {{Str(","), Str("a"), NullOf(kStrT)},
           {Str(","), Str("a"), Str("b")},
           {NullOf(kStrT), Str("a"), Str("b")},
           {Str("-"), NullOf(kStrT), NullOf(kStrT)}}};
  ExpectRows(w, Call("CONCAT_WS", {w.Col(0), w.Col(1), w.Col(2)}),
             {W(Str("a")), W(Str("a,b")), W(NullOf(kStrT)), W(Str(""))});
  ExpectRows(w, Call("CONCAT", {w.Col(1), w.Col(2)}),
             {W(NullOf(kStrT)), W(Str("ab")), W(Str("ab")), W(NullOf(kStrT))});
}

BOOST_AUTO_TEST_CASE(pattern_functions_give_the_expected_values) {
  Table t{{{"s", kStrT, true}},
          {{Str("apple")},
           {Str("APP")},
           {Str("app")},
           {Str("ap")},
           {NullOf(kStrT)},
           {Str("appé")},
           {Str("café")},
           {Str("aéc")}}};
  ExpectRows(
      t, Call("LIKE", {t.Col(0), S("app%")}),
      {W(Bool(true)), W(Bool(false)), W(Bool(true)), W(Bool(false)),
       W(NullOf(kBoolT)), W(Bool(true)), W(Bool(false)), W(Bool(false))});
  ExpectRows(t, Call("LIKE", {t.Col(0), S("%é")}),
             {W(Bool(false)), W(Bool(false)), W(Bool(false)), W(Bool(false)),
              W(NullOf(kBoolT)), W(Bool(true)), W(Bool(true)), W(Bool(false))});
  // '_' is one character, é included.
  ExpectRows(
      t, Call("LIKE", {t.Col(0), S("a_c")}),
      {W(Bool(false)), W(Bool(false)), W(Bool(false)), W(Bool(false)),
       W(NullOf(kBoolT)), W(Bool(false)), W(Bool(false)), W(Bool(true))});
  Table p{{{"s", kStrT, true}, {"p", kStrT, true}},
          {{Str("a%c"), Str("a!%c")},
           {Str("abc"), Str("a!%c")},
           {Str("abc"), Str("a!")},
           {Str("abc"), Str("a%")}}};
  ExpectRows(p, Call("LIKE", {p.Col(0), p.Col(1), S("!")}),
             {W(Bool(true)), W(Bool(false)),
              Err("LIKE pattern 'a!' must not end with the escape character "
                  "in (s LIKE p ESCAPE '!') [arguments: 'abc', 'a!', '!']"),
              W(Bool(true))});
  Table r{{{"s", kStrT, true}},
          {{Str("k=v")}, {Str("none")}, {Str("a=b c=d")}, {Str("a1b22")}}};
  ExpectRows(r, Call("REGEXP_EXTRACT", {r.Col(0), S("(\\w+)=(\\w+)"), I(2)}),
             {W(Str("v")), W(NullOf(kStrT)), W(Str("b")), W(NullOf(kStrT))});
  ExpectRows(
      r, Call("REGEXP_REPLACE", {r.Col(0), S("[0-9]+"), S("#")}),
      {W(Str("k=v")), W(Str("none")), W(Str("a=b c=d")), W(Str("a#b#"))});
  ExpectRows(r, Call("REGEXP", {r.Col(0), S("^[a-z]=")}),
             {W(Bool(true)), W(Bool(false)), W(Bool(true)), W(Bool(false))});
}

BOOST_AUTO_TEST_CASE(json_functions_give_the_expected_values) {
  Table t{{{"js", kStrT, true}},
          {{Str(R"({"a": 1})")},
           {Str(R"({"a": "x"})")},
           {Str("not json")},
           {Str(R"({"a": {"b": 1}})")},
           {Str(R"({"a": null})")},
           {Str(R"({"a": [1, 2]})")},
           {Str(R"({"b": true})")}}};
  ExpectRows(t, Call("JSON_VALUE", {t.Col(0), S("$.a")}),
             {W(Str("1")), W(Str("x")), W(NullOf(kStrT)), W(NullOf(kStrT)),
              W(NullOf(kStrT)), W(NullOf(kStrT)), W(NullOf(kStrT))});
  ExpectRows(t, Call("JSON_QUERY", {t.Col(0), S("$.a")}),
             {W(NullOf(kStrT)), W(NullOf(kStrT)), W(NullOf(kStrT)),
              W(Str(R"({"b":1})")), W(NullOf(kStrT)), W(Str("[1,2]")),
              W(NullOf(kStrT))});
  ExpectRows(t, Call("JSON_EXISTS", {t.Col(0), S("$.a")}),
             {W(Bool(true)), W(Bool(true)), W(NullOf(kBoolT)), W(Bool(true)),
              W(Bool(true)), W(Bool(true)), W(Bool(false))});
  // Deeper than 1000 levels is malformed (NULL), not a recursion 90000
  // frames deep; 1000 levels are fine.
  Table deep{{{"js", kStrT, true}},
             {{Str(std::string(90000, '[') + std::string(90000, ']'))},
              {Str(std::string(1000, '[') + std::string(1000, ']'))},
              {Str(std::string(1001, '{') + std::string(1001, '}'))}}};
  ExpectRows(deep, Call("JSON_EXISTS", {deep.Col(0), S("$")}),
             {W(NullOf(kBoolT)), W(Bool(true)), W(NullOf(kBoolT))});
  ExpectRows(
      deep, Call("JSON_QUERY", {deep.Col(0), S("$[0]")}),
      {W(NullOf(kStrT)), W(Str(std::string(999, '[') + std::string(999, ']'))),
       W(NullOf(kStrT))});
  Table p{{{"js", kStrT, true}}, {{Str("{}")}, {NullOf(kStrT)}}};
  ExpectRows(p, Call("JSON_VALUE", {p.Col(0), S("$[")}),
             {Err("invalid JSON path '$[' in JSON_VALUE(js, '$[') "
                  "[arguments: '{}', '$[']"),
              W(NullOf(kStrT))});
}

BOOST_AUTO_TEST_CASE(numeric_functions_give_the_expected_values) {
  // x is DECIMAL(10, 3): ROUND(x, 1) is DECIMAL(11, 3), ROUND(x), CEIL(x)
  // and FLOOR(x) are DECIMAL(8, 0); halves round away from zero.
  Table t{{{"x", DecT(10, 3), true}},
          {{DecV(1250, 10, 3)},
           {DecV(-1250, 10, 3)},
           {DecV(2449, 10, 3)},
           {DecV(-1500, 10, 3)},
           {DecV(1001, 10, 3)},
           {NullOf(DecT(10, 3))}}};
  ExpectRows(
      t, Call("ROUND", {t.Col(0), I(1)}),
      {W(DecV(1300, 11, 3)), W(DecV(-1300, 11, 3)), W(DecV(2400, 11, 3)),
       W(DecV(-1500, 11, 3)), W(DecV(1000, 11, 3)), W(NullOf(DecT(11, 3)))});
  ExpectRows(t, Call("ROUND", {t.Col(0)}),
             {W(DecV(1, 8, 0)), W(DecV(-1, 8, 0)), W(DecV(2, 8, 0)),
              W(DecV(-2, 8, 0)), W(DecV(1, 8, 0)), W(NullOf(DecT(8, 0)))});
  ExpectRows(t, Call("CEIL", {t.Col(0)}),
             {W(DecV(2, 8, 0)), W(DecV(-1, 8, 0)), W(DecV(3, 8, 0)),
              W(DecV(-1, 8, 0)), W(DecV(2, 8, 0)), W(NullOf(DecT(8, 0)))});
  ExpectRows(t, Call("FLOOR", {t.Col(0)}),
             {W(DecV(1, 8, 0)), W(DecV(-2, 8, 0)), W(DecV(2, 8, 0)),
              W(DecV(-2, 8, 0)), W(DecV(1, 8, 0)), W(NullOf(DecT(8, 0)))});
  ExpectRows(
      t, Call("TRUNCATE", {t.Col(0), I(1)}),
      {W(DecV(1200, 10, 3)), W(DecV(-1200, 10, 3)), W(DecV(2400, 10, 3)),
       W(DecV(-1500, 10, 3)), W(DecV(1000, 10, 3)), W(NullOf(DecT(10, 3)))});
  ExpectRows(t, Call("SIGN", {t.Col(0)}),
             {W(Value::Int(1)), W(Value::Int(-1)), W(Value::Int(1)),
              W(Value::Int(-1)), W(Value::Int(1)), W(NullOf(kIntT))});
  Table b{{{"b", kBigT, true}},
          {{Value::Bigint(-5)},
           {Value::Bigint(std::numeric_limits<int64_t>::min())}}};
  ExpectRows(b, Call("ABS", {b.Col(0)}),
             {W(Value::Bigint(5)),
              Err("integer overflow in ABS(BIGINT) in ABS(b) [arguments: "
                  "-9223372036854775808]")});
  Table d{{{"d", kDblT, true}, {"e", kDblT, true}},
          {{Value::Double(4.0), Value::Double(0.5)},
           {Value::Double(-1.0), Value::Double(2.0)},
           {Value::Double(0.0), Value::Double(-1.0)},
           {Value::Double(2.0), Value::Double(10.0)}}};
  ExpectRows(d, Call("SQRT", {d.Col(0)}),
             {W(Value::Double(2.0)),
              Err("cannot take square root of a negative number in SQRT(d) "
                  "[arguments: -1E0]"),
              W(Value::Double(0.0)), W(Value::Double(std::sqrt(2.0)))});
  ExpectRows(d, Call("POWER", {d.Col(0), d.Col(1)}),
             {W(Value::Double(2.0)), W(Value::Double(1.0)),
              Err("zero raised to a negative power is undefined in POWER(d, "
                  "e) [arguments: 0E0, -1E0]"),
              W(Value::Double(1024.0))});
}

BOOST_AUTO_TEST_CASE(date_and_time_functions_give_the_expected_values) {
  // 2026-03-15 (a Sunday) is day 20527; 2024-12-30 (a Monday, ISO week 1 of
  // 2025) is day 20087; 2021-01-03 (ISO week 53 of 2020) is day 18630.
  Table d{{{"dt", LogicalType::Date(), true}},
          {{Value::Date(20527)}, {Value::Date(20087)}, {Value::Date(18630)}}};
  ExpectRows(d, Call("EXTRACT", {S("DOW"), d.Col(0)}),
             {W(Value::Bigint(0)), W(Value::Bigint(1)), W(Value::Bigint(0))});
  ExpectRows(d, Call("EXTRACT", {S("WEEK"), d.Col(0)}),
             {W(Value::Bigint(11)), W(Value::Bigint(1)), W(Value::Bigint(53))});
  // 2026-03-15 13:45:30.123456 is 1773582330123456 micros; its week starts
  // on Monday 2026-03-09 (1773014400000000), its hour at 1773579600000000.
  const LogicalType ts6 = LogicalType::TimestampOrDie(6);
  Table t{{{"ts", ts6, true}}, {{Ts(1773582330123456, 6)}, {Ts(-1000, 6)}}};
  ExpectRows(t, Call("DATE_TRUNC", {S("week"), t.Col(0)}),
             {W(Ts(1773014400000000, 6)), W(Ts(-259200000000, 6))});
  ExpectRows(t, Call("DATE_TRUNC", {S("hour"), t.Col(0)}),
             {W(Ts(1773579600000000, 6)), W(Ts(-3600000000, 6))});
  ExpectRows(t, Call("UNIX_TIMESTAMP", {t.Col(0)}),
             {W(Value::Bigint(1773582330)), W(Value::Bigint(-1))});
  ExpectRows(t, Call("DATE_FORMAT", {t.Col(0), S("%Y/%m/%d %H:%i %a")}),
             {W(Str("2026/03/15 13:45 Sun")), W(Str("1969/12/31 23:59 Wed"))});
  Table u{{{"s", kBigT, true}},
          {{Value::Bigint(-1)},
           {Value::Bigint(86400)},
           {Value::Bigint(253402300799)},
           {Value::Bigint(253402300800)}}};
  ExpectRows(
      u, Call("FROM_UNIXTIME", {u.Col(0)}),
      {W(Ts(-1000000, 0)), W(Ts(86400000000, 0)), W(Ts(253402300799000000, 0)),
       Err("TIMESTAMP out of range in FROM_UNIXTIME(s) [arguments: "
           "253402300800]")});
  Table p{{{"s", kStrT, true}},
          {{Str("2024-02-29")}, {Str("2023-02-29")}, {Str("garbage")}}};
  ExpectRows(p, Call("TO_DATE", {p.Col(0)}),
             {W(Value::Date(19782)), W(NullOf(LogicalType::Date())),
              W(NullOf(LogicalType::Date()))});
  ExpectRows(
      p, Call("TO_TIMESTAMP", {p.Col(0), S("%Y-%m-%d")}),
      {W(Ts(1709164800000000, 3)), W(NullOf(LogicalType::TimestampOrDie(3))),
       W(NullOf(LogicalType::TimestampOrDie(3)))});
}

BOOST_AUTO_TEST_CASE(conditionals_and_logic_give_the_expected_values) {
  Table t{{{"a", kIntT, true}, {"b", kIntT, true}, {"c", kIntT, true}},
          {{Value::Int(1), Value::Int(1), Value::Int(3)},
           {Value::Int(1), Value::Int(2), NullOf(kIntT)},
           {NullOf(kIntT), Value::Int(1), Value::Int(-2)},
           {Value::Int(5), NullOf(kIntT), Value::Int(5)}}};
  ExpectRows(
      t, Call("NULLIF", {t.Col(0), t.Col(1)}),
      {W(NullOf(kIntT)), W(Value::Int(1)), W(NullOf(kIntT)), W(Value::Int(5))});
  ExpectRows(
      t, Call("GREATEST", {t.Col(0), t.Col(1), t.Col(2)}),
      {W(Value::Int(3)), W(NullOf(kIntT)), W(NullOf(kIntT)), W(NullOf(kIntT))});
  ExpectRows(
      t, Call("LEAST", {t.Col(0), t.Col(2)}),
      {W(Value::Int(1)), W(NullOf(kIntT)), W(NullOf(kIntT)), W(Value::Int(5))});
  ExpectRows(
      t, Call("COALESCE", {t.Col(0), t.Col(1), t.Col(2)}),
      {W(Value::Int(1)), W(Value::Int(1)), W(Value::Int(1)), W(Value::Int(5))});
  ExpectRows(t, Call("IS NULL", {t.Col(1)}),
             {W(Bool(false)), W(Bool(false)), W(Bool(false)), W(Bool(true))});
  // Each THEN sees only its rows: c / (b - 1) would divide by zero in row
  // 0, which takes the first branch.
  ExpectRows(
      t,
      Case({
          Call("=", {t.Col(1), I(1)}),
          t.Col(0),
          Call("/", {t.Col(2), Call("-", {t.Col(1), I(1)})}),
      }),
      {W(Value::Int(1)), W(NullOf(kIntT)), W(NullOf(kIntT)), W(NullOf(kIntT))});
  Table l{{{"f", kBoolT, true}, {"g", kBoolT, true}},
          {{Bool(true), NullOf(kBoolT)},
           {Bool(false), NullOf(kBoolT)},
           {NullOf(kBoolT), NullOf(kBoolT)},
           {Bool(true), Bool(false)}}};
  ExpectRows(
      l, Call("AND", {l.Col(0), l.Col(1)}),
      {W(NullOf(kBoolT)), W(Bool(false)), W(NullOf(kBoolT)), W(Bool(false))});
  ExpectRows(
      l, Call("OR", {l.Col(0), l.Col(1)}),
      {W(Bool(true)), W(NullOf(kBoolT)), W(NullOf(kBoolT)), W(Bool(true))});
  ExpectRows(
      l, Call("NOT", {l.Col(0)}),
      {W(Bool(false)), W(Bool(true)), W(NullOf(kBoolT)), W(Bool(false))});
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
