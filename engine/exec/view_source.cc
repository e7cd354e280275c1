#include "engine/exec/view_source.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

namespace weir::exec {

namespace {

using types::ChangeKind;

class ViewChangelogSource final : public Source {
 public:
  ViewChangelogSource(std::shared_ptr<ViewState> view, bool reads,
                      size_t queue_changes)
      : view_(std::move(view)), reads_(reads), queue_changes_(queue_changes) {}

  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    if (!reads_ || done_) return 0;
    if (next_ == pending_.size()) {
      pending_.clear();
      next_ = 0;
      if (sub_ == nullptr || sub_->overflowed()) {
        Resync();
      } else {
        const bool ended = sub_->ended();  // before Take: no change after
        sub_->Take(max_rows, &pending_);
        for (const ViewChange& c : pending_) Mirror(c);
        if (pending_.empty() && ended) done_ = true;
      }
    }
    const size_t n = std::min(max_rows, pending_.size() - next_);
    for (size_t i = 0; i < n; ++i, ++next_)
      out->AppendRow(pending_[next_].row, pending_[next_].kind);
    return n;
  }

  bool finished() const override { return !reads_ || done_; }

  // No position in the view's changes: on resume, read the view again.
  std::optional<SourcePosition> checkpoint_position() const override {
    return SourcePosition{};
  }
  absl::Status StartAt(const SourcePosition&) override {
    return absl::OkStatus();
  }

 private:
  /// Copies the view and subscribes anew; queues the difference between
  /// what was emitted (mirror_) and the copy.
  void Resync() {
    std::map<std::string, ViewRow> copy;
    sub_ = view_->Subscribe(queue_changes_, &copy);
    auto old = mirror_.begin();
    auto now = copy.begin();
    while (old != mirror_.end() || now != copy.end()) {
      if (now == copy.end() || (old != mirror_.end() && old->first < now->first)) {
        pending_.push_back({ChangeKind::kDelete, old->first, old->second});
        ++old;
      } else if (old == mirror_.end() || now->first < old->first) {
        pending_.push_back({ChangeKind::kInsert, now->first, now->second});
        ++now;
      } else {
        if (old->second != now->second) {
          pending_.push_back(
              {ChangeKind::kUpdateBefore, old->first, old->second});
          pending_.push_back(
              {ChangeKind::kUpdateAfter, now->first, now->second});
        }
        ++old;
        ++now;
      }
    }
    mirror_ = std::move(copy);
  }

  void Mirror(const ViewChange& c) {
    if (c.kind == ChangeKind::kInsert || c.kind == ChangeKind::kUpdateAfter) {
      mirror_.insert_or_assign(c.key, c.row);
    } else {
      mirror_.erase(c.key);
    }
  }

  std::shared_ptr<ViewState> view_;
  const bool reads_;
  const size_t queue_changes_;
  std::shared_ptr<ViewSubscription> sub_;
  std::map<std::string, ViewRow> mirror_;  // the rows emitted, by key
  std::vector<ViewChange> pending_;        // to emit, from next_
  size_t next_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Source> OpenViewChangelogSource(
    std::shared_ptr<ViewState> view, int split, size_t queue_changes) {
  return std::make_unique<ViewChangelogSource>(std::move(view), split == 0,
                                               queue_changes);
}

}  // namespace weir::exec
