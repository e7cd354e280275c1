// Late rows to a dead-letter sink (late_rows.h), on the operators directly
// with a sink that records what it is given: the window operator hands
// over the late rows of one input batch in one Write, each with its
// columns, its source position (by row index, through a selection) and a
// reason, and counts them; the positions operator adds the two hidden
// columns the SESSION input carries. Which rows are late is worked out
// here from the row times (window end + lateness <= watermark).
#define BOOST_TEST_MODULE late_rows_test
#include "engine/exec/late_rows.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/exec/window.h"
#include "engine/sql/logical_plan.h"
#include "fmt/format.h"

using namespace weir;

namespace {

constexpr int64_t kSecond = 1000000;

/// Records every Write.
class RecordingSink : public exec::LateRowSink {
 public:
  absl::Status Write(const types::Schema& schema,
                     const std::vector<exec::LateRow>& rows) override {
    std::lock_guard lock(mu);
    writes.push_back(rows);
    names.clear();
    for (const types::Field& f : schema.fields()) names.push_back(f.name);
    return absl::OkStatus();
  }
  std::mutex mu;
  std::vector<std::vector<exec::LateRow>> writes;
  std::vector<std::string> names;
};

class Collector : public exec::Operator {
 public:
  absl::Status AddInput(types::Batch batch) override {
    batches.push_back(std::move(batch));
    return absl::OkStatus();
  }
  std::vector<types::Batch> batches;
};

std::shared_ptr<types::Schema> RowSchema() {
  auto schema = std::make_shared<types::Schema>();
  schema->Add(types::Field{"k", types::LogicalType::Bigint(), true});
  schema->Add(types::Field{"ts", types::LogicalType::TimestampOrDie(3), true});
  return schema;
}

/// TUMBLE(ts, 10 s) over rows (k BIGINT, ts TIMESTAMP(3)).
sql::WindowNode Tumble10() {
  auto scan = std::make_shared<sql::ScanNode>();
  scan->schema = *RowSchema();
  sql::WindowNode node;
  node.fn = sql::WindowFn::kTumble;
  node.time_column = 1;
  node.size_micros = 10 * kSecond;
  node.schema = scan->schema;
  node.schema.Add(types::Field{"window_start",
                               types::LogicalType::TimestampOrDie(3), false});
  node.schema.Add(
      types::Field{"window_end", types::LogicalType::TimestampOrDie(3), false});
  node.inputs.push_back(scan);
  return node;
}

types::Batch Rows(const std::vector<std::pair<int64_t, int64_t>>& rows) {
  types::Batch batch(RowSchema());
  for (const auto& [k, sec] : rows) {
    batch.AppendRow(
        {types::Value::Bigint(k), types::Value::Timestamp(sec * kSecond, 3)});
  }
  return batch;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_batch_of_late_rows_is_one_write_with_positions) {
  const sql::WindowNode node = Tumble10();
  std::atomic<int64_t> counter{0};
  auto sink = std::make_shared<RecordingSink>();
  exec::RowPositions positions;
  exec::LateRowOutput late = exec::LateRowOutput::CountOnly(&counter);
  late.sink = sink;
  late.positions = &positions;
  constexpr int64_t kLateness = 2;
  auto op = exec::MakeWindowOperator(node, kLateness * kSecond, late);
  Collector out;
  op->set_downstream(&out);
  constexpr int64_t kWatermark = 25;
  BOOST_REQUIRE(op->OnWatermark(kWatermark * kSecond).ok());

  // Rows (k, sec); row 2 is filtered out (not selected) although late.
  const std::vector<std::pair<int64_t, int64_t>> rows = {
      {0, 3}, {1, 21}, {2, 4}, {3, 15}, {4, 12}, {5, 29}};
  types::Batch batch = Rows(rows);
  batch.SetSelection({0, 1, 3, 4, 5});
  positions.clear();
  for (size_t r = 0; r < rows.size(); ++r)
    positions.push_back(
        {static_cast<int32_t>(r % 2), 100 + static_cast<int64_t>(r)});
  BOOST_REQUIRE(op->AddInput(std::move(batch)).ok());

  // Late: selected, and its window [s, s + 10) has s + 10 + 2 <= 25.
  std::vector<size_t> expected;
  for (size_t r : {0, 1, 3, 4, 5}) {
    const int64_t end = rows[r].second / 10 * 10 + 10;
    if (end + kLateness <= kWatermark) expected.push_back(r);
  }
  BOOST_REQUIRE_EQUAL(expected.size(), 3u);  // 3, 15 and 12
  BOOST_TEST(counter.load() == 3);
  BOOST_REQUIRE_EQUAL(sink->writes.size(), 1u);
  const std::vector<exec::LateRow>& written = sink->writes[0];
  BOOST_REQUIRE_EQUAL(written.size(), expected.size());
  BOOST_TEST((sink->names == std::vector<std::string>{"k", "ts"}));
  for (size_t i = 0; i < expected.size(); ++i) {
    const size_t r = expected[i];
    BOOST_TEST(written[i].values.at(0).integer() == rows[r].first);
    BOOST_TEST(written[i].values.at(1).integer() == rows[r].second * kSecond);
    BOOST_TEST(written[i].position.partition == static_cast<int32_t>(r % 2));
    BOOST_TEST(written[i].position.offset == 100 + static_cast<int64_t>(r));
    const int64_t end = rows[r].second / 10 * 10 + 10;
    BOOST_TEST(written[i].reason.find(fmt::format(
                   "{}s behind watermark", kWatermark - kLateness - end)) !=
                   std::string::npos,
               written[i].reason);
  }
  // The others went on.
  size_t passed = 0;
  for (const types::Batch& b : out.batches) passed += b.num_selected();
  BOOST_TEST(passed == 2u);

  // A batch with nothing late writes nothing.
  positions.assign(1, {0, 200});
  BOOST_REQUIRE(op->AddInput(Rows({{7, 28}})).ok());
  BOOST_TEST(sink->writes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(without_a_sink_late_rows_are_only_counted) {
  const sql::WindowNode node = Tumble10();
  std::atomic<int64_t> counter{0};
  auto op = exec::MakeWindowOperator(node, 0,
                                     exec::LateRowOutput::CountOnly(&counter));
  Collector out;
  op->set_downstream(&out);
  BOOST_REQUIRE(op->OnWatermark(20 * kSecond).ok());
  BOOST_REQUIRE(op->AddInput(Rows({{0, 1}, {1, 19}, {2, 20}})).ok());
  BOOST_TEST(counter.load() == 2);  // [0, 10) and [10, 20) are closed
}

BOOST_AUTO_TEST_CASE(the_positions_operator_adds_partition_and_offset) {
  auto in = RowSchema();
  auto schema = std::make_shared<types::Schema>(*in);
  schema->Add(types::Field{"$partition", types::LogicalType::Bigint(), false});
  schema->Add(types::Field{"$offset", types::LogicalType::Bigint(), false});
  exec::RowPositions positions = {{3, 7}, {1, 9}};
  auto op = exec::MakeRowPositionsOperator(schema, &positions);
  Collector out;
  op->set_downstream(&out);
  // Three rows, two positions known: the third is unknown (offset -1).
  types::Batch batch = Rows({{0, 1}, {1, 2}, {2, 3}});
  batch.SetSelection({0, 2});
  BOOST_REQUIRE(op->AddInput(std::move(batch)).ok());
  BOOST_REQUIRE_EQUAL(out.batches.size(), 1u);
  const types::Batch& got = out.batches[0];
  BOOST_REQUIRE_EQUAL(got.num_columns(), 4u);
  BOOST_TEST(got.num_selected() == 2u);
  BOOST_TEST(got.column(2).ints()[0] == 3);
  BOOST_TEST(got.column(3).ints()[0] == 7);
  BOOST_TEST(got.column(2).ints()[1] == 1);
  BOOST_TEST(got.column(3).ints()[1] == 9);
  BOOST_TEST(got.column(3).ints()[2] == -1);
  BOOST_TEST(got.column(0).ints()[2] == 2);
}
