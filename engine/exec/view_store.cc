#include "engine/exec/view_store.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "engine/base/status.h"
#include "fmt/format.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

namespace weir::exec {

namespace {

using types::ChangeKind;

class ViewStoreOperator : public Operator {
 public:
  ViewStoreOperator(std::shared_ptr<ViewState> view, AggregateStore store,
                    int task, std::string view_name, bool changelog)
      : view_(std::move(view)),
        store_(std::move(store)),
        task_(task),
        view_name_(std::move(view_name)),
        changelog_(changelog) {}

  /// Reads every row of the store into the view.
  absl::Status Load() {
    storage::StateStore& store = *store_.store;
    storage::StateStore::Scanner scanner;
    WEIR_RETURN_IF_ERROR(store.Seek(storage::KeyRange{}, &scanner));
    std::vector<ViewState::Change> changes;
    for (; scanner.Valid(); scanner.Next()) {
      std::string_view key = scanner.key();
      WEIR_ASSIGN_OR_RETURN(ViewRow row, DecodeRow(scanner.value()));
      WEIR_RETURN_IF_ERROR(storage::DecodeKeyPrefix(&key).status());
      if (keyed()) {
        changes.push_back({view_->KeyOf(row), std::move(row)});
        continue;
      }
      // (task, sequence): the next row of this task goes after the last.
      std::string_view rest = key;
      absl::StatusOr<int64_t> task = storage::DecodeTime(&rest);
      absl::StatusOr<int64_t> seq =
          task.ok() ? storage::DecodeTime(&rest) : task;
      if (!seq.ok()) return Damaged();
      next_sequence_ =
          std::max(next_sequence_, static_cast<uint64_t>(*seq) + 1);
      changes.push_back({std::string(key), std::move(row)});
    }
    WEIR_RETURN_IF_ERROR(scanner.status());
    view_->Apply(std::move(changes));
    return absl::OkStatus();
  }

  absl::Status AddInput(types::Batch batch) override {
    const size_t n = batch.num_selected();
    if (n == 0) return absl::OkStatus();
    storage::StateStore& store = *store_.store;
    // The deletes held back from the last batch go first, in the same
    // step as this batch's changes (see HoldTrailingUpdateBefores).
    std::vector<ViewState::Change> changes = std::move(held_);
    held_.clear();
    const size_t first_new = changes.size();
    std::vector<bool> update_before;
    changes.reserve(first_new + n);
    std::string state_key;
    std::string value;
    ViewRow row(batch.num_columns());
    for (size_t i = 0; i < n; ++i) {
      const size_t r = batch.has_selection() ? batch.selection()[i] : i;
      for (size_t c = 0; c < batch.num_columns(); ++c)
        row[c] = batch.column(c).GetValue(r);
      const ChangeKind kind = batch.change(r);
      const bool put =
          kind == ChangeKind::kInsert || kind == ChangeKind::kUpdateAfter;
      std::string key;
      state_key.clear();
      if (keyed()) {
        key = view_->KeyOf(row);
        std::vector<types::Value> key_values;
        for (int k : view_->key_columns())
          key_values.push_back(row[static_cast<size_t>(k)]);
        storage::AppendKeyPrefix(
            &state_key, store_.op,
            storage::KeyGroupOf(storage::HashKey(key_values),
                                store_.max_parallelism));
      } else {
        if (!put) {
          return absl::InternalError(fmt::format(
              "materialized view '{}' has no unique key but its query "
              "retracted a row",
              view_name_));
        }
        key = ViewState::SequenceKey(task_, next_sequence_++);
        storage::AppendKeyPrefix(&state_key, store_.op, 0);
      }
      state_key += key;
      if (put) {
        value.clear();
        AppendViewRow(row, &value);
        WEIR_RETURN_IF_ERROR(store.Put(state_key, value));
        changes.push_back({std::move(key), row});
      } else {
        WEIR_RETURN_IF_ERROR(store.Delete(state_key));
        changes.push_back({std::move(key), std::nullopt});
      }
      update_before.push_back(kind == ChangeKind::kUpdateBefore);
    }
    HoldTrailingUpdateBefores(first_new, update_before, &changes);
    view_->Apply(std::move(changes));
    return Emit(std::move(batch));
  }

  const std::shared_ptr<ViewState>& view() const { return view_; }

  absl::Status OnWatermark(int64_t micros) override {
    ApplyHeld();
    return EmitWatermark(micros);
  }
  absl::Status OnBarrier(CheckpointId id) override {
    ApplyHeld();
    return EmitBarrier(id);
  }
  absl::Status Finish() override {
    ApplyHeld();
    // After this task's last change: readers of the view's changelog end
    // once every task of the view got here (view_source.h).
    if (!finished_) {
      finished_ = true;
      view_->WriterFinished();
    }
    return EmitFinish();
  }

 private:
  /// By the view's key; a changelog without key columns (a global
  /// aggregate: one row) by the empty key.
  bool keyed() const { return !view_->key_columns().empty() || changelog_; }

  /// An update's -U and +U may arrive in different batches (an operator
  /// splits what it owes by its output budget). Applied alone, the -U
  /// would let a pull query see the key missing until the +U. So a -U
  /// that is the last change of its key in the batch (changes from
  /// `first`, flagged by `update_before`) is taken out of `changes` and
  /// held: it goes first in the next batch's step, where its +U replaces
  /// it, or alone at the next watermark, barrier or end (a -U whose +U a
  /// filter dropped). The state store applies every change at once; only
  /// what readers see waits.
  void HoldTrailingUpdateBefores(size_t first,
                                 const std::vector<bool>& update_before,
                                 std::vector<ViewState::Change>* changes) {
    std::map<std::string_view, size_t> last;
    for (size_t i = first; i < changes->size(); ++i)
      last[(*changes)[i].key] = i;
    std::vector<bool> hold(changes->size(), false);
    bool any = false;
    for (size_t i = first; i < changes->size(); ++i) {
      if (update_before[i - first] && last[(*changes)[i].key] == i) {
        hold[i] = true;
        any = true;
      }
    }
    if (!any) return;
    std::vector<ViewState::Change> kept;
    kept.reserve(changes->size());
    for (size_t i = 0; i < changes->size(); ++i) {
      if (hold[i]) {
        held_.push_back(std::move((*changes)[i]));
      } else {
        kept.push_back(std::move((*changes)[i]));
      }
    }
    *changes = std::move(kept);
  }

  void ApplyHeld() {
    if (held_.empty()) return;
    view_->Apply(std::move(held_));
    held_.clear();
  }

  absl::Status Damaged() const {
    return absl::DataLossError(
        fmt::format("a row of materialized view '{}' in store '{}' is damaged",
                    view_name_, store_.store->name()));
  }

  absl::StatusOr<ViewRow> DecodeRow(std::string_view in) const {
    std::optional<ViewRow> row = DecodeViewRow(*view_->schema(), in);
    if (!row) return Damaged();
    return *std::move(row);
  }

  std::shared_ptr<ViewState> view_;
  AggregateStore store_;
  int task_ = 0;
  std::string view_name_;
  bool changelog_ = false;
  uint64_t next_sequence_ = 0;           // append-only views
  bool finished_ = false;
  std::vector<ViewState::Change> held_;  // HoldTrailingUpdateBefores
};

class ViewSink : public Sink {
 public:
  explicit ViewSink(std::string view_name) : view_name_(std::move(view_name)) {}
  absl::Status Write(const types::Batch&) override { return absl::OkStatus(); }
  absl::Status Flush(std::chrono::milliseconds) override {
    return absl::OkStatus();
  }
  std::string Describe() const override {
    return fmt::format("materialized view '{}'", view_name_);
  }

 private:
  std::string view_name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Operator>> MakeViewStoreOperator(
    std::shared_ptr<ViewState> view, AggregateStore store, int task,
    std::string view_name, bool changelog) {
  auto op = std::make_unique<ViewStoreOperator>(
      std::move(view), std::move(store), task, std::move(view_name),
      changelog);
  WEIR_RETURN_IF_ERROR(op->Load());
  // Every task of the query is built before any runs, so the view counts
  // all its writers before the first finishes.
  op->view()->AddWriters(1);
  return std::unique_ptr<Operator>(std::move(op));
}

std::unique_ptr<Sink> MakeViewSink(std::string view_name) {
  return std::make_unique<ViewSink>(std::move(view_name));
}

}  // namespace weir::exec
