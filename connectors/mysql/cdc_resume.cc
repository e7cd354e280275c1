#include "connectors/mysql/cdc_resume.h"

#include <cstring>

#include "engine/base/status.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

namespace weir::connectors::mysql {
namespace {

std::string Key(char tag) {
  std::string k = storage::KeyPrefix(storage::kTaskMetadataOperator, 0);
  k += tag;
  return k;
}

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PutString(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s);
}

absl::Status Damaged() {
  return absl::DataLossError(
      "the mysql-cdc snapshot progress in the query's state is damaged");
}

absl::StatusOr<uint64_t> GetU64(std::string_view* in) {
  if (in->size() < 8) return Damaged();
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(8);
  return v;
}

absl::StatusOr<std::string> GetString(std::string_view* in) {
  WEIR_ASSIGN_OR_RETURN(uint64_t n, GetU64(in));
  if (in->size() < n) return Damaged();
  std::string s(in->substr(0, n));
  in->remove_prefix(n);
  return s;
}

}  // namespace

bool KeyOrderMatchesMySql(const ColumnInfo& column) {
  static constexpr std::string_view kTypes[] = {
      "tinyint", "smallint", "mediumint", "int",  "bigint", "decimal",
      "date",    "datetime", "timestamp", "time", "year",   "binary",
      "varbinary"};
  for (std::string_view t : kTypes) {
    if (column.data_type == t) {
      // TINYINT(1) reads as BOOLEAN, which still orders 0 < 1 only.
      return !(t == "tinyint" && column.column_type.rfind("tinyint(1)", 0) == 0);
    }
  }
  return false;
}

SnapshotResume::SnapshotResume(std::shared_ptr<storage::StateStore> store)
    : store_(std::move(store)) {}

SnapshotResume::~SnapshotResume() = default;

absl::Status SnapshotResume::SetCurrent(const Current& current) {
  std::string value;
  PutU64(&value, current.position);
  PutU64(&value, current.key_text.size());
  for (const std::string& t : current.key_text) PutString(&value, t);
  PutString(&value, current.key);
  return store_->Put(Key('s'), value);
}

absl::StatusOr<std::optional<SnapshotResume::Current>>
SnapshotResume::ReadCurrent() {
  WEIR_ASSIGN_OR_RETURN(const std::string* value, store_->Get(Key('s')));
  if (value == nullptr) return std::nullopt;
  std::string_view in = *value;
  Current c;
  WEIR_ASSIGN_OR_RETURN(c.position, GetU64(&in));
  WEIR_ASSIGN_OR_RETURN(uint64_t n, GetU64(&in));
  if (n > in.size()) return Damaged();
  for (uint64_t i = 0; i < n; ++i) {
    WEIR_ASSIGN_OR_RETURN(std::string t, GetString(&in));
    c.key_text.push_back(std::move(t));
  }
  WEIR_ASSIGN_OR_RETURN(c.key, GetString(&in));
  return c;
}

absl::Status SnapshotResume::Load() {
  segments_.clear();
  WEIR_ASSIGN_OR_RETURN(const std::string* value, store_->Get(Key('g')));
  if (value != nullptr) {
    std::string_view in = *value;
    while (!in.empty()) {
      Segment s;
      WEIR_ASSIGN_OR_RETURN(s.position, GetU64(&in));
      WEIR_ASSIGN_OR_RETURN(s.last_key, GetString(&in));
      segments_.push_back(std::move(s));
    }
  }
  WEIR_ASSIGN_OR_RETURN(std::optional<Current> current, ReadCurrent());
  last_ = current ? current->position
                  : (segments_.empty() ? 0 : segments_.back().position);
  return absl::OkStatus();
}

absl::StatusOr<SnapshotResume::Current> SnapshotResume::CloseCurrent() {
  WEIR_ASSIGN_OR_RETURN(std::optional<Current> current, ReadCurrent());
  if (!current) {
    return absl::FailedPreconditionError(
        "the query's state holds no row of the snapshot to continue after");
  }
  segments_.push_back(Segment{current->position, current->key});
  WEIR_RETURN_IF_ERROR(WriteSegments());
  return *current;
}

absl::Status SnapshotResume::WriteSegments() {
  std::string value;
  for (const Segment& s : segments_) {
    PutU64(&value, s.position);
    PutString(&value, s.last_key);
  }
  return store_->Put(Key('g'), value);
}

bool SnapshotResume::Covered(std::string_view key, PackedPosition txn) const {
  for (const Segment& s : segments_) {
    if (key <= std::string_view(s.last_key)) return txn < s.position;
  }
  return txn < last_;
}

absl::Status SnapshotResume::Clear() {
  segments_.clear();
  last_ = 0;
  WEIR_RETURN_IF_ERROR(store_->Delete(Key('g')));
  return store_->Delete(Key('s'));
}

}  // namespace weir::connectors::mysql
