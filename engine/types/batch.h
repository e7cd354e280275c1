#pragma once

// Columnar batches: how rows move between operators. A batch holds up to a
// few thousand rows as typed column vectors, a change kind per row (insert,
// delete, update-before, update-after) and an optional selection vector
// naming the live rows. Operators and expressions work on whole batches; no
// virtual call per row.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/check.h"
#include "engine/types/logical_type.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"

namespace weir::types {

/// What a row of a changelog means.
enum class ChangeKind : uint8_t {
  kInsert,
  kDelete,
  kUpdateBefore,  // the old version of an updated row (retracted)
  kUpdateAfter,   // the new version of an updated row
};

/// "+I", "-D", "-U", "+U": how changes are shown to users.
const char* ChangeKindSymbol(ChangeKind kind);

/// The physical storage class of a logical type.
enum class PhysicalType : uint8_t {
  kInt64,     // BOOLEAN (0/1), INT, BIGINT, DATE, TIME, TIMESTAMP
  kDouble,    // DOUBLE
  kInt128,    // DECIMAL (unscaled)
  kString,    // VARCHAR, BYTES
  kInterval,  // INTERVAL
  kNull,      // the NULL type: every row is NULL
};
PhysicalType PhysicalTypeOf(const LogicalType& type);

/// One column of a batch: `size()` values of one logical type and a null
/// flag per row. Values of NULL rows are unspecified (zero / empty).
/// Not thread-safe; owned by its batch.
///
/// VARCHAR and BYTES values are held in one of two forms. *Packed*: the
/// bytes of every row in one buffer, row r ending at an offset, so a
/// decoder fills a column with no allocation per value (AppendBytes,
/// SetLastString). *Objects*: one std::string per row, the form the
/// expression kernels read and write (strings()). A column is packed until
/// strings() is called (it converts once) or a std::string is appended to
/// it while it is empty (AppendString: expression results and generators
/// hand over strings they built, which are moved, not copied). StringAt
/// reads either form.
class Column {
 public:
  explicit Column(LogicalType type = LogicalType::Null());

  const LogicalType& type() const { return type_; }
  PhysicalType physical() const { return physical_; }
  size_t size() const { return size_; }

  /// Removes all values, keeping the capacity.
  void Clear();
  void Reserve(size_t n);
  /// A packed VARCHAR/BYTES column: room for `n` bytes of values in all
  /// (a decoder that knows its input's size grows the buffer once).
  void ReserveBytes(size_t n) {
    if (packed_) bytes_.reserve(n);
  }
  /// Grows or shrinks to `n` rows; new rows are NULL.
  void Resize(size_t n);

  bool IsNull(size_t row) const { return !nulls_.empty() && nulls_[row] != 0; }
  /// True when some row is NULL (cheap: tracked as rows are set).
  bool MayHaveNulls() const { return !nulls_.empty(); }
  void SetNull(size_t row, bool is_null);

  // Typed access by physical type; WEIR_CHECKs the physical type in debug
  // builds only through the callers' contracts (hot path).
  int64_t* ints() { return ints_.data(); }
  const int64_t* ints() const { return ints_.data(); }
  double* doubles() { return doubles_.data(); }
  const double* doubles() const { return doubles_.data(); }
  __int128* decimals() { return decimals_.data(); }
  const __int128* decimals() const { return decimals_.data(); }
  /// One std::string per row; converts a packed column (see above).
  std::string* strings();
  /// The std::string form when the column has it, else nullptr (packed).
  const std::string* string_objects() const {
    return packed_ ? nullptr : strings_.data();
  }
  /// The bytes of a VARCHAR/BYTES row, in either form; valid until the
  /// column changes.
  std::string_view StringAt(size_t row) const {
    if (!packed_) return strings_[row];
    const size_t begin = row == 0 ? 0 : ends_[row - 1];
    return std::string_view(bytes_.data() + begin, ends_[row] - begin);
  }
  IntervalValue* intervals() { return intervals_.data(); }
  const IntervalValue* intervals() const { return intervals_.data(); }

  /// Appends one value; `v` must be NULL or have this column's physical
  /// type (its logical type may differ in precision, e.g. DECIMAL scale is
  /// the caller's business).
  void Append(const Value& v);
  void AppendNull();
  void AppendInt(int64_t v);
  void AppendDouble(double v);
  void AppendDecimal(__int128 v);
  /// Appends a VARCHAR/BYTES value, moved in when the column holds
  /// objects (it then does, if it was empty), else copied into the packed
  /// bytes.
  void AppendString(std::string v);
  /// Appends a VARCHAR/BYTES value by copying its bytes.
  void AppendBytes(std::string_view v);
  /// Replaces the VARCHAR/BYTES value of the last row (decoders append a
  /// placeholder row, then fill its fields in the order they come).
  void SetLastString(std::string_view v);
  void AppendInterval(IntervalValue v);

  /// The value at `row` as a Value of this column's type (slow path: tests,
  /// pull results, printing).
  Value GetValue(size_t row) const;
  /// The value at `row` as text, exactly as GetValue(row).ToString() spells
  /// it, without building a Value for the common types (results streamed to
  /// a client are converted cell by cell).
  std::string CellText(size_t row) const;
  /// Appends CellText(row) to `out`; allocates nothing for the common types
  /// once `out` has grown.
  void AppendCellText(size_t row, std::string* out) const;

 private:
  void GrowNulls();
  void Unpack();

  LogicalType type_;
  PhysicalType physical_;
  size_t size_ = 0;
  std::vector<uint8_t> nulls_;  // empty while no row is NULL
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<__int128> decimals_;
  bool packed_ = true;                // VARCHAR/BYTES only: which form
  std::string bytes_;                 // packed: every row's bytes, in order
  std::vector<size_t> ends_;          // packed: where each row's bytes end
  std::vector<std::string> strings_;  // objects form
  std::vector<IntervalValue> intervals_;
};

/// Row indexes into a batch, ascending. Operators that filter narrow it
/// instead of copying columns.
using SelectionVector = std::vector<uint32_t>;

/// A batch of rows of one schema. Movable, not copyable (copy explicitly
/// with Clone when needed). Not thread-safe; passed between threads by
/// moving it through queues.
class Batch {
 public:
  static constexpr size_t kDefaultCapacity = 2048;

  Batch() = default;
  explicit Batch(std::shared_ptr<const Schema> schema);
  Batch(Batch&&) = default;
  Batch& operator=(Batch&&) = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  const std::shared_ptr<const Schema>& schema() const { return schema_; }
  size_t num_columns() const { return columns_.size(); }
  /// Physical rows (before selection).
  size_t num_rows() const { return num_rows_; }
  /// Live rows: the selection's size when there is one, else num_rows().
  size_t num_selected() const {
    return has_selection_ ? selection_.size() : num_rows_;
  }

  Column& column(size_t i) { return columns_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }

  /// Change kinds per physical row; empty means every row is an insert.
  const std::vector<ChangeKind>& changes() const { return changes_; }
  ChangeKind change(size_t row) const {
    return changes_.empty() ? ChangeKind::kInsert : changes_[row];
  }
  void SetChange(size_t row, ChangeKind kind);
  /// Replaces all change kinds (empty: all inserts; else one per row).
  void SetChanges(std::vector<ChangeKind> changes) {
    changes_ = std::move(changes);
  }

  bool has_selection() const { return has_selection_; }
  const SelectionVector& selection() const { return selection_; }
  /// Replaces the selection (indexes must be ascending and < num_rows()).
  void SetSelection(SelectionVector selection);
  void ClearSelection();

  /// Appends a row of values (one per column) with its change kind; slow
  /// path for tests, VALUES and generators that are not hot.
  void AppendRow(const std::vector<Value>& row,
                 ChangeKind kind = ChangeKind::kInsert);
  /// Sets num_rows after columns were filled directly (all columns must
  /// have exactly `n` rows).
  void SetNumRows(size_t n);
  /// Drops all rows, keeping the schema and capacity.
  void Clear();

  /// The live rows as Values, in order (slow path: tests and printing).
  std::vector<std::vector<Value>> ToRows() const;
  /// A deep copy with the selection applied (the copy has no selection).
  Batch Compact() const;

 private:
  std::shared_ptr<const Schema> schema_;
  std::vector<Column> columns_;
  size_t num_rows_ = 0;
  std::vector<ChangeKind> changes_;
  bool has_selection_ = false;
  SelectionVector selection_;
};

}  // namespace weir::types
