#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/logical_type.h"

namespace weir::types {

/// One column of a schema.
struct Field {
  std::string name;  // as the user wrote it; lookups are case-insensitive
  LogicalType type;
  bool nullable = true;

  friend bool operator==(const Field&, const Field&) = default;
};

/// An ordered list of fields. Names are matched case-insensitively, as SQL
/// identifiers are (quoted identifiers keep their case for display only).
class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  void Add(Field f) { fields_.push_back(std::move(f)); }

  /// Index of the field called `name` (case-insensitive); nullopt if none.
  /// When several fields share the name the first wins; callers that must
  /// reject ambiguity use CountNamed.
  std::optional<size_t> IndexOf(std::string_view name) const;
  size_t CountNamed(std::string_view name) const;

  /// "(auction BIGINT, price DECIMAL(10, 2) NOT NULL)".
  std::string ToString() const;

  friend bool operator==(const Schema&, const Schema&) = default;

 private:
  std::vector<Field> fields_;
};

}  // namespace weir::types
