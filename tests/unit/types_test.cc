#define BOOST_TEST_MODULE types_test
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/types/decimal_util.h"
#include "engine/types/logical_type.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"

using namespace weir::types;

namespace {

LogicalType Dec(int p, int s) { return LogicalType::DecimalOrDie(p, s); }
LogicalType Ts(int p) { return LogicalType::TimestampOrDie(p); }

// Days since 1970-01-01 counted naively, year by year and month by month:
// an independent reference for the calendar algorithm.
int64_t NaiveDays(int y, int m, int d) {
  auto leap = [](int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  };
  const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t days = 0;
  if (y >= 1970) {
    for (int year = 1970; year < y; ++year) days += leap(year) ? 366 : 365;
  } else {
    for (int year = y; year < 1970; ++year) days -= leap(year) ? 366 : 365;
  }
  for (int month = 1; month < m; ++month) {
    days += month_days[month - 1] + (month == 2 && leap(y) ? 1 : 0);
  }
  return days + d - 1;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

std::string fmt_date(int y, int m, int d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logical_type)

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(LogicalType::Int().ToString() == "INT");
  BOOST_TEST(LogicalType::Bigint().ToString() == "BIGINT");
  BOOST_TEST(LogicalType::Boolean().ToString() == "BOOLEAN");
  BOOST_TEST(LogicalType::Double().ToString() == "DOUBLE");
  BOOST_TEST(LogicalType::Varchar().ToString() == "VARCHAR");
  BOOST_TEST(LogicalType::Bytes().ToString() == "BYTES");
  BOOST_TEST(LogicalType::Date().ToString() == "DATE");
  BOOST_TEST(LogicalType::Time().ToString() == "TIME");
  BOOST_TEST(LogicalType::Interval().ToString() == "INTERVAL");
  BOOST_TEST(LogicalType::Null().ToString() == "NULL");
  BOOST_TEST(Dec(10, 2).ToString() == "DECIMAL(10, 2)");
  BOOST_TEST(Ts(3).ToString() == "TIMESTAMP(3)");
  BOOST_TEST(LogicalType::TimestampOrDie().ToString() == "TIMESTAMP(3)");
}

BOOST_AUTO_TEST_CASE(validation) {
  auto d = LogicalType::Decimal(40, 2);
  BOOST_REQUIRE(!d.ok());
  BOOST_TEST(Message(d.status()) ==
             "DECIMAL precision must be between 1 and 38, got 40");
  BOOST_TEST(Message(LogicalType::Decimal(0, 0).status()) ==
             "DECIMAL precision must be between 1 and 38, got 0");
  BOOST_TEST(Message(LogicalType::Decimal(10, 12).status()) ==
             "DECIMAL scale must be between 0 and the precision (10), got 12");
  BOOST_TEST(Message(LogicalType::Timestamp(9).status()) ==
             "TIMESTAMP precision must be between 0 and 6, got 9");
  BOOST_TEST(LogicalType::Decimal(38, 38).ok());
  BOOST_TEST(LogicalType::Timestamp(0).ok());
  BOOST_TEST(LogicalType::Timestamp(6).ok());
}

BOOST_AUTO_TEST_CASE(implicit_casts) {
  auto I = LogicalType::Int(), B = LogicalType::Bigint(),
       D = LogicalType::Double(), V = LogicalType::Varchar();
  BOOST_TEST(CanImplicitlyCast(I, B));
  BOOST_TEST(!CanImplicitlyCast(B, I));
  BOOST_TEST(CanImplicitlyCast(I, D));
  BOOST_TEST(CanImplicitlyCast(B, D));
  BOOST_TEST(CanImplicitlyCast(I, Dec(10, 0)));
  BOOST_TEST(CanImplicitlyCast(I, Dec(12, 2)));
  BOOST_TEST(!CanImplicitlyCast(I, Dec(9, 0)));   // loses integer digits
  BOOST_TEST(!CanImplicitlyCast(I, Dec(10, 2)));  // only 8 integer digits
  BOOST_TEST(CanImplicitlyCast(B, Dec(19, 0)));
  BOOST_TEST(!CanImplicitlyCast(B, Dec(18, 0)));
  BOOST_TEST(CanImplicitlyCast(Dec(5, 2), Dec(7, 3)));
  BOOST_TEST(!CanImplicitlyCast(Dec(5, 2), Dec(5, 3)));
  BOOST_TEST(!CanImplicitlyCast(Dec(5, 2), Dec(5, 1)));
  BOOST_TEST(CanImplicitlyCast(Dec(5, 2), D));
  BOOST_TEST(!CanImplicitlyCast(Dec(5, 0), I));
  BOOST_TEST(!CanImplicitlyCast(D, Dec(38, 10)));
  BOOST_TEST(!CanImplicitlyCast(V, I));
  BOOST_TEST(!CanImplicitlyCast(I, V));
  BOOST_TEST(CanImplicitlyCast(LogicalType::Null(), V));
  BOOST_TEST(CanImplicitlyCast(LogicalType::Null(), Dec(3, 1)));
  BOOST_TEST(CanImplicitlyCast(LogicalType::Date(), Ts(0)));
  BOOST_TEST(CanImplicitlyCast(Ts(3), Ts(6)));
  BOOST_TEST(!CanImplicitlyCast(Ts(6), Ts(3)));
  BOOST_TEST(!CanImplicitlyCast(Ts(3), LogicalType::Date()));
  BOOST_TEST(!CanImplicitlyCast(LogicalType::Boolean(), I));
}

BOOST_AUTO_TEST_CASE(explicit_casts) {
  BOOST_TEST(CanExplicitlyCast(LogicalType::Varchar(), LogicalType::Int()));
  BOOST_TEST(CanExplicitlyCast(LogicalType::Double(), LogicalType::Int()));
  BOOST_TEST(CanExplicitlyCast(Ts(3), LogicalType::Date()));
  BOOST_TEST(CanExplicitlyCast(LogicalType::Int(), LogicalType::Varchar()));
  BOOST_TEST(!CanExplicitlyCast(LogicalType::Date(), LogicalType::Int()));
  BOOST_TEST(!CanExplicitlyCast(LogicalType::Int(), LogicalType::Date()));
}

BOOST_AUTO_TEST_CASE(common_super_type) {
  auto I = LogicalType::Int(), B = LogicalType::Bigint(),
       D = LogicalType::Double(), V = LogicalType::Varchar();
  auto cst = [](LogicalType a, LogicalType b) {
    auto r = CommonSuperType(a, b);
    auto r2 = CommonSuperType(b, a);
    BOOST_TEST((r.has_value() == r2.has_value()));
    if (r && r2) BOOST_TEST(r->ToString() == r2->ToString());
    return r ? r->ToString() : std::string("none");
  };
  BOOST_TEST(cst(I, I) == "INT");
  BOOST_TEST(cst(I, B) == "BIGINT");
  BOOST_TEST(cst(I, D) == "DOUBLE");
  BOOST_TEST(cst(Dec(10, 2), D) == "DOUBLE");
  // scale max(2, 4) = 4; integer digits max(8, 1) = 8 -> DECIMAL(12, 4)
  BOOST_TEST(cst(Dec(10, 2), Dec(5, 4)) == "DECIMAL(12, 4)");
  // INT is DECIMAL(10, 0): integer digits max(10, 3) = 10, scale 2
  BOOST_TEST(cst(I, Dec(5, 2)) == "DECIMAL(12, 2)");
  // BIGINT is DECIMAL(19, 0): 19 + 2 = 21
  BOOST_TEST(cst(B, Dec(5, 2)) == "DECIMAL(21, 2)");
  // 30 integer digits + 20 scale is capped at 38
  BOOST_TEST(cst(Dec(38, 8), Dec(20, 20)) == "DECIMAL(38, 20)");
  BOOST_TEST(cst(V, I) == "none");
  BOOST_TEST(cst(V, V) == "VARCHAR");
  BOOST_TEST(cst(LogicalType::Null(), V) == "VARCHAR");
  BOOST_TEST(cst(LogicalType::Date(), Ts(3)) == "TIMESTAMP(3)");
  BOOST_TEST(cst(Ts(0), Ts(6)) == "TIMESTAMP(6)");
  BOOST_TEST(cst(LogicalType::Boolean(), I) == "none");
  BOOST_TEST(cst(LogicalType::Date(), V) == "none");
}

BOOST_AUTO_TEST_CASE(as_decimal) {
  BOOST_TEST(AsDecimal(LogicalType::Int()).ToString() == "DECIMAL(10, 0)");
  BOOST_TEST(AsDecimal(LogicalType::Bigint()).ToString() == "DECIMAL(19, 0)");
  BOOST_TEST(AsDecimal(LogicalType::Double()).ToString() == "DOUBLE");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(schema) {
  Schema s(
      {{"auction", LogicalType::Bigint(), true}, {"Price", Dec(10, 2), false}});
  BOOST_TEST(s.ToString() == "(auction BIGINT, Price DECIMAL(10, 2) NOT NULL)");
  BOOST_TEST(s.IndexOf("PRICE").value() == 1u);
  BOOST_TEST(s.IndexOf("Auction").value() == 0u);
  BOOST_TEST(!s.IndexOf("bidder").has_value());
  s.Add({"price", LogicalType::Int(), true});
  BOOST_TEST(s.CountNamed("price") == 2u);
  BOOST_TEST(s.IndexOf("price").value() == 1u);
  BOOST_TEST(Schema().ToString() == "()");
}

BOOST_AUTO_TEST_SUITE(tribool)

BOOST_AUTO_TEST_CASE(truth_tables) {
  const Tribool T = Tribool::kTrue, F = Tribool::kFalse, U = Tribool::kUnknown;
  struct Row {
    Tribool a, b, and_, or_;
  };
  const Row rows[] = {
      {T, T, T, T}, {T, F, F, T}, {T, U, U, T}, {F, T, F, T}, {F, F, F, F},
      {F, U, F, U}, {U, T, U, T}, {U, F, F, U}, {U, U, U, U},
  };
  for (const Row& r : rows) {
    BOOST_TEST((And(r.a, r.b) == r.and_));
    BOOST_TEST((Or(r.a, r.b) == r.or_));
  }
  BOOST_TEST((Not(T) == F));
  BOOST_TEST((Not(F) == T));
  BOOST_TEST((Not(U) == U));
  BOOST_TEST((Value::Null(LogicalType::Boolean()).AsTribool() == U));
  BOOST_TEST((Value().AsTribool() == U));
  BOOST_TEST((Value::Boolean(true).AsTribool() == T));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decimal)

BOOST_AUTO_TEST_CASE(parse_and_format) {
  auto v = ParseDecimalLiteral("123.450");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(v->type().ToString() == "DECIMAL(6, 3)");
  BOOST_TEST((v->decimal() == 123450));
  BOOST_TEST(v->ToString() == "123.450");
  auto small = ParseDecimalLiteral("0.05");
  BOOST_TEST(small->type().ToString() == "DECIMAL(2, 2)");
  BOOST_TEST(small->ToString() == "0.05");
  auto neg = ParseDecimalLiteral("-0.5");
  BOOST_TEST(neg->ToString() == "-0.5");
  BOOST_TEST((neg->decimal() == -5));
  BOOST_TEST(!ParseDecimalLiteral("1e3").ok());
  BOOST_TEST(!ParseDecimalLiteral("1.2.3").ok());
  BOOST_TEST(!ParseDecimalLiteral(".").ok());
  BOOST_TEST(ParseDecimalLiteral(std::string(38, '9')).ok());
  BOOST_TEST(!ParseDecimalLiteral(std::string(39, '9')).ok());
  BOOST_TEST(FormatDecimal(12345, 2) == "123.45");
  BOOST_TEST(FormatDecimal(-5, 3) == "-0.005");
  BOOST_TEST(FormatDecimal(0, 2) == "0.00");
  BOOST_TEST(FormatDecimal(7, 0) == "7");
  // 10^38 - 1 at scale 38
  __int128 max38 = 1;
  for (int i = 0; i < 38; ++i) max38 *= 10;
  max38 -= 1;
  BOOST_TEST(FormatDecimal(max38, 38) == "0." + std::string(38, '9'));
  BOOST_TEST(FormatDecimal(-max38, 0) == "-" + std::string(38, '9'));
}

BOOST_AUTO_TEST_CASE(integer_literals) {
  BOOST_TEST(ParseIntegerLiteral("2147483647")->type().ToString() == "INT");
  BOOST_TEST(ParseIntegerLiteral("2147483648")->type().ToString() == "BIGINT");
  BOOST_TEST(ParseIntegerLiteral("-2147483648")->type().ToString() == "INT");
  BOOST_TEST(ParseIntegerLiteral("9223372036854775808")->type().ToString() ==
             "DECIMAL(38, 0)");
  BOOST_TEST(ParseIntegerLiteral("9223372036854775807")->integer() ==
             INT64_MAX);
  BOOST_TEST(!ParseIntegerLiteral(std::string(39, '9')).ok());
  BOOST_TEST(!ParseIntegerLiteral("12a").ok());
}

BOOST_AUTO_TEST_CASE(casts_and_rounding) {
  auto cast = [](const Value& v, LogicalType t) {
    auto r = CastValue(v, t);
    return r.ok() ? r->ToString() : "error: " + Message(r.status());
  };
  // 1.25 -> 1 digit: half away from zero -> 1.3; -1.25 -> -1.3
  BOOST_TEST(cast(Value::Decimal(125, Dec(3, 2)), Dec(3, 1)) == "1.3");
  BOOST_TEST(cast(Value::Decimal(-125, Dec(3, 2)), Dec(3, 1)) == "-1.3");
  BOOST_TEST(cast(Value::Decimal(124, Dec(3, 2)), Dec(3, 1)) == "1.2");
  BOOST_TEST(cast(Value::Decimal(125, Dec(3, 2)), Dec(5, 4)) == "1.2500");
  BOOST_TEST(cast(Value::Decimal(99999, Dec(5, 2)), Dec(4, 2)) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(4, 2)");
  // 9.995 rounds to 10.00 which needs 4 digits: fits (4, 2), not (3, 2)
  BOOST_TEST(cast(Value::Decimal(9995, Dec(4, 3)), Dec(4, 2)) == "10.00");
  BOOST_TEST(cast(Value::Decimal(9995, Dec(4, 3)), Dec(3, 2)) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(3, 2)");
  BOOST_TEST(cast(Value::Decimal(250, Dec(3, 2)), LogicalType::Int()) == "3");
  BOOST_TEST(cast(Value::Decimal(-250, Dec(3, 2)), LogicalType::Int()) == "-3");
  BOOST_TEST(cast(Value::Double(2.5), LogicalType::Bigint()) == "3");
  BOOST_TEST(cast(Value::Double(0.125), Dec(5, 2)) == "0.13");
  BOOST_TEST(cast(Value::Int(42), Dec(4, 2)) == "42.00");
  BOOST_TEST(cast(Value::Int(420), Dec(4, 2)) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(4, 2)");
  BOOST_TEST(cast(Value::Varchar(" 12.5 "), Dec(5, 2)) == "12.50");
  // Digits past the target scale round away, however many there are; the
  // first one dropped decides (half away from zero).
  BOOST_TEST(cast(Value::Varchar("3.1415926535897932384626433832795028841971"
                                 "6939937510"),
                  Dec(10, 5)) == "3.14159");
  BOOST_TEST(
      cast(Value::Varchar("-0.12345000000000000000000000000000000000001"),
           Dec(4, 4)) == "-0.1235");
  BOOST_TEST(cast(Value::Varchar("0000000000000000000000000000000000000000001"),
                  Dec(1, 0)) == "1");
  BOOST_TEST(cast(Value::Varchar("9.5"), Dec(1, 0)) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(1, 0)");
  BOOST_TEST(cast(Value::Varchar("1" + std::string(38, '0')), Dec(38, 0)) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(38, 0)");
  BOOST_TEST(cast(Value::Varchar("1" + std::string(40, '0')), Dec(38, 0)) ==
             "error: DECIMAL overflow: value does not fit DECIMAL(38, 0)");
  BOOST_TEST(cast(Value::Varchar("1.2.3"), Dec(5, 2)) ==
             "error: cannot cast '1.2.3' to DECIMAL(5, 2)");
  BOOST_TEST(cast(Value::Varchar("."), Dec(5, 2)) ==
             "error: cannot cast '.' to DECIMAL(5, 2)");
  BOOST_TEST(cast(Value::Varchar("abc"), LogicalType::Int()) ==
             "error: cannot cast 'abc' to INT");
  BOOST_TEST(cast(Value::Varchar("3000000000"), LogicalType::Int()) ==
             "error: value 3000000000 is out of range for INT");
  BOOST_TEST(cast(Value::Bigint(3000000000), LogicalType::Int()) ==
             "error: value 3000000000 is out of range for INT");
  BOOST_TEST(cast(Value::Varchar("-17"), LogicalType::Bigint()) == "-17");
  BOOST_TEST(cast(Value::Varchar("yes"), LogicalType::Boolean()) == "TRUE");
  BOOST_TEST(cast(Value::Varchar("1.5"), LogicalType::Double()) == "1.5");
  // Text to DOUBLE: decimal notation and the non-numbers DOUBLE prints; no
  // hexadecimal, nothing beyond DOUBLE's range.
  const LogicalType dbl = LogicalType::Double();
  BOOST_TEST(cast(Value::Varchar(" +2.5E-1 "), dbl) == "0.25");
  BOOST_TEST(cast(Value::Varchar("-.5"), dbl) == "-0.5");
  BOOST_TEST(cast(Value::Varchar("7."), dbl) == "7");
  BOOST_TEST(cast(Value::Varchar("1e-400"), dbl) == "0");
  BOOST_TEST(cast(Value::Varchar("nan"), dbl) == "NaN");
  BOOST_TEST(cast(Value::Varchar("+Infinity"), dbl) == "Infinity");
  BOOST_TEST(cast(Value::Varchar("-INF"), dbl) == "-Infinity");
  BOOST_TEST(cast(Value::Varchar("1e400"), dbl) ==
             "error: value 1e400 is out of range for DOUBLE");
  for (const char* bad : {"0x10", "0X1p3", "1e", "e5", ".", "", "1.5.5",
                          "nan(1)", "-nan", "infinit", "1 5", "--1", "1e+"}) {
    BOOST_TEST(cast(Value::Varchar(bad), dbl) ==
                   "error: cannot cast '" + std::string(bad) + "' to DOUBLE",
               bad);
  }
  BOOST_TEST(cast(Value::Decimal(15, Dec(2, 1)), LogicalType::Double()) ==
             "1.5");
  BOOST_TEST(cast(Value::Int(7), LogicalType::Varchar()) == "7");
  BOOST_TEST(cast(Value::Null(LogicalType::Int()), LogicalType::Varchar()) ==
             "NULL");
  BOOST_TEST(CastValue(Value(), LogicalType::Int())->is_null());
  BOOST_TEST(cast(Value::Int(1), LogicalType::Date()) ==
             "error: cannot cast INT to DATE");
}

BOOST_AUTO_TEST_CASE(compare) {
  // 0.30 vs 0.3 compare equal across scales; INT vs DECIMAL exactly.
  BOOST_TEST(*CompareValues(Value::Decimal(30, Dec(3, 2)),
                            Value::Decimal(3, Dec(2, 1))) == 0);
  BOOST_TEST(*CompareValues(Value::Int(1), Value::Decimal(999, Dec(4, 3))) > 0);
  BOOST_TEST(*CompareValues(Value::Decimal(-1, Dec(1, 0)), Value::Int(0)) < 0);
  BOOST_TEST(*CompareValues(Value::Int(3), Value::Double(2.5)) > 0);
  BOOST_TEST(*CompareValues(Value::Varchar("abc"), Value::Varchar("abd")) < 0);
  BOOST_TEST(*CompareValues(Value::Date(1), Value::Timestamp(86400000000, 3)) ==
             0);
  BOOST_TEST(!CompareValues(Value::Varchar("1"), Value::Int(1)).ok());
  BOOST_TEST(
      !CompareValues(Value::Null(LogicalType::Int()), Value::Int(1)).ok());
}

BOOST_AUTO_TEST_CASE(division_below_the_dividend_scale_rounds_once) {
  // A result scale below the dividend's scale minus the divisor's: the
  // exact quotient rounded half away from zero, once (Python's decimal,
  // ROUND_HALF_UP). Rounding the dividend first gave 2.96 / 2 -> 3 / 2 -> 2.
  // The `/` operator's type rule never asks for such a scale (over every
  // DECIMAL pair its result scale - s1 + s2 is at least 0); this pins the
  // function's own contract.
  namespace ti = internal;
  auto div = [](__int128 a, int sa, __int128 b, int sb, int rs) {
    std::optional<__int128> q = ti::DivideDecimal(a, sa, b, sb, rs);
    BOOST_REQUIRE(q.has_value());
    return static_cast<int64_t>(*q);
  };
  BOOST_TEST(div(296, 2, 2, 0, 0) == 1);    // 1.48
  BOOST_TEST(div(-296, 2, 2, 0, 0) == -1);  // -1.48
  BOOST_TEST(div(296, 2, 20, 1, 0) == 1);   // 2.96 / 2.0
  BOOST_TEST(div(300, 2, 2, 0, 0) == 2);    // 1.5, a tie
  BOOST_TEST(div(-300, 2, 2, 0, 0) == -2);
  // 2.96 at scale 25 (k = 25 digits dropped in one step).
  const __int128 a = static_cast<__int128>(296) * ti::Pow10(23);
  BOOST_TEST(div(a, 25, 2, 0, 0) == 1);
  // 0.123456789012345678901234567890 / 3 = 0.0411522630... -> 0.04115.
  const __int128 b = static_cast<__int128>(123456789012345ULL) *
                         static_cast<__int128>(ti::Pow10(15)) +
                     678901234567890ULL;
  BOOST_TEST(div(b, 30, 3, 0, 5) == 4115);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(temporal)

BOOST_AUTO_TEST_CASE(interval_literals) {
  using F = IntervalField;
  auto iv = [](std::string_view text, F from, F to, bool negative = false) {
    auto r = ParseIntervalLiteral(text, negative, from, to);
    if (!r.ok()) return "error: " + Message(r.status());
    return std::to_string(r->months) + " months " + std::to_string(r->micros) +
           " us";
  };
  BOOST_TEST(iv("1-6", F::kYear, F::kMonth) == "18 months 0 us");
  // 86400 + 2 * 3600 + 3 * 60 + 4.5 seconds.
  BOOST_TEST(iv("1 02:03:04.5", F::kDay, F::kSecond) ==
             "0 months 93784500000 us");
  BOOST_TEST(iv("2 03", F::kDay, F::kHour) == "0 months 183600000000 us");
  BOOST_TEST(iv("90", F::kMinute, F::kMinute) == "0 months 5400000000 us");
  BOOST_TEST(iv(" -5 ", F::kSecond, F::kSecond) == "0 months -5000000 us");
  BOOST_TEST(iv("-5", F::kSecond, F::kSecond, true) == "0 months 5000000 us");
  BOOST_TEST(iv("+1.000001", F::kSecond, F::kSecond) == "0 months 1000001 us");
  BOOST_TEST(iv("2147483647", F::kMonth, F::kMonth) ==
             "2147483647 months 0 us");
  BOOST_TEST(iv("-2147483648", F::kMonth, F::kMonth) ==
             "-2147483648 months 0 us");
  BOOST_TEST(iv("2147483648", F::kMonth, F::kMonth) ==
             "error: INTERVAL literal '2147483648' is out of range");
  // 106751991 days fit in 2^63 - 1 microseconds, 106751992 do not.
  BOOST_TEST(iv("106751991", F::kDay, F::kDay) ==
             "0 months 9223372022400000000 us");
  BOOST_TEST(iv("106751992", F::kDay, F::kDay) ==
             "error: INTERVAL literal '106751992' is out of range");
  BOOST_TEST(iv("99999999999999999999999999", F::kSecond, F::kSecond) ==
             "error: INTERVAL literal '99999999999999999999999999' is out "
             "of range");
  for (std::string_view garbage : {"", " ", "5  x", "1.2.3", "1.", ".5", "x",
                                   "--5", "5 SECOND", "1:30", "1-2-3"}) {
    BOOST_TEST(
        iv(garbage, F::kSecond, F::kSecond) ==
            "error: invalid INTERVAL literal '" + std::string(garbage) + "'",
        garbage);
  }
  BOOST_TEST(iv("1:30", F::kDay, F::kHour) ==
             "error: invalid INTERVAL literal '1:30'");
  BOOST_TEST(iv("1.5", F::kMinute, F::kMinute) ==
             "error: invalid INTERVAL literal '1.5'");
  BOOST_TEST(iv("0.0000001", F::kSecond, F::kSecond) ==
             "error: invalid INTERVAL literal '0.0000001': more than 6 "
             "fractional digits");
  BOOST_TEST(iv("1", F::kYear, F::kDay) ==
             "error: an INTERVAL cannot mix YEAR/MONTH with DAY..SECOND");
}

BOOST_AUTO_TEST_CASE(dates) {
  struct Case {
    int y, m, d;
  };
  const Case cases[] = {{1970, 1, 1},   {2000, 2, 29}, {2024, 2, 29},
                        {1900, 2, 28},  {1900, 3, 1},  {2026, 1, 31},
                        {1969, 12, 31}, {1, 1, 1},     {9999, 12, 31},
                        {1600, 2, 29},  {2100, 3, 1}};
  for (const Case& c : cases) {
    std::string text = fmt_date(c.y, c.m, c.d);
    auto days = ParseDate(text);
    BOOST_REQUIRE_MESSAGE(days.ok(), text);
    BOOST_TEST(*days == NaiveDays(c.y, c.m, c.d), text);
    BOOST_TEST(FormatDate(*days) == text);
  }
  BOOST_TEST(!ParseDate("1900-02-29").ok());  // 1900 is not a leap year
  BOOST_TEST(!ParseDate("2023-02-29").ok());
  BOOST_TEST(!ParseDate("2026-13-01").ok());
  BOOST_TEST(!ParseDate("2026-04-31").ok());
  BOOST_TEST(!ParseDate("26-01-01").ok());
  BOOST_TEST(Message(ParseDate("nope").status()) == "invalid DATE 'nope'");
}

BOOST_AUTO_TEST_CASE(timestamps) {
  const int64_t day = 86400LL * 1000000;
  auto ts = ParseTimestamp("2026-01-31 12:34:56.789");
  BOOST_REQUIRE(ts.ok());
  BOOST_TEST(*ts == NaiveDays(2026, 1, 31) * day +
                        (12 * 3600 + 34 * 60 + 56) * 1000000LL + 789000);
  BOOST_TEST(FormatTimestamp(*ts, 3) == "2026-01-31 12:34:56.789");
  BOOST_TEST(FormatTimestamp(*ts, 0) == "2026-01-31 12:34:56");
  BOOST_TEST(FormatTimestamp(*ts, 6) == "2026-01-31 12:34:56.789000");
  BOOST_TEST(*ParseTimestamp("2026-01-31T12:34:56.789") == *ts);
  BOOST_TEST(*ParseTimestamp("2026-01-31") == NaiveDays(2026, 1, 31) * day);
  // One millisecond before the epoch: negative micros.
  auto before = ParseTimestamp("1969-12-31 23:59:59.999");
  BOOST_TEST(*before == -1000);
  BOOST_TEST(FormatTimestamp(-1000, 3) == "1969-12-31 23:59:59.999");
  BOOST_TEST(FormatTimestamp(-1, 6) == "1969-12-31 23:59:59.999999");
  // Days alternating (the formatter keeps the last day's text).
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(FormatTimestamp(0, 0) == "1970-01-01 00:00:00");
    BOOST_TEST(FormatTimestamp(day - 1, 6) == "1970-01-01 23:59:59.999999");
    BOOST_TEST(FormatTimestamp(day, 3) == "1970-01-02 00:00:00.000");
    BOOST_TEST(FormatTimestamp(-day, 0) == "1969-12-31 00:00:00");
  }
  BOOST_TEST(FormatTimestamp(*ParseTimestamp("0001-01-01 00:00:00"), 0) ==
             "0001-01-01 00:00:00");
  BOOST_TEST(*ParseTimestamp("0001-01-01 00:00:00") ==
             NaiveDays(1, 1, 1) * day);
  BOOST_TEST(FormatTimestamp(*ParseTimestamp("9999-12-31 23:59:59.999999"),
                             6) == "9999-12-31 23:59:59.999999");
  BOOST_TEST(*ParseTimestamp("2024-02-29 00:00:00.5") ==
             NaiveDays(2024, 2, 29) * day + 500000);
  BOOST_TEST(!ParseTimestamp("2026-01-31 12:34:56.1234567").ok());
  BOOST_TEST(!ParseTimestamp("2026-01-31 24:00:00").ok());
  BOOST_TEST(!ParseTimestamp("2026-01-31 12:60:00").ok());
  BOOST_TEST(*ParseTime("12:34:56.5") ==
             (12 * 3600 + 34 * 60 + 56) * 1000000LL + 500000);
  BOOST_TEST(FormatTime(3723000000, 0) == "01:02:03");
}

BOOST_AUTO_TEST_CASE(timestamp_casts) {
  auto ts = Value::Timestamp(*ParseTimestamp("2026-03-01 10:20:30.123456"), 6);
  BOOST_TEST(CastValue(ts, Ts(3))->ToString() == "2026-03-01 10:20:30.123");
  BOOST_TEST(CastValue(ts, LogicalType::Date())->ToString() == "2026-03-01");
  BOOST_TEST(CastValue(ts, LogicalType::Time())->ToString() ==
             "10:20:30.123456");
  auto neg = Value::Timestamp(-1, 6);  // 1969-12-31 23:59:59.999999
  BOOST_TEST(CastValue(neg, LogicalType::Date())->ToString() == "1969-12-31");
  BOOST_TEST(CastValue(neg, Ts(0))->ToString() == "1969-12-31 23:59:59");
  BOOST_TEST(CastValue(Value::Date(0), Ts(3))->ToString() ==
             "1970-01-01 00:00:00.000");
  BOOST_TEST(CastValue(Value::Varchar("2026-01-01 00:00:00.98765"), Ts(3))
                 ->ToString() == "2026-01-01 00:00:00.987");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(value_rendering) {
  BOOST_TEST(Value::Int(5).ToString() == "5");
  BOOST_TEST(Value::Boolean(true).ToString() == "TRUE");
  BOOST_TEST(Value::Double(1.5).ToString() == "1.5");
  BOOST_TEST(Value::Double(1.5).ToSqlLiteral() == "1.5E0");
  BOOST_TEST(Value::Varchar("it's").ToString() == "it's");
  BOOST_TEST(Value::Varchar("it's").ToSqlLiteral() == "'it''s'");
  BOOST_TEST(Value().ToString() == "NULL");
  BOOST_TEST(Value().ToSqlLiteral() == "NULL");
  BOOST_TEST(Value::Null(LogicalType::Int()).ToSqlLiteral() ==
             "CAST(NULL AS INT)");
  BOOST_TEST(Value::Decimal(1050, Dec(6, 2)).ToSqlLiteral() == "10.50");
  BOOST_TEST(Value::Date(0).ToSqlLiteral() == "DATE '1970-01-01'");
  BOOST_TEST(Value::Timestamp(0, 3).ToSqlLiteral() ==
             "TIMESTAMP '1970-01-01 00:00:00.000'");
  BOOST_TEST(Value::Interval({0, 4000000}).ToSqlLiteral() ==
             "INTERVAL '4' SECOND");
  BOOST_TEST(Value::Interval({0, 1500000}).ToSqlLiteral() ==
             "INTERVAL '1.5' SECOND");
  BOOST_TEST(Value::Interval({2, 0}).ToSqlLiteral() == "INTERVAL '2' MONTH");
  BOOST_TEST(Value::Interval({0, 4000000}).ToString() == "00:00:04");
  BOOST_TEST(Value::Interval({1, 90000000000}).ToString() ==
             "1 MONTH 1 DAY 01:00:00");
  BOOST_TEST(Value::Bytes("\x01\xff").ToSqlLiteral() == "X'01FF'");
  BOOST_TEST((Value::Int(1) == Value::Int(1)));
  BOOST_TEST(!(Value::Int(1) == Value::Bigint(1)));
  BOOST_TEST(
      (Value::Null(LogicalType::Int()) == Value::Null(LogicalType::Int())));
}
