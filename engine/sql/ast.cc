#include "engine/sql/ast.h"

namespace weir::sql::ast {

std::string QualifiedName::ToString() const {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('.');
    out += parts[i].name;
  }
  return out;
}

}  // namespace weir::sql::ast
