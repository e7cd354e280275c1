#include "connectors/mysql/cdc_rows.h"

#include "engine/base/status.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

namespace weir::connectors::mysql {
namespace {

constexpr char kRowsTag = 'r';
constexpr char kCompleteTag = 'c';

std::string Prefix(char tag) {
  std::string p = storage::KeyPrefix(storage::kTaskMetadataOperator, 0);
  p += tag;
  return p;
}

std::vector<types::Value> RowValues(const types::Batch& batch, size_t row) {
  std::vector<types::Value> values;
  values.reserve(batch.num_columns());
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    values.push_back(batch.column(c).GetValue(row));
  }
  return values;
}

}  // namespace

ChangelogRows::ChangelogRows(std::shared_ptr<storage::StateStore> store,
                             std::shared_ptr<const types::Schema> schema,
                             std::vector<int> key)
    : store_(std::move(store)),
      schema_(std::move(schema)),
      key_(std::move(key)),
      prefix_(Prefix(kRowsTag)) {}

ChangelogRows::~ChangelogRows() = default;

std::string ChangelogRows::RowKey(const types::Batch& batch, size_t row) const {
  std::string key = prefix_;
  for (int k : key_) {
    storage::AppendColumnValue(&key, batch.column(static_cast<size_t>(k)), row);
  }
  return key;
}

std::string ChangelogRows::RowValue(const types::Batch& batch,
                                    size_t row) const {
  std::string value;
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    storage::AppendColumnValue(&value, batch.column(c), row);
  }
  return value;
}

absl::Status ChangelogRows::AppendHeld(std::string_view value,
                                       types::ChangeKind kind,
                                       types::Batch* out) const {
  std::vector<types::Value> row;
  row.reserve(schema_->fields().size());
  for (const types::Field& field : schema_->fields()) {
    WEIR_ASSIGN_OR_RETURN(types::Value v,
                          storage::DecodeValue(&value, field.type));
    row.push_back(std::move(v));
  }
  if (!value.empty()) {
    return absl::DataLossError(
        "a row the mysql-cdc source kept in its state has bytes after its "
        "last column (was the table declared with other columns?)");
  }
  out->AppendRow(row, kind);
  return absl::OkStatus();
}

absl::Status ChangelogRows::Apply(const types::Batch& batch, size_t from,
                                  size_t to) {
  for (size_t r = from; r < to; ++r) {
    const types::ChangeKind kind = batch.change(r);
    if (kind == types::ChangeKind::kInsert ||
        kind == types::ChangeKind::kUpdateAfter) {
      WEIR_RETURN_IF_ERROR(store_->Put(RowKey(batch, r), RowValue(batch, r)));
    } else {
      WEIR_RETURN_IF_ERROR(store_->Delete(RowKey(batch, r)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ChangelogRows::Complete() {
  WEIR_ASSIGN_OR_RETURN(const std::string* marker,
                        store_->Get(Prefix(kCompleteTag)));
  return marker != nullptr;
}

absl::Status ChangelogRows::MarkComplete() {
  return store_->Put(Prefix(kCompleteTag), "");
}

absl::Status ChangelogRows::Diff(const types::Batch& snapshot,
                                 types::Batch* out) {
  for (size_t r = 0; r < snapshot.num_rows(); ++r) {
    std::string key = RowKey(snapshot, r);
    WEIR_ASSIGN_OR_RETURN(const std::string* held, store_->Get(key));
    const std::string value = RowValue(snapshot, r);
    if (held == nullptr) {
      out->AppendRow(RowValues(snapshot, r), types::ChangeKind::kInsert);
    } else if (*held != value) {
      const std::string old = *held;  // Get's pointer may not outlive a call
      WEIR_RETURN_IF_ERROR(
          AppendHeld(old, types::ChangeKind::kUpdateBefore, out));
      out->AppendRow(RowValues(snapshot, r), types::ChangeKind::kUpdateAfter);
    }
    seen_.insert(std::move(key));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ChangelogRows::DeleteUnseen(types::Batch* out) {
  storage::StateStore::Scanner scan;
  WEIR_RETURN_IF_ERROR(
      store_->Seek(storage::KeyRange::Prefix(prefix_), &scan));
  size_t n = 0;
  for (; scan.Valid(); scan.Next()) {
    if (seen_.count(std::string(scan.key())) > 0) continue;
    WEIR_RETURN_IF_ERROR(
        AppendHeld(scan.value(), types::ChangeKind::kDelete, out));
    ++n;
  }
  WEIR_RETURN_IF_ERROR(scan.status());
  seen_.clear();
  return n;
}

}  // namespace weir::connectors::mysql
