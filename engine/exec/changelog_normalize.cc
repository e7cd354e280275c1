#include "engine/exec/changelog_normalize.h"

#include <optional>

#include "engine/base/status.h"
#include "engine/exec/change_queue.h"
#include "engine/exec/keyed_rows.h"
#include "fmt/format.h"

namespace weir::exec {

namespace {

using types::ChangeKind;
using Row = std::vector<types::Value>;

class ChangelogNormalizeOperator : public Operator {
 public:
  ChangelogNormalizeOperator(std::shared_ptr<const types::Schema> schema,
                             std::vector<int> key_columns,
                             AggregateStore store, std::string source)
      : schema_(std::move(schema)),
        key_columns_(std::move(key_columns)),
        store_(std::move(store)),
        source_(std::move(source)),
        pending_(schema_) {}

  absl::Status AddInput(types::Batch batch) override {
    if (batch.num_selected() == 0) return absl::OkStatus();
    const KeyedRows keyed = GroupRowsByKey(batch, key_columns_, store_.op,
                                           store_.max_parallelism);
    const size_t n = keyed.num_groups();
    storage::StateStore& store = *store_.store;
    storage::StateStore::BatchScope scope(&store);
    const std::vector<std::string_view> keys = keyed.GroupKeys();
    WEIR_RETURN_IF_ERROR(store.Prefetch(keys));

    // Each key's latest row before the batch.
    std::vector<std::optional<Row>> latest(n);
    for (size_t g = 0; g < n; ++g) {
      WEIR_ASSIGN_OR_RETURN(const std::string* value, store.Get(keys[g]));
      if (value == nullptr) continue;
      WEIR_ASSIGN_OR_RETURN(latest[g], DecodeRow(*value));
    }
    // The rows in order: several versions of a key in one batch each
    // replace the one before.
    std::vector<bool> changed(n, false);
    for (size_t i = 0; i < keyed.rows.size(); ++i) {
      const uint32_t row = keyed.rows[i];
      const uint32_t g = keyed.group_of[i];
      const ChangeKind kind = batch.change(row);
      if (kind == ChangeKind::kDelete || kind == ChangeKind::kUpdateBefore) {
        if (!latest[g]) continue;  // a tombstone of a key never seen
        pending_.Append(*latest[g], ChangeKind::kDelete, output_budget());
        latest[g].reset();
        changed[g] = true;
        continue;
      }
      Row now;
      now.reserve(batch.num_columns());
      for (size_t c = 0; c < batch.num_columns(); ++c)
        now.push_back(batch.column(c).GetValue(row));
      if (!latest[g]) {
        pending_.Append(now, ChangeKind::kInsert, output_budget());
      } else if (now != *latest[g]) {
        pending_.Append(*latest[g], ChangeKind::kUpdateBefore,
                        output_budget());
        pending_.Append(now, ChangeKind::kUpdateAfter, output_budget());
      } else {
        continue;  // the same row again: no change
      }
      latest[g] = std::move(now);
      changed[g] = true;
    }
    for (size_t g = 0; g < n; ++g) {
      if (!changed[g]) continue;
      if (latest[g]) {
        WEIR_RETURN_IF_ERROR(store.Put(keys[g], EncodeRow(*latest[g])));
      } else {
        WEIR_RETURN_IF_ERROR(store.Delete(keys[g]));
      }
    }
    WEIR_RETURN_IF_ERROR(scope.Close());
    return EmitPending();
  }

  bool HasPendingOutput() const override { return !pending_.empty(); }
  absl::Status ContinueOutput() override { return EmitPending(); }

 private:
  static std::string EncodeRow(const Row& row) {
    std::string out;
    for (const types::Value& v : row) storage::AppendValue(&out, v);
    return out;
  }

  absl::StatusOr<Row> DecodeRow(std::string_view in) const {
    Row row;
    row.reserve(schema_->size());
    for (const types::Field& f : schema_->fields()) {
      absl::StatusOr<types::Value> v = storage::DecodeValue(&in, f.type);
      if (!v.ok()) break;
      row.push_back(*std::move(v));
    }
    if (row.size() != schema_->size() || !in.empty()) {
      return absl::DataLossError(fmt::format(
          "the latest row of a key of TABLE '{}' in store '{}' is damaged",
          source_, store_.store->name()));
    }
    return row;
  }

  absl::Status EmitPending() {
    std::optional<types::Batch> next = pending_.Pop();
    return next ? Emit(*std::move(next)) : absl::OkStatus();
  }

  std::shared_ptr<const types::Schema> schema_;
  std::vector<int> key_columns_;
  AggregateStore store_;
  std::string source_;
  ChangeQueue pending_;
};

}  // namespace

std::unique_ptr<Operator> MakeChangelogNormalizeOperator(
    std::shared_ptr<const types::Schema> schema, std::vector<int> key_columns,
    AggregateStore store, std::string source) {
  return std::make_unique<ChangelogNormalizeOperator>(
      std::move(schema), std::move(key_columns), std::move(store),
      std::move(source));
}

}  // namespace weir::exec
