#define BOOST_TEST_MODULE vector_eval_kernels_test
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/expr/bound_expr.h"
#include "engine/expr/function_helpers.h"
#include "engine/expr/functions.h"
#include "engine/expr/vector_eval.h"
#include "engine/types/batch.h"
#include "engine/types/decimal_util.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"
#include "tests/unit/vector_eval_test_util.h"

// The string, numeric and temporal kernels over generated batches, each
// live row compared with the same expression evaluated for that row alone
// (Check in vector_eval_test_util.h), with the edge values of each family;
// and ROUND/TRUNCATE's exact rounding against a second formulation.

using namespace weir;
using namespace weir::expr;
using namespace weir::expr::test_util;
using types::Batch;
using types::Column;
using types::Field;
using types::LogicalType;
using types::Schema;
using types::Value;

BOOST_AUTO_TEST_SUITE(vector_eval_kernels)

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
  return ColumnOf(*schema, i);
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

// Every expression of `corpus` over three generated batches of 300 rows,
// with all rows live, then about one row in `sparse_every` (exact error
// messages).
CheckStats CheckCorpus(const std::vector<BoundExprPtr>& corpus,
                       Batch (*random_batch)(uint64_t, size_t),
                       std::initializer_list<uint64_t> seeds,
                       uint64_t rng_factor, int64_t sparse_every) {
  CheckStats total;
  for (uint64_t seed : seeds) {
    Batch batch = random_batch(seed, 300);
    Rng rng(seed * rng_factor);
    std::vector<uint32_t> sparse;
    for (uint32_t r = 0; r < 300; ++r) {
      if (Between(rng, 0, sparse_every - 1) == 0) sparse.push_back(r);
    }
    for (const auto& e : corpus) {
      batch.ClearSelection();
      CheckStats all = Check(e, batch, true);
      batch.SetSelection(sparse);
      CheckStats some = Check(e, batch, true);
      total.rows += all.rows + some.rows;
      total.errors += all.errors + some.errors;
    }
  }
  return total;
}

BOOST_AUTO_TEST_CASE(string_kernels_match_row_at_a_time_evaluation) {
  auto corpus = StringKernelCorpus();
  CheckStats s = CheckCorpus(corpus, RandomStringBatch, {11, 12, 13}, 7, 3);
  BOOST_TEST_MESSAGE("string kernels: " << corpus.size() << " expressions, "
                                        << s.rows << " rows, " << s.errors
                                        << " error rows");
  BOOST_CHECK_GT(s.rows, 10000u);
  BOOST_CHECK_GT(s.errors, 0u);  // SPLIT_PART with a zero position
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
  return ColumnOf(*schema, i);
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
  CheckStats s = CheckCorpus(corpus, RandomNumBatch, {21, 22, 23}, 5, 4);
  BOOST_TEST_MESSAGE("numeric/temporal kernels: "
                     << corpus.size() << " expressions, " << s.rows << " rows, "
                     << s.errors << " error rows");
  BOOST_CHECK_GT(s.rows, 50000u);
  BOOST_CHECK_GT(s.errors, 0u);
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

BOOST_AUTO_TEST_SUITE_END()
