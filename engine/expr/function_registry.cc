#include "engine/expr/function_registry.h"

#include <fmt/format.h>

#include <utility>

#include "engine/base/check.h"
#include "engine/base/strings.h"

namespace weir::expr::internal {

void ScalarRegistry::Add(ScalarFunction f) {
  functions_.push_back(std::move(f));
  const ScalarFunction* added = &functions_.back();
  WEIR_CHECK_MSG(added->form != SpecialForm::kNone || added->kernel,
                 "a scalar function needs a kernel");
  auto add_name = [&](const std::string& name) {
    bool inserted = by_name_.emplace(weir::AsciiUpper(name), added).second;
    WEIR_CHECK_MSG(inserted, "a function name is registered twice");
  };
  add_name(added->name);
  for (const std::string& s : added->synonyms) add_name(s);
}

const ScalarFunction* ScalarRegistry::Find(std::string_view name) const {
  auto it = by_name_.find(weir::AsciiUpper(name));
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> ScalarRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : by_name_) out.push_back(name);
  return out;
}

const ScalarRegistry& ScalarFunctions() {
  static const ScalarRegistry registry = [] {
    ScalarRegistry r;
    RegisterArithmeticFunctions(r);
    RegisterComparisonFunctions(r);
    RegisterLogicalFunctions(r);
    RegisterConditionalFunctions(r);
    RegisterNumericFunctions(r);
    RegisterStringFunctions(r);
    RegisterRegexFunctions(r);
    RegisterJsonFunctions(r);
    RegisterTemporalFunctions(r);
    return r;
  }();
  return registry;
}

bool KernelBinding::ArgsAre(std::string_view letters) const {
  if (letters.size() != arity()) return false;
  for (size_t i = 0; i < letters.size(); ++i) {
    const types::LogicalType& t = arg(i);
    bool ok = false;
    switch (letters[i]) {
      case 'S':
        ok = physical(i) == types::PhysicalType::kString;
        break;
      case 'I':
        ok = t.IsInteger();
        break;
      case 'F':
        ok = t.id() == types::TypeId::kDouble;
        break;
      case 'T':
        ok = t.id() == types::TypeId::kDate ||
             t.id() == types::TypeId::kTimestamp;
        break;
      default:
        break;
    }
    if (!ok) return false;
  }
  return true;
}

KernelFactory KernelsByArgs(
    types::PhysicalType result,
    std::vector<std::pair<std::string, Kernel>> kernels) {
  return [result, kernels = std::move(kernels)](
             const KernelBinding& b) -> absl::StatusOr<Kernel> {
    if (types::PhysicalTypeOf(b.result()) != result) return b.NoKernel();
    for (const auto& [letters, kernel] : kernels) {
      if (b.ArgsAre(letters)) return kernel;
    }
    return b.NoKernel();
  };
}

absl::Status KernelBinding::NoKernel() const {
  Types args;
  for (const auto& a : call_.args) args.push_back(a->type);
  return absl::InvalidArgumentError(
      fmt::format("function {} has no batch kernel for {} -> {}", name(),
                  TypeList(args), result().ToString()));
}

}  // namespace weir::expr::internal
