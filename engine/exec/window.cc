#include "engine/exec/window.h"

#include <algorithm>
#include <limits>

#include "engine/base/status.h"
#include "engine/exec/watermark.h"
#include "fmt/format.h"

namespace weir::exec {

using sql::PlanKind;
using sql::WindowFn;

namespace {

constexpr __int128 kMin = std::numeric_limits<int64_t>::min();
constexpr __int128 kMax = std::numeric_limits<int64_t>::max();

/// The largest s = k * unit + offset with s <= ts.
__int128 FloorTo(__int128 ts, __int128 unit, __int128 offset) {
  __int128 d = ts - offset;
  __int128 q = d / unit;
  if (d % unit != 0 && d < 0) --q;
  return q * unit + offset;
}

bool Fits(__int128 v) { return v >= kMin && v <= kMax; }

}  // namespace

bool AssignWindows(const sql::WindowNode& node, int64_t ts,
                   std::vector<WindowBounds>* out) {
  const __int128 t = ts;
  const __int128 size = node.size_micros;
  const __int128 offset = node.offset_micros;
  const size_t before = out->size();
  auto add = [&](__int128 start, __int128 end) {
    if (!Fits(start) || !Fits(end)) return false;
    out->push_back(
        WindowBounds{static_cast<int64_t>(start), static_cast<int64_t>(end)});
    return true;
  };
  bool ok = true;
  switch (node.fn) {
    case WindowFn::kTumble: {
      const __int128 start = FloorTo(t, size, offset);
      ok = add(start, start + size);
      break;
    }
    case WindowFn::kHop: {
      const __int128 slide = node.slide_micros;
      // Starts from the earliest window holding ts to the latest.
      const __int128 last = FloorTo(t, slide, offset);
      for (__int128 s = last - size + slide; ok && s <= last; s += slide)
        ok = add(s, s + size);
      break;
    }
    case WindowFn::kCumulate: {
      const __int128 step = node.slide_micros;
      const __int128 start = FloorTo(t, size, offset);
      const __int128 first_end = FloorTo(t, step, offset) + step;
      for (__int128 e = first_end; ok && e <= start + size; e += step)
        ok = add(start, e);
      break;
    }
    case WindowFn::kSession:
      ok = false;
      break;
  }
  if (!ok) out->resize(before);
  return ok;
}

absl::Status CheckWindowAssignable(const sql::WindowNode& node) {
  if (node.fn == WindowFn::kSession) {
    return absl::UnimplementedError(
        "Window SESSION is not executable yet: session windows merge as rows "
        "arrive and need their own operator, which is not built yet (TUMBLE, "
        "HOP and CUMULATE run)");
  }
  return absl::OkStatus();
}

namespace {

/// The window node under a windowed aggregate, or null.
const sql::WindowNode* WindowUnder(const sql::AggregateNode& agg) {
  if (!agg.window_start_group) return nullptr;
  const sql::PlanNode* in = agg.inputs[0].get();
  while (in->kind == PlanKind::kFilter || in->kind == PlanKind::kProject)
    in = in->inputs[0].get();
  if (in->kind != PlanKind::kWindow) return nullptr;
  return static_cast<const sql::WindowNode*>(in);
}

}  // namespace

bool WindowTimeHasWatermark(const sql::AggregateNode& agg) {
  const sql::WindowNode* w = WindowUnder(agg);
  return w != nullptr && w->event_time && *w->event_time == w->time_column;
}

std::map<const sql::PlanNode*, int64_t> WindowLateness(
    const sql::PlanPtr& root) {
  std::map<const sql::PlanNode*, int64_t> out;
  sql::ForEachNode(root, [&](const sql::PlanNode& n) {
    if (n.kind != PlanKind::kAggregate) return;
    const auto& agg = static_cast<const sql::AggregateNode&>(n);
    if (!WindowTimeHasWatermark(agg)) return;
    out[WindowUnder(agg)] = agg.allowed_lateness_micros;
  });
  return out;
}

int64_t ShiftWatermark(int64_t watermark, int64_t lateness) {
  if (watermark == kNoWatermark || watermark == kEndOfTime) return watermark;
  const __int128 shifted = static_cast<__int128>(watermark) - lateness;
  // Never down to kNoWatermark itself, which means "none".
  return shifted <= kMin ? kNoWatermark + 1 : static_cast<int64_t>(shifted);
}

namespace {

/// Appends row `row` of `src` to `dst` (same type).
void AppendCell(const types::Column& src, size_t row, types::Column* dst) {
  if (src.IsNull(row)) {
    dst->AppendNull();
    return;
  }
  switch (src.physical()) {
    case types::PhysicalType::kInt64:
      dst->AppendInt(src.ints()[row]);
      return;
    case types::PhysicalType::kDouble:
      dst->AppendDouble(src.doubles()[row]);
      return;
    case types::PhysicalType::kInt128:
      dst->AppendDecimal(src.decimals()[row]);
      return;
    case types::PhysicalType::kString:
      dst->AppendBytes(src.StringAt(row));
      return;
    case types::PhysicalType::kInterval:
      dst->AppendInterval(src.intervals()[row]);
      return;
    case types::PhysicalType::kNull:
      dst->AppendNull();
      return;
  }
}

class WindowOperator : public Operator {
 public:
  WindowOperator(const sql::WindowNode& node, std::optional<int64_t> lateness,
                 LateRowOutput late)
      : node_(node),
        schema_(std::make_shared<types::Schema>(node.schema)),
        input_schema_(node.inputs[0]->schema),
        lateness_(lateness),
        late_(std::move(late)) {}

  absl::Status AddInput(types::Batch batch) override {
    in_ = std::move(batch);
    next_ = 0;
    windows_.clear();
    window_next_ = 0;
    WEIR_RETURN_IF_ERROR(node_.fn == WindowFn::kTumble ? Tumble() : Produce());
    return WriteLateRows();
  }

  absl::Status OnWatermark(int64_t micros) override {
    watermark_ = std::max(watermark_, micros);
    return EmitWatermark(micros);
  }

  bool HasPendingOutput() const override { return next_ < live_rows(); }
  absl::Status ContinueOutput() override {
    WEIR_RETURN_IF_ERROR(Produce());
    return WriteLateRows();
  }

 private:
  size_t live_rows() const { return in_.num_selected(); }
  uint32_t RowAt(size_t i) const {
    return in_.has_selection() ? in_.selection()[i] : static_cast<uint32_t>(i);
  }

  /// The windows of row `row` that are still open; counts the row when it
  /// has none.
  void WindowsOf(uint32_t row) {
    windows_.clear();
    window_next_ = 0;
    const types::Column& time =
        in_.column(static_cast<size_t>(node_.time_column));
    if (time.IsNull(row) ||
        !AssignWindows(node_, time.ints()[row], &windows_)) {
      windows_.clear();
      if (late_.counter) late_.counter->fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (lateness_ && watermark_ != kNoWatermark) {
      const int64_t bound = ShiftWatermark(watermark_, *lateness_);
      const int64_t last_end = windows_.empty() ? bound : windows_.back().end;
      std::erase_if(windows_,
                    [&](const WindowBounds& w) { return w.end <= bound; });
      if (windows_.empty()) {
        if (late_.counter)
          late_.counter->fetch_add(1, std::memory_order_relaxed);
        if (late_.sink) KeepLateRow(row, last_end, bound);
      }
    }
  }

  /// Keeps late row `row`, whose last window ends at `end` <= `bound`
  /// (watermark - lateness), for the dead-letter topic.
  void KeepLateRow(uint32_t row, int64_t end, int64_t bound) {
    LateRow late;
    for (size_t c = 0; c < in_.num_columns(); ++c)
      late.values.push_back(in_.column(c).GetValue(row));
    if (late_.positions && row < late_.positions->size())
      late.position = (*late_.positions)[row];
    late.reason =
        LateReason(fmt::format("the end of its window {}", LateTime(end)),
                   watermark_, *lateness_, bound - end);
    late_rows_out_.push_back(std::move(late));
  }

  /// Writes the late rows kept since the last call (late_rows.h).
  absl::Status WriteLateRows() {
    if (late_rows_out_.empty()) return absl::OkStatus();
    absl::Status st = late_.sink->Write(input_schema_, late_rows_out_);
    late_rows_out_.clear();
    return st;
  }

  /// TUMBLE: one window per row, so the input's columns move over as they
  /// are, window_start and window_end are added, and rows in no window
  /// leave the selection (at most as many rows out as came in).
  absl::Status Tumble() {
    const size_t n = in_.num_rows();
    const size_t ncols = in_.num_columns();
    types::Batch out(schema_);
    types::Column& starts = out.column(ncols);
    types::Column& ends = out.column(ncols + 1);
    starts.Reserve(n);
    ends.Reserve(n);
    std::vector<uint8_t> live(n, in_.has_selection() ? 0 : 1);
    if (in_.has_selection()) {
      for (uint32_t r : in_.selection()) live[r] = 1;
    }
    types::SelectionVector selection;
    selection.reserve(n);
    for (size_t r = 0; r < n; ++r) {
      if (live[r]) WindowsOf(static_cast<uint32_t>(r));
      if (!live[r] || windows_.empty()) {
        starts.AppendInt(0);
        ends.AppendInt(0);
        continue;
      }
      starts.AppendInt(windows_[0].start);
      ends.AppendInt(windows_[0].end);
      selection.push_back(static_cast<uint32_t>(r));
    }
    windows_.clear();
    next_ = live_rows();
    if (selection.empty()) return absl::OkStatus();
    const bool narrowed = selection.size() < n;
    for (size_t c = 0; c < ncols; ++c) out.column(c) = std::move(in_.column(c));
    out.SetNumRows(n);
    out.SetChanges(in_.changes());
    if (narrowed) out.SetSelection(std::move(selection));
    return Emit(std::move(out));
  }

  /// Emits up to the budget of (row, window) rows from where it stopped:
  /// first which input row and window each output row is, then the
  /// columns one at a time (a typed gather rather than a switch per cell).
  absl::Status Produce() {
    const size_t ncols = in_.num_columns();
    std::vector<types::ChangeKind> changes;
    const bool changelog = !in_.changes().empty();
    src_rows_.clear();
    starts_.clear();
    ends_.clear();
    while (next_ < live_rows() && src_rows_.size() < output_budget()) {
      const uint32_t row = RowAt(next_);
      if (window_next_ == 0 && windows_.empty()) WindowsOf(row);
      while (window_next_ < windows_.size() &&
             src_rows_.size() < output_budget()) {
        const WindowBounds& w = windows_[window_next_++];
        src_rows_.push_back(row);
        starts_.push_back(w.start);
        ends_.push_back(w.end);
        if (changelog) changes.push_back(in_.change(row));
      }
      if (window_next_ >= windows_.size()) {
        ++next_;
        windows_.clear();
        window_next_ = 0;
      }
    }
    const size_t emitted = src_rows_.size();
    if (emitted == 0) return absl::OkStatus();
    types::Batch out(schema_);
    for (size_t c = 0; c < ncols; ++c)
      Gather(in_.column(c), src_rows_, &out.column(c));
    for (const auto& [values, c] :
         {std::pair{&starts_, ncols}, std::pair{&ends_, ncols + 1}}) {
      types::Column& column = out.column(c);
      column.Reserve(emitted);
      for (int64_t v : *values) column.AppendInt(v);
    }
    out.SetNumRows(emitted);
    if (changelog) out.SetChanges(std::move(changes));
    return Emit(std::move(out));
  }

  /// Appends src's rows `rows` to `dst` (empty, same type).
  static void Gather(const types::Column& src, const std::vector<uint32_t>& rows,
                     types::Column* dst) {
    dst->Reserve(rows.size());
    if (src.physical() == types::PhysicalType::kInt64 && !src.MayHaveNulls()) {
      // (Not Resize: that makes the new rows NULL.)
      const int64_t* from = src.ints();
      for (uint32_t r : rows) dst->AppendInt(from[r]);
      return;
    }
    for (uint32_t r : rows) AppendCell(src, r, dst);
  }

  const sql::WindowNode node_;  // a copy: the plan may go before the task
  std::shared_ptr<const types::Schema> schema_;
  types::Schema input_schema_;  // names the columns of late rows
  std::optional<int64_t> lateness_;
  LateRowOutput late_;
  std::vector<LateRow> late_rows_out_;  // late rows not yet written
  int64_t watermark_ = kNoWatermark;
  types::Batch in_;
  size_t next_ = 0;  // the next live row of in_
  std::vector<WindowBounds> windows_;
  size_t window_next_ = 0;
  // Produce's buffers: per output row, its input row and window.
  std::vector<uint32_t> src_rows_;
  std::vector<int64_t> starts_, ends_;
};

}  // namespace

std::unique_ptr<Operator> MakeWindowOperator(const sql::WindowNode& node,
                                             std::optional<int64_t> lateness,
                                             LateRowOutput late) {
  return std::make_unique<WindowOperator>(node, lateness, std::move(late));
}

}  // namespace weir::exec
