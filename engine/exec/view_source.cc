#include "engine/exec/view_source.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

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
    if (!loaded_) {
      loaded_ = true;
      WEIR_RETURN_IF_ERROR(LoadHeld());
    }
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
    for (size_t i = 0; i < n; ++i, ++next_) {
      out->AppendRow(pending_[next_].row, pending_[next_].kind);
      WEIR_RETURN_IF_ERROR(Hold(pending_[next_]));
    }
    return n;
  }

  bool finished() const override { return !reads_ || done_; }

  // No position in the view's changes: on resume, the view is copied
  // again and compared with the rows held in the store.
  std::optional<SourcePosition> checkpoint_position() const override {
    return SourcePosition{};
  }
  absl::Status StartAt(const SourcePosition&) override {
    return absl::OkStatus();
  }

  bool wants_store() const override { return reads_; }
  void AttachStore(std::shared_ptr<storage::StateStore> store) override {
    store_ = std::move(store);
  }

 private:
  /// The store key of the emitted row with view key `key`.
  std::string HeldKey(std::string_view key) const {
    std::string k = storage::KeyPrefix(storage::kTaskMetadataOperator, 0);
    k += 'v';
    k += key;
    return k;
  }

  /// Reads the rows the store holds (restored from the checkpoint the
  /// query resumed from; none when it started afresh) into mirror_, so the
  /// first copy of the view emits only the difference.
  absl::Status LoadHeld() {
    if (store_ == nullptr) return absl::OkStatus();
    const std::string prefix = HeldKey("");
    storage::StateStore::Scanner scanner;
    WEIR_RETURN_IF_ERROR(
        store_->Seek(storage::KeyRange::Prefix(prefix), &scanner));
    for (; scanner.Valid(); scanner.Next()) {
      std::optional<ViewRow> row =
          DecodeViewRow(*view_->schema(), scanner.value());
      if (!row) {
        return absl::DataLossError(
            "a row that a reader of a materialized view keeps in its "
            "checkpoint is damaged; start the reading query without its "
            "saved state");
      }
      mirror_.emplace(std::string(scanner.key().substr(prefix.size())),
                      *std::move(row));
    }
    return scanner.status();
  }

  /// Keeps the emitted change `c` in the store (with the next checkpoint).
  absl::Status Hold(const ViewChange& c) {
    if (store_ == nullptr) return absl::OkStatus();
    if (c.kind == ChangeKind::kInsert || c.kind == ChangeKind::kUpdateAfter) {
      held_value_.clear();
      AppendViewRow(c.row, &held_value_);
      return store_->Put(HeldKey(c.key), held_value_);
    }
    return store_->Delete(HeldKey(c.key));
  }

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
  std::shared_ptr<storage::StateStore> store_;  // the rows emitted, durable
  std::string held_value_;                      // Hold's buffer
  bool loaded_ = false;
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
