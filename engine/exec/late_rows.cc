#include "engine/exec/late_rows.h"

#include <utility>

#include "engine/types/value.h"
#include "fmt/format.h"

namespace weir::exec {

namespace {

/// `micros` as EXPLAIN writes durations: "5s", "1min", "250ms", "-3s".
std::string DurationText(int64_t micros) {
  constexpr int64_t kSecond = 1000000;
  for (const auto& [unit, name] :
       {std::pair<int64_t, const char*>{86400 * kSecond, "d"},
        {3600 * kSecond, "h"},
        {60 * kSecond, "min"},
        {kSecond, "s"},
        {1000, "ms"}}) {
    if (micros % unit == 0) return fmt::format("{}{}", micros / unit, name);
  }
  return fmt::format("{}us", micros);
}

class RowPositionsOperator : public Operator {
 public:
  RowPositionsOperator(std::shared_ptr<const types::Schema> schema,
                       const RowPositions* positions)
      : schema_(std::move(schema)), positions_(positions) {}

  absl::Status AddInput(types::Batch batch) override {
    const size_t n = batch.num_rows();
    const size_t ncols = batch.num_columns();
    types::Batch out(schema_);
    for (size_t c = 0; c < ncols; ++c)
      out.column(c) = std::move(batch.column(c));
    types::Column& partitions = out.column(ncols);
    types::Column& offsets = out.column(ncols + 1);
    partitions.Reserve(n);
    offsets.Reserve(n);
    for (size_t r = 0; r < n; ++r) {
      const RowPosition at = positions_ != nullptr && r < positions_->size()
                                 ? (*positions_)[r]
                                 : RowPosition{0, -1};
      partitions.AppendInt(at.partition);
      offsets.AppendInt(at.offset);
    }
    out.SetNumRows(n);
    out.SetChanges(batch.changes());
    if (batch.has_selection()) out.SetSelection(batch.selection());
    return Emit(std::move(out));
  }

 private:
  std::shared_ptr<const types::Schema> schema_;
  const RowPositions* positions_;
};

}  // namespace

std::unique_ptr<Operator> MakeRowPositionsOperator(
    std::shared_ptr<const types::Schema> schema,
    const RowPositions* positions) {
  return std::make_unique<RowPositionsOperator>(std::move(schema), positions);
}

std::string LateTime(int64_t micros) {
  // No fraction digits that are all zeros.
  const int precision = micros % 1000000 == 0 ? 0 : micros % 1000 == 0 ? 3 : 6;
  return types::FormatTimestamp(micros, precision);
}

std::string LateReason(const std::string& what, int64_t watermark,
                       int64_t lateness, int64_t late_by) {
  return fmt::format(
      "late row: {} is {} behind watermark {} less allowed lateness {}", what,
      DurationText(late_by), LateTime(watermark), DurationText(lateness));
}

}  // namespace weir::exec
