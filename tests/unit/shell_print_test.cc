// What weir prints is faithful: values with NUL bytes, control characters
// and the column separator print whole and visibly escaped (EscapeCell), in
// tables and in push-query rows; the shell's history file and error
// excerpts never show a secret option value. Expected output is written by
// hand from the rules in docs/user-guide.md.
#define BOOST_TEST_MODULE shell_print_test
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/batch_text.h"
#include "cli/table_printer.h"
#include "engine/types/batch.h"
#include "engine/types/value.h"
#include "tests/unit/run_weir.h"

namespace weir::cli {
namespace {

using testing::ReadFile;
using testing::RunWeir;
using testing::RunWeirOnTerminal;
using testing::WeirRun;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

BOOST_AUTO_TEST_SUITE(escape_cell)

BOOST_AUTO_TEST_CASE(control_characters_and_the_separator) {
  BOOST_TEST(EscapeCell(std::string("a\0b", 3)) == "a\\x00b");
  BOOST_TEST(EscapeCell("1\n2\t3\r4") == "1\\n2\\t3\\r4");
  BOOST_TEST(EscapeCell("\x01\x1A\x1F\x7F") == "\\x01\\x1A\\x1F\\x7F");
  BOOST_TEST(EscapeCell("c|d") == "c\\|d");
  BOOST_TEST(EscapeCell("") == "");
}

BOOST_AUTO_TEST_CASE(text_and_backslashes_are_kept) {
  BOOST_TEST(EscapeCell("plain text, 42") == "plain text, 42");
  BOOST_TEST(EscapeCell("back\\slash \\n") == "back\\slash \\n");
  BOOST_TEST(EscapeCell("\\x6162") == "\\x6162");  // a BYTES value
  // é, 日, 😀 and U+00A0 (the first character past the C1 controls).
  const std::string text = "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xC2\xA0";
  BOOST_TEST(EscapeCell(text) == text);
}

BOOST_AUTO_TEST_CASE(c1_controls_and_bytes_that_are_not_utf8) {
  BOOST_TEST(EscapeCell("a\xC2\x85z") == "a\\u0085z");  // NEL
  BOOST_TEST(EscapeCell("\xC2\x9B") == "\\u009B");      // CSI
  BOOST_TEST(EscapeCell("a\xFFz") == "a\\xFFz");
  BOOST_TEST(EscapeCell("\xC0\x80") == "\\xC0\\x80");           // overlong NUL
  BOOST_TEST(EscapeCell("\xED\xA0\x80") == "\\xED\\xA0\\x80");  // surrogate
  BOOST_TEST(EscapeCell("\xE6\x97") == "\\xE6\\x97");           // truncated
  BOOST_TEST(EscapeCell("\xF4\x90\x80\x80") ==
             "\\xF4\\x90\\x80\\x80");  // past U+10FFFF
}

// The escaper copies plain ASCII eight bytes at a time; every byte value,
// alone (so a byte from 0x80 up is not UTF-8), at every position of a
// 20-byte run, must still be found. The expected text is spelled here
// from the rules, byte by byte.
BOOST_AUTO_TEST_CASE(every_byte_at_every_position_of_a_long_cell) {
  auto spelled = [](unsigned char b) -> std::string {
    static const char* kHex = "0123456789ABCDEF";
    if (b == '\n') return "\\n";
    if (b == '\t') return "\\t";
    if (b == '\r') return "\\r";
    if (b == '|') return "\\|";
    if (b < 0x20 || b >= 0x7F) {
      return std::string("\\x") + kHex[b >> 4] + kHex[b & 15];
    }
    return std::string(1, static_cast<char>(b));
  };
  for (int b = 0; b < 256; ++b) {
    for (size_t at = 0; at < 20; ++at) {
      std::string text(20, 'x');
      text[at] = static_cast<char>(b);
      const std::string expected = std::string(at, 'x') +
                                   spelled(static_cast<unsigned char>(b)) +
                                   std::string(19 - at, 'x');
      BOOST_TEST(EscapeCell(text) == expected, "byte " << b << " at " << at);
      std::string appended = "kept ";
      AppendEscapedCell(text, &appended);
      BOOST_TEST(appended == "kept " + expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(tables_show_every_cell_whole) {
  BOOST_TEST(FormatTable({"x|y", "n"},
                         {{std::string("a\0b", 3), "1"}, {"c\nd|e", "2"}}) ==
             "+---------+---+\n"
             "| x\\|y    | n |\n"
             "+---------+---+\n"
             "| a\\x00b  | 1 |\n"
             "| c\\nd\\|e | 2 |\n"
             "+---------+---+\n");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The weir binary.

BOOST_AUTO_TEST_SUITE(binary)

BOOST_AUTO_TEST_CASE(execute_prints_the_table_whole) {
  // \0, \n and \t are the SQL escapes for NUL, newline and tab.
  WeirRun r = RunWeir(
      {"-e", "SELECT 'a\\0b' AS x, 'c|d' AS y, 'e\\nf\\tg' AS z, 1 AS n;"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out ==
             "+--------+------+---------+---+\n"
             "| x      | y    | z       | n |\n"
             "+--------+------+---------+---+\n"
             "| a\\x00b | c\\|d | e\\nf\\tg | 1 |\n"
             "+--------+------+---------+---+\n"
             "(1 row)\n");
}

BOOST_AUTO_TEST_CASE(a_file_with_raw_control_bytes_in_a_string) {
  const std::string dir = testing::MakeTempDir();
  // A NUL, 0x01 and DEL typed into the string itself, not as escapes.
  const std::string sql =
      std::string("SELECT 'a") + '\0' + "b\x01" + "c\x7F' AS x;\n";
  std::ofstream(dir + "/raw.sql", std::ios::binary) << sql;
  WeirRun r = RunWeir({"-f", dir + "/raw.sql"});
  std::system(("rm -rf '" + dir + "'").c_str());
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out ==
             "+-----------------+\n"
             "| x               |\n"
             "+-----------------+\n"
             "| a\\x00b\\x01c\\x7F |\n"
             "+-----------------+\n"
             "(1 row)\n");
}

BOOST_AUTO_TEST_CASE(push_query_rows_print_whole) {
  // Two rows through a one-partition topic of the embedded broker, so they
  // come back in the order written.
  WeirRun r = RunWeir(
      {"-e",
       "CREATE STREAM s (v VARCHAR, w VARCHAR) WITH (connector = 'kafka', "
       "topic = 't', format = 'json', partitions = 1);"
       "INSERT INTO s VALUES ('a\\0b', 'c|d'), ('e\\nf', 'g\\th');"
       "SELECT w AS \"w|v\", v FROM s EMIT CHANGES LIMIT 2;"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(Contains(r.out,
                      "Inserted 2 rows into 's'.\n"
                      "w\\|v | v\n"
                      "c\\|d | a\\x00b\n"
                      "g\\th | e\\nf\n"
                      "(2 rows)\n"));
}

BOOST_AUTO_TEST_CASE(push_query_rows_print_every_kind_of_cell) {
  // Numbers and times are written straight from their columns, strings
  // escaped from theirs, the rest through its text: each as a table shows
  // it (docs/user-guide.md).
  WeirRun r = RunWeir(
      {"-e",
       "CREATE STREAM k (i BIGINT, d DOUBLE, m DECIMAL(5,2), b BOOLEAN, "
       "day DATE, ts TIMESTAMP(3), v VARCHAR, n VARCHAR, t TIME) WITH "
       "(connector = 'kafka', topic = 'k', format = 'json', partitions = 1);"
       "INSERT INTO k VALUES (-7, 1.5, 12.34, TRUE, DATE '2026-12-05', "
       "TIMESTAMP '2026-12-05 06:01:02.345', 'x|y', NULL, TIME '23:59:58');"
       "SELECT * FROM k EMIT CHANGES LIMIT 1;"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(Contains(r.out,
                      "i | d | m | b | day | ts | v | n | t\n"
                      "-7 | 1.5 | 12.34 | TRUE | 2026-12-05 | "
                      "2026-12-05 06:01:02.345 | x\\|y | NULL | 23:59:58\n"
                      "(1 row)\n"));
}

BOOST_AUTO_TEST_CASE(push_query_rows_of_a_changelog_show_their_change_kind) {
  // One task, one row per batch: each row changes its group at once. By
  // hand, v = 1..3, k = v % 2: v 1 inserts k 1, v 2 inserts k 0, v 3
  // retracts k 1's count 1 and adds its count 2.
  WeirRun r = RunWeir(
      {"-e",
       "CREATE STREAM g (v INT NOT NULL) WITH (connector = 'datagen', "
       "number-of-rows = 3, fields.v.kind = 'sequence', fields.v.start = 1, "
       "fields.v.end = 3); SET 'parallelism' = '1'; "
       "SET 'batch.max-rows' = '1'; "
       "SELECT v % 2 AS k, COUNT(*) AS n FROM g GROUP BY v % 2 EMIT CHANGES;"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(Contains(r.out,
                      "op | k | n\n"
                      "+I | 1 | 1\n"
                      "+I | 0 | 1\n"
                      "-U | 1 | 1\n"
                      "+U | 1 | 2\n"
                      "(4 rows)\n"),
             r.out);
}

BOOST_AUTO_TEST_CASE(an_error_excerpt_hides_the_secret) {
  WeirRun r = RunWeir(
      {"-e",
       "CREATE TABLE o (id INT) WITH (connector = 'mysql-cdc', password = "
       "'hunter2', tabel = 'orders');"});
  BOOST_TEST(r.exit_code == 1);
  // 'tabel' is at byte 77; '***' is 4 bytes shorter than 'hunter2', so the
  // caret stands after 73 blanks.
  BOOST_TEST(r.err ==
             "Error: line 1:78: unknown option 'tabel' for connector "
             "'mysql-cdc'; did you mean 'table'?\n"
             "CREATE TABLE o (id INT) WITH (connector = 'mysql-cdc', password "
             "= '***', tabel = 'orders');\n" +
                 std::string(73, ' ') + "^~~~~\n");
  BOOST_TEST(!Contains(r.out + r.err, "hunter2"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The interactive shell, on a pseudo terminal.

BOOST_AUTO_TEST_SUITE(shell)

BOOST_AUTO_TEST_CASE(history_file_never_holds_a_secret) {
  const std::string home = testing::MakeTempDir();
  const std::string history = home + "/.weir_history";
  // A secret that an older weir left in the history (libedit's format:
  // a header line, then one entry per line with blanks as \040).
  std::ofstream(history) << "_HiStOrY_V2_\n"
                            "SET\\040'sasl.password'\\040=\\040'oldsecret';\n"
                            "SHOW\\040STREAMS;\n";
  WeirRun r = RunWeirOnTerminal(
      {},
      {"SET 'properties.sasl.password' = 'hunter2';",
       "CREATE TABLE o (id INT PRIMARY KEY) WITH (connector = 'mysql-cdc',",
       "  host = 'db', user = 'weir', password = 's3cret',",
       "  database = 'shop', table = 'orders');", "exit"},
      {"HOME=" + home, "TERM=dumb"});
  const std::string saved = ReadFile(history);
  std::system(("rm -rf '" + home + "'").c_str());
  BOOST_TEST(r.exit_code == 0);
  // The statements ran with their secrets.
  BOOST_TEST(Contains(r.out, "Created table 'o'."));
  // The history holds each statement on one line, its secret masked, and
  // the old entry masked too.
  BOOST_TEST(saved ==
             "_HiStOrY_V2_\n"
             "SET\\040'sasl.password'\\040=\\040'***';\n"
             "SHOW\\040STREAMS;\n"
             "SET\\040'properties.sasl.password'\\040=\\040'***';\n"
             "CREATE\\040TABLE\\040o\\040(id\\040INT\\040PRIMARY\\040KEY)"
             "\\040WITH\\040(connector\\040=\\040'mysql-cdc',\\040\\040\\040"
             "host\\040=\\040'db',\\040user\\040=\\040'weir',\\040password"
             "\\040=\\040'***',\\040\\040\\040database\\040=\\040'shop',"
             "\\040table\\040=\\040'orders');\n");
  for (const char* secret : {"hunter2", "s3cret", "oldsecret"}) {
    BOOST_TEST(!Contains(saved, secret), secret);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The lines of push-query rows made a batch at a time (batch_text.h), from
// batches built by hand; each expected line is spelled from the rules in
// docs/user-guide.md (EscapeCell, the text of each type), not from the
// engine's own output.
BOOST_AUTO_TEST_SUITE(batch_text)

using types::Batch;
using types::ChangeKind;
using types::Field;
using types::LogicalType;
using types::Schema;
using types::Value;

Batch MakeBatch(std::vector<Field> fields) {
  return Batch(std::make_shared<const Schema>(std::move(fields)));
}

std::string Lines(const Batch& batch, bool changelog = false) {
  BatchTextWriter writer;
  return "kept\n" + std::string(writer.Format(batch, changelog));
}

BOOST_AUTO_TEST_CASE(every_type_with_nulls) {
  const LogicalType dec = LogicalType::DecimalOrDie(10, 2);
  Batch b = MakeBatch({{"i", LogicalType::Int()},
                       {"g", LogicalType::Bigint()},
                       {"b", LogicalType::Boolean()},
                       {"d", LogicalType::Double()},
                       {"m", dec},
                       {"day", LogicalType::Date()},
                       {"t", LogicalType::Time()},
                       {"ts0", LogicalType::TimestampOrDie(0)},
                       {"ts3", LogicalType::TimestampOrDie(3)},
                       {"ts6", LogicalType::TimestampOrDie(6)},
                       {"v", LogicalType::Varchar()},
                       {"y", LogicalType::Bytes()}});
  // 2026-12-05 is day 20792 after 1970-01-01; 06:01:02.345678 that day is
  // 1796450462345678 microseconds after the epoch.
  const int64_t ts = 1796450462345678;
  b.AppendRow({Value::Int(-7), Value::Bigint(INT64_MIN), Value::Boolean(true),
               Value::Double(1.5), Value::Decimal(-1234, dec),
               Value::Date(20792), Value::Time(86398000000),
               Value::Timestamp(ts, 0), Value::Timestamp(ts, 3),
               Value::Timestamp(ts, 6), Value::Varchar("x|y"),
               Value::Bytes("ab")});
  std::vector<Value> nulls;
  for (const Field& f : b.schema()->fields()) {
    nulls.push_back(Value::Null(f.type));
  }
  b.AppendRow(nulls);
  b.AppendRow({Value::Int(0), Value::Bigint(42), Value::Boolean(false),
               Value::Double(-0.25), Value::Decimal(5, dec), Value::Date(-1),
               Value::Time(1500), Value::Timestamp(0, 0),
               Value::Timestamp(-1000, 3), Value::Timestamp(1, 6),
               Value::Varchar(std::string("a\0b\n", 4)),
               Value::Bytes(std::string("\x00|", 2))});
  BOOST_TEST(Lines(b) ==
             "kept\n"
             "-7 | -9223372036854775808 | TRUE | 1.5 | -12.34 | 2026-12-05 | "
             "23:59:58 | 2026-12-05 06:01:02 | 2026-12-05 06:01:02.345 | "
             "2026-12-05 06:01:02.345678 | x\\|y | \\x6162\n"
             "NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | "
             "NULL | NULL | NULL\n"
             "0 | 42 | FALSE | -0.25 | 0.05 | 1969-12-31 | 00:00:00.001500 | "
             "1970-01-01 00:00:00 | 1969-12-31 23:59:59.999 | "
             "1970-01-01 00:00:00.000001 | a\\x00b\\n | \\x007c\n");
}

BOOST_AUTO_TEST_CASE(strings_plain_escaped_and_as_objects) {
  // Packed, plain ASCII: the cells are the column's own bytes.
  Batch plain = MakeBatch({{"v", LogicalType::Varchar()}});
  for (const char* s : {"abc", "", "a longer value of plain text, 0-9"}) {
    plain.column(0).AppendBytes(s);
  }
  plain.SetNumRows(3);
  BOOST_TEST(Lines(plain) == "kept\nabc\n\na longer value of plain text, 0-9\n");
  // Packed, one cell needing an escape: every cell on its own.
  Batch mixed = MakeBatch({{"v", LogicalType::Varchar()}});
  for (const char* s : {"abc", "tab\there", "\xC3\xA9\xC2\x85"}) {
    mixed.column(0).AppendBytes(s);
  }
  mixed.SetNumRows(3);
  BOOST_TEST(Lines(mixed) == "kept\nabc\ntab\\there\n\xC3\xA9\\u0085\n");
  // One std::string per row (what expressions produce).
  Batch objects = MakeBatch({{"v", LogicalType::Varchar()}});
  objects.column(0).AppendString("first|");
  objects.column(0).AppendString("second");
  objects.SetNumRows(2);
  BOOST_TEST(objects.column(0).string_objects() != nullptr);
  BOOST_TEST(Lines(objects) == "kept\nfirst\\|\nsecond\n");
}

BOOST_AUTO_TEST_CASE(changelog_rows_start_with_their_change_kind) {
  Batch b = MakeBatch({{"k", LogicalType::Int()}, {"n", LogicalType::Bigint()}});
  b.AppendRow({Value::Int(1), Value::Bigint(1)}, ChangeKind::kInsert);
  b.AppendRow({Value::Int(1), Value::Bigint(1)}, ChangeKind::kUpdateBefore);
  b.AppendRow({Value::Int(1), Value::Bigint(2)}, ChangeKind::kUpdateAfter);
  b.AppendRow({Value::Int(1), Value::Bigint(2)}, ChangeKind::kDelete);
  BOOST_TEST(Lines(b, /*changelog=*/true) ==
             "kept\n+I | 1 | 1\n-U | 1 | 1\n+U | 1 | 2\n-D | 1 | 2\n");
  // Without columns, the change kind alone.
  Batch none = MakeBatch({});
  none.SetNumRows(0);
  BOOST_TEST(Lines(none, true) == "kept\n");
}

BOOST_AUTO_TEST_CASE(one_writer_over_batches_of_other_shapes) {
  // The writer keeps its buffers; a batch with fewer rows or columns, or
  // a column that was plain and now needs escapes, prints only its own.
  BatchTextWriter writer;
  std::string out;
  Batch wide = MakeBatch({{"a", LogicalType::Varchar()},
                          {"b", LogicalType::Bigint()},
                          {"c", LogicalType::Varchar()}});
  for (int r = 0; r < 3; ++r) {
    wide.AppendRow({Value::Varchar("w" + std::to_string(r)), Value::Bigint(r),
                    Value::Varchar("plain")});
  }
  out += writer.Format(wide, false);
  Batch narrow = MakeBatch({{"a", LogicalType::Varchar()}});
  narrow.AppendRow({Value::Varchar("n|0")});
  out += writer.Format(narrow, false);
  out += writer.Format(MakeBatch({{"a", LogicalType::Varchar()}}), false);
  BOOST_TEST(out ==
             "w0 | 0 | plain\nw1 | 1 | plain\nw2 | 2 | plain\n"
             "n\\|0\n");
  // A longer batch after short ones: the writer's buffer grows.
  Batch tall = MakeBatch({{"n", LogicalType::Bigint()}});
  std::string expected;
  for (int r = 0; r < 1000; ++r) {
    tall.AppendRow({Value::Bigint(1000000 + r)});
    expected += "1" + std::string(r < 10 ? "00000" : r < 100 ? "0000" : "000") +
                std::to_string(r) + "\n";
  }
  BOOST_TEST(std::string(writer.Format(tall, false)) == expected);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace weir::cli
