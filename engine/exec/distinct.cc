#include "engine/exec/distinct.h"

#include <algorithm>
#include <numeric>

#include "engine/exec/key_hash.h"

namespace weir::exec {

void DistinctRows::KeepNew(types::Batch* batch) {
  std::vector<int> all(batch->num_columns());
  std::iota(all.begin(), all.end(), 0);
  std::vector<uint64_t> hashes;
  KeyHash(*batch, all, &hashes);
  types::SelectionVector live;
  if (batch->has_selection()) {
    live = batch->selection();
  } else {
    live.resize(batch->num_rows());
    std::iota(live.begin(), live.end(), 0u);
  }
  types::SelectionVector kept;
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < live.size(); ++i) {
    std::vector<types::Value> row;
    row.reserve(batch->num_columns());
    for (size_t c = 0; c < batch->num_columns(); ++c)
      row.push_back(batch->column(c).GetValue(live[i]));
    std::vector<std::vector<types::Value>>& bucket = seen_[hashes[i]];
    if (std::find(bucket.begin(), bucket.end(), row) != bucket.end()) continue;
    bucket.push_back(std::move(row));
    kept.push_back(live[i]);
  }
  batch->SetSelection(std::move(kept));
}

absl::Status DistinctOperator::AddInput(types::Batch batch) {
  rows_->KeepNew(&batch);
  if (batch.num_selected() == 0) return absl::OkStatus();
  return Emit(std::move(batch));
}

}  // namespace weir::exec
