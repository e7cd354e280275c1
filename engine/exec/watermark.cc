#include "engine/exec/watermark.h"

#include <algorithm>

#include "engine/types/temporal_util.h"
#include "engine/types/value.h"

namespace weir::exec {

std::string WatermarkText(int64_t micros) {
  if (micros == kNoWatermark) return "";
  if (micros == kEndOfTime) return "end of input";
  if (!types::internal::TimestampInRange(micros)) {
    return std::to_string(micros) + " us";
  }
  int precision = 6;
  if (micros % 1000000 == 0) {
    precision = 0;
  } else if (micros % 1000 == 0) {
    precision = 3;
  }
  return types::FormatTimestamp(micros, precision);
}

int WatermarkCombiner::AddInput() {
  inputs_.emplace_back();
  return static_cast<int>(inputs_.size()) - 1;
}

void WatermarkCombiner::Advance(int i, int64_t micros) {
  Input& in = inputs_[static_cast<size_t>(i)];
  in.watermark = std::max(in.watermark, micros);
}

bool WatermarkCombiner::Update() {
  bool any_active = false, any_idle = false, any_ended = false;
  int64_t min_active = kEndOfTime;
  int64_t max_idle = kNoWatermark, max_ended = kNoWatermark;
  for (const Input& in : inputs_) {
    if (in.ended) {
      any_ended = true;
      max_ended = std::max(max_ended, in.watermark);
    } else if (in.idle) {
      any_idle = true;
      max_idle = std::max(max_idle, in.watermark);
    } else {
      any_active = true;
      min_active = std::min(min_active, in.watermark);
    }
  }
  int64_t candidate = kNoWatermark;
  if (any_active) {
    candidate = min_active;
  } else if (any_idle) {
    candidate = max_idle;
  } else if (any_ended) {
    candidate = max_ended;
  }
  const bool idle = !any_active && any_idle;
  const int64_t watermark = std::max(watermark_, candidate);
  const bool changed = watermark != watermark_ || idle != idle_;
  watermark_ = watermark;
  idle_ = idle;
  return changed;
}

PartitionWatermarks::PartitionWatermarks(const std::vector<int32_t>& partitions,
                                         std::chrono::milliseconds idle_timeout,
                                         TimePoint start)
    : idle_timeout_(idle_timeout) {
  for (int32_t p : partitions) IndexOf(p, start);
}

int PartitionWatermarks::IndexOf(int32_t p, TimePoint now) {
  auto it = std::find(partitions_.begin(), partitions_.end(), p);
  if (it != partitions_.end())
    return static_cast<int>(it - partitions_.begin());
  partitions_.push_back(p);
  last_rows_.push_back(now);
  return combiner_.AddInput();
}

void PartitionWatermarks::OnRows(int32_t p, int64_t micros, TimePoint now) {
  const int i = IndexOf(p, now);
  last_rows_[static_cast<size_t>(i)] = now;
  combiner_.SetIdle(i, false);
  combiner_.Advance(i, micros);
}

bool PartitionWatermarks::Update(TimePoint now) {
  // In milliseconds: the longest timeout a setting can give (999999999 h)
  // does not fit in nanoseconds.
  if (idle_timeout_.count() > 0) {
    for (size_t i = 0; i < partitions_.size(); ++i) {
      combiner_.SetIdle(static_cast<int>(i),
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            now - last_rows_[i]) >= idle_timeout_);
    }
  }
  return combiner_.Update();
}

}  // namespace weir::exec
