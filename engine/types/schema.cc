#include "engine/types/schema.h"

#include <string>

namespace weir::types {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::optional<size_t> Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (EqualsIgnoreCase(fields_[i].name, name)) return i;
  }
  return std::nullopt;
}

size_t Schema::CountNamed(std::string_view name) const {
  size_t n = 0;
  for (const Field& f : fields_) {
    if (EqualsIgnoreCase(f.name, name)) ++n;
  }
  return n;
}

std::string Schema::ToString() const {
  std::string out = "(";
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i > 0) out += ", ";
    out += fields_[i].name;
    out += ' ';
    out += fields_[i].type.ToString();
    if (!fields_[i].nullable) out += " NOT NULL";
  }
  out += ')';
  return out;
}

}  // namespace weir::types
