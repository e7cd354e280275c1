// JSON_VALUE, JSON_QUERY and JSON_EXISTS over JSON text in a VARCHAR, with
// paths like '$.a.b[0]' (function_helpers.h: LookupJson). Malformed JSON is
// NULL (a bad record must not stop a streaming query); a malformed path is
// an error.

#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using types::TypeId;
using Str = std::string;

const LogicalType kV = LogicalType::Varchar();

/// JSON_VALUE (`want` kScalar) and JSON_QUERY (kContainer): the text found,
/// NULL for any other outcome.
KernelFactory JsonText(JsonFound want) {
  return [want](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    if (!b.ArgsAre("SS") || !b.result().IsString()) return b.NoKernel();
    return BinaryKernel<Str, Str, Str>(
        [want](Str& o, const Str& doc,
               const Str& path) -> absl::StatusOr<bool> {
          absl::StatusOr<JsonLookup> found = LookupJson(doc, path);
          if (!found.ok()) return found.status();
          if (found->found != want) return false;
          o = std::move(found->text);
          return true;
        });
  };
}

absl::StatusOr<Kernel> JsonExists(const KernelBinding& b) {
  if (!b.ArgsAre("SS") || b.result().id() != TypeId::kBoolean) {
    return b.NoKernel();
  }
  return BinaryKernel<Str, Str, int64_t>(
      [](int64_t& o, const Str& doc, const Str& path) -> absl::StatusOr<bool> {
        absl::StatusOr<JsonLookup> found = LookupJson(doc, path);
        if (!found.ok()) return found.status();
        if (found->found == JsonFound::kMalformed) return false;
        o = found->found != JsonFound::kMissing;
        return true;
      });
}

}  // namespace

void RegisterJsonFunctions(ScalarRegistry& r) {
  r.Add({.name = "JSON_VALUE",
         .signature = "JSON_VALUE(json VARCHAR, path VARCHAR) -> VARCHAR",
         .description = "The scalar at a path like '$.a.b[0]' as text; NULL "
                        "when missing, not a scalar, or the JSON is "
                        "malformed.",
         .overloads = {Fixed({kV, kV}, kV)},
         .kernel = JsonText(JsonFound::kScalar)});
  r.Add({.name = "JSON_QUERY",
         .signature = "JSON_QUERY(json VARCHAR, path VARCHAR) -> VARCHAR",
         .description =
             "The object or array at a path as JSON text; NULL otherwise.",
         .overloads = {Fixed({kV, kV}, kV)},
         .kernel = JsonText(JsonFound::kContainer)});
  r.Add({.name = "JSON_EXISTS",
         .signature = "JSON_EXISTS(json VARCHAR, path VARCHAR) -> BOOLEAN",
         .description = "True when the path exists (even holding null); NULL "
                        "for malformed JSON.",
         .overloads = {Fixed({kV, kV}, LogicalType::Boolean())},
         .kernel = JsonExists});
}

}  // namespace weir::expr::internal
