#include "engine/exec/view_state.h"

#include <mutex>

#include "storage/key_codec.h"

namespace weir::exec {

ViewState::ViewState(std::shared_ptr<const types::Schema> schema,
                     std::vector<int> key_columns)
    : schema_(std::move(schema)), key_columns_(std::move(key_columns)) {}

std::string ViewState::KeyOf(const ViewRow& row) const {
  std::string key;
  for (int c : key_columns_)
    storage::AppendValue(&key, row[static_cast<size_t>(c)]);
  return key;
}

std::string ViewState::SequenceKey(int task, uint64_t sequence) {
  std::string key;
  storage::AppendTime(&key, task);
  storage::AppendTime(&key, static_cast<int64_t>(sequence));
  return key;
}

void ViewState::Apply(std::vector<Change> changes) {
  std::unique_lock lock(mu_);
  for (Change& c : changes) {
    if (c.row) {
      rows_.insert_or_assign(std::move(c.key), *std::move(c.row));
    } else {
      rows_.erase(c.key);
    }
  }
}

std::vector<ViewRow> ViewState::Read(const ViewKeyRange& range) const {
  std::vector<ViewRow> out;
  std::shared_lock lock(mu_);
  auto it = rows_.lower_bound(range.begin);
  for (; it != rows_.end(); ++it) {
    if (!range.end.empty() && it->first >= range.end) break;
    out.push_back(it->second);
  }
  return out;
}

size_t ViewState::size() const {
  std::shared_lock lock(mu_);
  return rows_.size();
}

void ViewState::Clear() {
  std::unique_lock lock(mu_);
  rows_.clear();
}

}  // namespace weir::exec
