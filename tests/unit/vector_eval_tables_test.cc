#define BOOST_TEST_MODULE vector_eval_tables_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/expr/bound_expr.h"
#include "engine/expr/functions.h"
#include "engine/expr/vector_eval.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"
#include "tests/unit/vector_eval_test_util.h"

// What the kernels compute, against values written by hand.
// vector_eval_test.cc compares a batch with the same expression evaluated
// one row at a time; constant folding runs the batch kernels over a one-row
// batch, so that checks what batching adds (selections, constant and
// column operands, NULL flags across rows, lazy branches, the row an error
// is reported at), not what a kernel computes. These tables do: argument
// columns, rows written by hand, and each row's result worked out by hand
// (timestamps and decimal quotients with Python's datetime and decimal),
// evaluated as one batch, then again with only the odd rows selected.

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

}  // namespace

BOOST_AUTO_TEST_SUITE(vector_eval_tables)

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
