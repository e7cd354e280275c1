// Pattern matching: LIKE (with ESCAPE), REGEXP (RLIKE), REGEXP_LIKE,
// REGEXP_EXTRACT and REGEXP_REPLACE. A constant pattern is prepared once
// when the call is compiled (a LIKE pattern without '_' or an escape
// becomes a byte search; a regular expression is compiled); a pattern that
// varies per row is prepared per row (a regular expression is compiled
// again only when it differs from the previous row's). A bad constant
// regular expression is an error on every row that reaches it, as a bad
// per-row pattern is.

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using types::TypeId;
using Str = std::string;
using Regex = std::shared_ptr<const re2::RE2>;

const LogicalType kV = LogicalType::Varchar();
const LogicalType kB = LogicalType::Boolean();
const LogicalType kI64 = LogicalType::Bigint();

/// The non-NULL string value of constant argument i, else nullptr.
const Str* ConstantString(const KernelBinding& b, size_t i) {
  const types::Value* v = b.constant(i);
  if (v == nullptr || v->is_null() || !v->type().IsString()) return nullptr;
  return &v->str();
}

/// The regular expression of each row's pattern: the call's constant one
/// when it has one, else compiled again only when the pattern differs from
/// the previous row's. One per batch: not shared between threads.
class RegexCache {
 public:
  explicit RegexCache(const re2::RE2* constant = nullptr)
      : constant_(constant) {}

  absl::StatusOr<const re2::RE2*> Get(const Str& pattern) {
    if (constant_ != nullptr) return constant_;
    if (re_ == nullptr || pattern != pattern_) {
      absl::StatusOr<std::unique_ptr<re2::RE2>> re = CompileRegex(pattern);
      if (!re.ok()) return re.status();
      re_ = *std::move(re);
      pattern_ = pattern;
    }
    return re_.get();
  }

 private:
  const re2::RE2* constant_;
  Str pattern_;
  std::unique_ptr<re2::RE2> re_;
};

/// Compiles a constant pattern; nullptr when it is not a valid one (then
/// the per-row kernel reports the error on the rows that reach it).
Regex ConstantRegex(const KernelBinding& b) {
  const Str* p = ConstantString(b, 1);
  if (p == nullptr) return nullptr;
  absl::StatusOr<std::unique_ptr<re2::RE2>> re = CompileRegex(*p);
  if (!re.ok()) return nullptr;
  return Regex(*std::move(re));
}

// ---- LIKE

/// True when a byte search found `pos` at a code-point boundary of `t`, so
/// byte searches agree with Like() on any input.
inline bool Boundary(std::string_view t, size_t pos) {
  return pos == 0 || pos >= t.size() || !IsContinuation(t[pos]);
}

/// A kernel over argument 0 only (the pattern and escape are constants).
template <typename F>
Kernel MatchText(F match) {
  return [match](KernelIO& io) {
    ExecuteUnary<Str, int64_t>(
        io, [&](int64_t& o, const Str& s) { o = match(std::string_view(s)); });
  };
}

/// LIKE with a constant pattern and escape: a byte search when the pattern
/// is a literal with leading and/or trailing '%' only.
Kernel PreparedLike(const Str& pattern, const Str& escape) {
  if (escape.empty() && pattern.find('_') == Str::npos) {
    size_t first = pattern.find_first_not_of('%');
    if (first == Str::npos) {
      if (pattern.empty()) {
        return MatchText([](std::string_view t) { return t.empty(); });
      }
      return MatchText([](std::string_view) { return true; });
    }
    size_t last = pattern.find_last_not_of('%');
    Str lit = pattern.substr(first, last - first + 1);
    if (lit.find('%') == Str::npos && !IsContinuation(lit[0])) {
      const bool lead = first > 0, trail = last + 1 < pattern.size();
      if (!lead && !trail) {
        return MatchText([lit](std::string_view t) { return t == lit; });
      }
      if (!lead) {
        return MatchText([lit](std::string_view t) {
          return t.size() >= lit.size() && t.compare(0, lit.size(), lit) == 0 &&
                 Boundary(t, lit.size());
        });
      }
      if (!trail) {
        return MatchText([lit](std::string_view t) {
          return t.size() >= lit.size() &&
                 t.compare(t.size() - lit.size(), lit.size(), lit) == 0 &&
                 Boundary(t, t.size() - lit.size());
        });
      }
      return MatchText([lit](std::string_view t) {
        for (size_t pos = t.find(lit); pos != std::string_view::npos;
             pos = t.find(lit, pos + 1)) {
          if (Boundary(t, pos) && Boundary(t, pos + lit.size())) return true;
        }
        return false;
      });
    }
  }
  return [pattern, escape](KernelIO& io) {
    ExecuteUnary<Str, int64_t>(io, [&](int64_t& o, const Str& s) {
      return StoreOr(o, Like(s, pattern, escape));
    });
  };
}

absl::StatusOr<Kernel> LikeKernel(const KernelBinding& b) {
  const bool with_escape = b.arity() == 3;
  if (!(b.ArgsAre("SS") || b.ArgsAre("SSS")) ||
      b.result().id() != TypeId::kBoolean) {
    return b.NoKernel();
  }
  const Str* pattern = ConstantString(b, 1);
  const Str* escape = with_escape ? ConstantString(b, 2) : nullptr;
  if (pattern != nullptr && (!with_escape || escape != nullptr)) {
    return PreparedLike(*pattern, with_escape ? *escape : "");
  }
  if (!with_escape) {
    return BinaryKernel<Str, Str, int64_t>(
        [](int64_t& o, const Str& s, const Str& p) {
          return StoreOr(o, Like(s, p, ""));
        });
  }
  return TernaryKernel<Str, Str, Str, int64_t>(
      [](int64_t& o, const Str& s, const Str& p, const Str& e) {
        return StoreOr(o, Like(s, p, e));
      });
}

// ---- Regular expressions

absl::StatusOr<Kernel> RegexMatch(const KernelBinding& b) {
  if (!b.ArgsAre("SS") || b.result().id() != TypeId::kBoolean) {
    return b.NoKernel();
  }
  if (Regex re = ConstantRegex(b)) {
    return MatchText(
        [re](std::string_view t) { return re2::RE2::PartialMatch(t, *re); });
  }
  return Kernel([](KernelIO& io) {
    RegexCache cache;
    ExecuteBinary<Str, Str, int64_t>(
        io, [&](int64_t& o, const Str& s, const Str& p) -> absl::Status {
          absl::StatusOr<const re2::RE2*> re = cache.Get(p);
          if (!re.ok()) return re.status();
          o = re2::RE2::PartialMatch(s, **re);
          return absl::OkStatus();
        });
  });
}

/// REGEXP_EXTRACT's row: the group's text, or false (NULL) without a match.
absl::StatusOr<bool> ExtractInto(Str& o, const Str& s, const re2::RE2& re,
                                 int64_t group) {
  absl::StatusOr<std::optional<std::string_view>> v =
      RegexExtract(s, re, group);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return false;
  o.assign(**v);
  return true;
}

absl::StatusOr<Kernel> RegexExtractKernel(const KernelBinding& b) {
  const bool with_group = b.arity() == 3;
  if (!(b.ArgsAre("SS") || b.ArgsAre("SSI")) || !b.result().IsString()) {
    return b.NoKernel();
  }
  Regex re = ConstantRegex(b);
  return Kernel([re, with_group](KernelIO& io) {
    RegexCache cache(re.get());
    auto row = [&](Str& o, const Str& s, const Str& p,
                   int64_t group) -> absl::StatusOr<bool> {
      absl::StatusOr<const re2::RE2*> r = cache.Get(p);
      if (!r.ok()) return r.status();
      return ExtractInto(o, s, **r, group);
    };
    if (with_group) {
      ExecuteTernary<Str, Str, int64_t, Str>(io, row);
    } else {
      ExecuteBinary<Str, Str, Str>(io, [&](Str& o, const Str& s, const Str& p) {
        return row(o, s, p, 0);
      });
    }
  });
}

absl::StatusOr<Kernel> RegexReplaceKernel(const KernelBinding& b) {
  if (!b.ArgsAre("SSS") || !b.result().IsString()) return b.NoKernel();
  Regex re = ConstantRegex(b);
  const bool constant_rewrite = b.constant(2) != nullptr;
  return Kernel([re, constant_rewrite](KernelIO& io) {
    RegexCache cache(re.get());
    bool rewrite_checked = false;
    ExecuteTernary<Str, Str, Str, Str>(
        io,
        [&](Str& o, const Str& s, const Str& p, const Str& w) -> absl::Status {
          absl::StatusOr<const re2::RE2*> r = cache.Get(p);
          if (!r.ok()) return r.status();
          if (!(constant_rewrite && rewrite_checked && re != nullptr)) {
            absl::Status valid = CheckRegexRewrite(**r, w);
            if (!valid.ok()) return valid;
            rewrite_checked = true;
          }
          o = s;
          RegexReplaceAll(**r, w, &o);
          return absl::OkStatus();
        });
  });
}

}  // namespace

void RegisterRegexFunctions(ScalarRegistry& r) {
  r.Add({.name = "LIKE",
         .is_operator = true,
         .signature = "s LIKE pattern [ESCAPE c]",
         .description = "Pattern match: % any characters, _ one character.",
         .overloads = {Fixed({kV, kV}, kB), Fixed({kV, kV, kV}, kB)},
         .kernel = LikeKernel});
  r.Add({.name = "REGEXP",
         .is_operator = true,
         .signature = "s REGEXP pattern",
         .description = "True when the RE2 pattern matches anywhere in s.",
         .overloads = {Fixed({kV, kV}, kB)},
         .kernel = RegexMatch});
  r.Add({.name = "REGEXP_EXTRACT",
         .signature =
             "REGEXP_EXTRACT(s VARCHAR, pattern VARCHAR[, group BIGINT])",
         .description = "The first match of the RE2 pattern (or its capture "
                        "group); NULL when there is no match.",
         .overloads = {Fixed({kV, kV}, kV), Fixed({kV, kV, kI64}, kV)},
         .kernel = RegexExtractKernel});
  r.Add({.name = "REGEXP_REPLACE",
         .signature = "REGEXP_REPLACE(s VARCHAR, pattern VARCHAR, replacement "
                      "VARCHAR)",
         .description = "Replaces every match of the RE2 pattern; \\1..\\9 in "
                        "replacement insert capture groups.",
         .overloads = {Fixed({kV, kV, kV}, kV)},
         .kernel = RegexReplaceKernel});
  r.Add({.name = "REGEXP_LIKE",
         .signature = "REGEXP_LIKE(s VARCHAR, pattern VARCHAR)",
         .description = "Same as s REGEXP pattern.",
         .overloads = {Fixed({kV, kV}, kB)},
         .kernel = RegexMatch});
}

}  // namespace weir::expr::internal
