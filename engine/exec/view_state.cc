#include "engine/exec/view_state.h"

#include <mutex>
#include <string_view>
#include <utility>

#include "storage/key_codec.h"

namespace weir::exec {

void AppendViewRow(const ViewRow& row, std::string* out) {
  for (const types::Value& v : row) storage::AppendValue(out, v);
}

std::optional<ViewRow> DecodeViewRow(const types::Schema& schema,
                                     std::string_view in) {
  ViewRow row;
  row.reserve(schema.size());
  for (const types::Field& f : schema.fields()) {
    absl::StatusOr<types::Value> v = storage::DecodeValue(&in, f.type);
    if (!v.ok()) return std::nullopt;
    row.push_back(*std::move(v));
  }
  if (!in.empty()) return std::nullopt;
  return row;
}

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

void ViewSubscription::Take(size_t max, std::vector<ViewChange>* out) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < max && !queue_.empty(); ++i) {
    out->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

bool ViewSubscription::overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

bool ViewSubscription::ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

bool ViewSubscription::Push(const std::vector<ViewChange>& changes) {
  std::lock_guard lock(mu_);
  if (overflowed_) return false;
  if (queue_.size() + changes.size() > capacity_) {
    overflowed_ = true;
    queue_.clear();
    return false;
  }
  queue_.insert(queue_.end(), changes.begin(), changes.end());
  return true;
}

void ViewSubscription::End() {
  std::lock_guard lock(mu_);
  ended_ = true;
}

namespace {

/// What readers see of one step: per key (in key order), the row before
/// the step and after it, as -D, +I, or -U/+U (nothing when unchanged).
std::vector<ViewChange> StepChanges(
    const std::map<std::string, ViewRow, std::less<>>& rows,
    const std::vector<ViewState::Change>& changes) {
  std::map<std::string_view, std::pair<const ViewRow*, const ViewRow*>> net;
  for (const ViewState::Change& c : changes) {
    auto [it, inserted] = net.try_emplace(c.key, nullptr, nullptr);
    if (inserted) {
      auto old = rows.find(c.key);
      if (old != rows.end()) it->second.first = &old->second;
    }
    it->second.second = c.row ? &*c.row : nullptr;
  }
  std::vector<ViewChange> out;
  using types::ChangeKind;
  for (const auto& [key, rows_of_key] : net) {
    const ViewRow* before = rows_of_key.first;
    const ViewRow* after = rows_of_key.second;
    if (before == nullptr && after == nullptr) continue;
    if (before != nullptr && after != nullptr && *before == *after) continue;
    if (before != nullptr && after != nullptr) {
      out.push_back({ChangeKind::kUpdateBefore, std::string(key), *before});
      out.push_back({ChangeKind::kUpdateAfter, std::string(key), *after});
    } else if (after != nullptr) {
      out.push_back({ChangeKind::kInsert, std::string(key), *after});
    } else {
      out.push_back({ChangeKind::kDelete, std::string(key), *before});
    }
  }
  return out;
}

}  // namespace

void ViewState::Apply(std::vector<Change> changes) {
  std::unique_lock lock(mu_);
  if (!subscribers_.empty()) {
    // Queue the step's changes before applying it (they are computed from
    // the rows before it); a reader cannot copy in between (the lock).
    const std::vector<ViewChange> step = StepChanges(rows_, changes);
    std::erase_if(subscribers_, [&](const std::weak_ptr<ViewSubscription>& w) {
      std::shared_ptr<ViewSubscription> sub = w.lock();
      return sub == nullptr || (!step.empty() && !sub->Push(step));
    });
  }
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

std::shared_ptr<ViewSubscription> ViewState::Subscribe(
    size_t capacity, std::map<std::string, ViewRow>* copy) {
  auto sub = std::make_shared<ViewSubscription>(capacity);
  std::unique_lock lock(mu_);
  copy->clear();
  for (const auto& [key, row] : rows_) copy->emplace_hint(copy->end(), key, row);
  if (ended_) {
    sub->End();
  } else {
    subscribers_.push_back(sub);
  }
  return sub;
}

void ViewState::AddWriters(int writers) {
  std::unique_lock lock(mu_);
  writers_ += writers;
}

void ViewState::WriterFinished() {
  std::unique_lock lock(mu_);
  if (++finished_ < writers_ || ended_) return;
  ended_ = true;
  for (const std::weak_ptr<ViewSubscription>& w : subscribers_) {
    if (std::shared_ptr<ViewSubscription> sub = w.lock()) sub->End();
  }
  subscribers_.clear();
}

size_t ViewState::size() const {
  std::shared_lock lock(mu_);
  return rows_.size();
}

void ViewState::Clear() {
  std::unique_lock lock(mu_);
  rows_.clear();
  // The view is gone: its readers end (DROP stopped its query).
  ended_ = true;
  for (const std::weak_ptr<ViewSubscription>& w : subscribers_) {
    if (std::shared_ptr<ViewSubscription> sub = w.lock()) sub->End();
  }
  subscribers_.clear();
}

}  // namespace weir::exec
