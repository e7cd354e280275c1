// Columnar batches: appending, nulls, change kinds, selection, compaction.
#define BOOST_TEST_MODULE batch_test
#include "engine/types/batch.h"

#include <boost/test/unit_test.hpp>

using namespace weir::types;

namespace {
std::shared_ptr<const Schema> TwoColumns() {
  return std::make_shared<Schema>(
      std::vector<Field>{{"id", LogicalType::Bigint(), false},
                         {"name", LogicalType::Varchar(), true}});
}
}  // namespace

BOOST_AUTO_TEST_CASE(rows_round_trip_through_columns) {
  Batch b(TwoColumns());
  b.AppendRow({Value::Bigint(1), Value::Varchar("a")});
  b.AppendRow({Value::Bigint(2), Value::Null(LogicalType::Varchar())},
              ChangeKind::kDelete);
  b.AppendRow({Value::Bigint(3), Value::Varchar("c")});
  BOOST_TEST(b.num_rows() == 3u);
  BOOST_TEST(b.column(0).ints()[2] == 3);
  BOOST_TEST(!b.column(1).IsNull(0));
  BOOST_TEST(b.column(1).IsNull(1));
  BOOST_TEST(b.column(1).strings()[2] == "c");
  BOOST_TEST((b.change(0) == ChangeKind::kInsert));
  BOOST_TEST((b.change(1) == ChangeKind::kDelete));
  BOOST_TEST((b.change(2) == ChangeKind::kInsert));
  auto rows = b.ToRows();
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);
  BOOST_TEST(rows[1][0].integer() == 2);
  BOOST_TEST(rows[1][1].is_null());
}

BOOST_AUTO_TEST_CASE(selection_narrows_without_copying) {
  Batch b(TwoColumns());
  for (int i = 0; i < 10; ++i)
    b.AppendRow({Value::Bigint(i), Value::Varchar(std::to_string(i))});
  b.SetSelection({1, 4, 9});
  BOOST_TEST(b.num_rows() == 10u);
  BOOST_TEST(b.num_selected() == 3u);
  Batch c = b.Compact();
  BOOST_TEST(c.num_rows() == 3u);
  BOOST_TEST(!c.has_selection());
  BOOST_TEST(c.column(0).ints()[2] == 9);
  BOOST_TEST(c.column(1).strings()[1] == "4");
}

BOOST_AUTO_TEST_CASE(direct_fill_and_resize_mark_new_rows_null) {
  Batch b(TwoColumns());
  b.column(0).AppendInt(7);
  b.column(0).AppendInt(8);
  b.column(1).Resize(2);  // both NULL
  b.SetNumRows(2);
  BOOST_TEST(b.column(1).IsNull(0));
  BOOST_TEST(b.column(1).IsNull(1));
  b.column(1).SetNull(1, false);
  b.column(1).strings()[1] = "x";
  BOOST_TEST(b.ToRows()[1][1].str() == "x");
  b.Clear();
  BOOST_TEST(b.num_rows() == 0u);
  BOOST_TEST(b.column(0).size() == 0u);
  BOOST_TEST(std::string(ChangeKindSymbol(ChangeKind::kUpdateBefore)) == "-U");
}

BOOST_AUTO_TEST_CASE(booleans_and_decimals_keep_their_logical_type) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{{"ok", LogicalType::Boolean(), true},
                         {"amount", LogicalType::DecimalOrDie(10, 2), true}});
  Batch b(schema);
  b.AppendRow({Value::Boolean(true),
               Value::Decimal(12345, LogicalType::DecimalOrDie(10, 2))});
  auto row = b.ToRows()[0];
  BOOST_TEST(row[0].boolean());
  BOOST_TEST(row[1].ToString() == "123.45");
}

BOOST_AUTO_TEST_CASE(cell_text_spells_values_as_value_to_string_does) {
  // The expected text of each cell, written out (days and micros since
  // 1970-01-01: 20454 is 2026-01-01, 1767225600 s is its midnight).
  struct Cell {
    Value value;
    const char* text;
  };
  std::vector<Cell> cells = {
      {Value::Boolean(true), "TRUE"},
      {Value::Boolean(false), "FALSE"},
      {Value::Int(-42), "-42"},
      {Value::Bigint(9000000000LL), "9000000000"},
      {Value::Double(1.5), "1.5"},
      {Value::Decimal(-12345, LogicalType::DecimalOrDie(10, 2)), "-123.45"},
      {Value::Decimal(5, LogicalType::DecimalOrDie(3, 3)), "0.005"},
      {Value::Varchar("héllo"), "héllo"},
      {Value::Bytes(std::string("\x01\xff", 2)), "\\x01ff"},
      {Value::Date(20454), "2026-01-01"},
      {Value::Time(3723000001LL), "01:02:03.000001"},
      {Value::Timestamp(1767225600123456LL, 3), "2026-01-01 00:00:00.123"},
      {Value::Timestamp(-1, 6), "1969-12-31 23:59:59.999999"},
  };
  for (const Cell& c : cells) {
    auto schema = std::make_shared<Schema>(
        std::vector<Field>{{"c", c.value.type(), true}});
    Batch b(schema);
    b.AppendRow({c.value});
    b.AppendRow({Value::Null(c.value.type())});
    BOOST_TEST(b.column(0).CellText(0) == c.text);
    BOOST_TEST(c.value.ToString() == c.text);
    BOOST_TEST(b.column(0).CellText(1) == "NULL");
    // Appending keeps what the buffer held.
    std::string appended = "[";
    b.column(0).AppendCellText(0, &appended);
    b.column(0).AppendCellText(1, &appended);
    BOOST_TEST(appended == std::string("[") + c.text + "NULL");
  }
}

BOOST_AUTO_TEST_CASE(packed_strings_read_back_in_either_form) {
  Column c(LogicalType::Varchar());
  c.AppendBytes("first");
  c.AppendBytes({});
  c.SetLastString("second, longer than the inline buffer of a std::string");
  c.SetLastString("second");  // a field given twice: the last wins
  c.AppendNull();
  c.AppendString("moved? no: copied into the packed bytes");
  c.AppendBytes("dropped");
  c.Resize(4);  // a decoder rolling back its last row
  BOOST_TEST(c.string_objects() == nullptr);  // still packed
  BOOST_TEST(c.size() == 4u);
  BOOST_TEST(c.StringAt(0) == "first");
  BOOST_TEST(c.StringAt(1) == "second");
  BOOST_TEST(c.IsNull(2));
  BOOST_TEST(c.StringAt(2) == "");
  BOOST_TEST(c.StringAt(3) == "moved? no: copied into the packed bytes");
  BOOST_TEST(c.GetValue(1).str() == "second");
  BOOST_TEST(c.CellText(2) == "NULL");
  c.Resize(6);  // grown: new rows NULL and empty
  BOOST_TEST(c.IsNull(5));
  BOOST_TEST(c.StringAt(5) == "");

  const std::string* objects = c.strings();  // converts once
  BOOST_TEST(c.string_objects() == objects);
  BOOST_TEST(objects[0] == "first");
  BOOST_TEST(objects[1] == "second");
  BOOST_TEST(objects[3] == "moved? no: copied into the packed bytes");
  BOOST_TEST(c.IsNull(2));
  BOOST_TEST(!c.IsNull(3));
  c.AppendBytes("after");
  c.SetLastString("after, replaced");
  BOOST_TEST(c.StringAt(6) == "after, replaced");
  BOOST_TEST(c.strings()[6] == "after, replaced");

  c.Clear();  // empty again: packed again
  BOOST_TEST(c.string_objects() == nullptr);
  c.AppendString("into an empty column: moved in as an object");
  BOOST_TEST(c.string_objects() != nullptr);
  BOOST_TEST(c.StringAt(0) == "into an empty column: moved in as an object");
}

// NULLs appended row by row, first or after values, and values after
// NULLs: each row keeps its own flag (Column::AppendNull extends the flags
// without resizing them when they are there already).
BOOST_AUTO_TEST_CASE(nulls_appended_row_by_row_keep_each_rows_flag) {
  for (bool null_first : {true, false}) {
    Column ints(LogicalType::Bigint());
    Column strings(LogicalType::Varchar());
    std::vector<bool> expected;
    for (int i = 0; i < 300; ++i) {
      const bool is_null = i % 7 < 3 ? null_first : (i % 5 == 0);
      expected.push_back(is_null);
      if (is_null) {
        ints.AppendNull();
        strings.AppendNull();
      } else {
        ints.AppendInt(i);
        strings.AppendBytes(std::to_string(i));
      }
    }
    BOOST_TEST(ints.size() == 300u);
    BOOST_TEST(strings.size() == 300u);
    for (int i = 0; i < 300; ++i) {
      BOOST_TEST(ints.IsNull(i) == expected[i], "row " << i);
      BOOST_TEST(strings.IsNull(i) == expected[i], "row " << i);
      if (!expected[i]) {
        BOOST_TEST(ints.ints()[i] == i);
        BOOST_TEST(strings.StringAt(i) == std::to_string(i));
      } else {
        BOOST_TEST(strings.StringAt(i).empty());
        BOOST_TEST(ints.CellText(i) == "NULL");
      }
    }
  }
  // Only NULLs, then Resize back and more.
  Column c(LogicalType::Bigint());
  for (int i = 0; i < 10; ++i) c.AppendNull();
  c.Resize(4);
  c.AppendInt(9);
  c.AppendNull();
  BOOST_TEST(c.size() == 6u);
  for (int i = 0; i < 4; ++i) BOOST_TEST(c.IsNull(i));
  BOOST_TEST(!c.IsNull(4));
  BOOST_TEST(c.ints()[4] == 9);
  BOOST_TEST(c.IsNull(5));
}
