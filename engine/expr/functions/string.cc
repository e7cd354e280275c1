// The string functions: UPPER, LOWER, LENGTH, SUBSTRING, CONCAT, ||,
// CONCAT_WS, TRIM, LTRIM, RTRIM, REPLACE, POSITION, LPAD, RPAD, REVERSE and
// SPLIT_PART. Positions count UTF-8 code points; LOWER/UPPER map ASCII
// letters only. The row rules are the helpers of function_helpers.h.

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using Str = std::string;

const LogicalType kV = LogicalType::Varchar();
const LogicalType kI64 = LogicalType::Bigint();
const LogicalType kI32 = LogicalType::Int();

constexpr auto kString = types::PhysicalType::kString;
constexpr auto kInt64 = types::PhysicalType::kInt64;

Kernel AsciiCase(bool upper) {
  const char from = upper ? 'a' : 'A';
  return UnaryKernel<Str, Str>([from](Str& o, const Str& s) {
    o = s;
    for (char& c : o) {
      if (static_cast<unsigned char>(c - from) < 26) c ^= 0x20;
    }
  });
}

/// CONCAT and ||: every argument a string, none NULL.
void Concat(KernelIO& io) {
  Str* o = io.Output<Str>();
  const std::vector<Vec>& args = io.args;
  ExecuteRows(io, [&](uint32_t r) {
    size_t total = 0;
    for (const Vec& a : args) total += a.Data<Str>()[a.Index(r)].size();
    Str& t = o[r];
    t.reserve(total);
    for (const Vec& a : args) t += a.Data<Str>()[a.Index(r)];
  });
}

/// CONCAT_WS: NULL only when the separator is; NULL strings are skipped.
void ConcatWs(KernelIO& io) {
  const std::vector<Vec>& args = io.args;
  const uint8_t* nulls = PropagateNulls(std::span<const Vec>(args).first(1),
                                        io.rows, io.num_rows(), io.out);
  Str* o = io.Output<Str>();
  io.stop = ForRows(io.rows, nulls, [&](uint32_t r) {
    const Str& sep = args[0].Data<Str>()[args[0].Index(r)];
    Str& t = o[r];
    bool first = true;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].IsNull(r)) continue;
      if (!first) t += sep;
      t += args[i].Data<Str>()[args[i].Index(r)];
      first = false;
    }
    return true;
  });
}

Kernel Trim(bool left, bool right, bool with_chars) {
  if (!with_chars) {
    return UnaryKernel<Str, Str>([left, right](Str& o, const Str& s) {
      o.assign(TrimCodePoints(s, " ", left, right));
    });
  }
  return BinaryKernel<Str, Str, Str>(
      [left, right](Str& o, const Str& s, const Str& chars) {
        o.assign(TrimCodePoints(s, chars, left, right));
      });
}

Kernel Pad(bool left, bool with_pad) {
  if (!with_pad) {
    return BinaryKernel<Str, int64_t, Str>(
        [left](Str& o, const Str& s, int64_t len) {
          AppendPadded(s, len, " ", left, &o);
        });
  }
  return TernaryKernel<Str, int64_t, Str, Str>(
      [left](Str& o, const Str& s, int64_t len, const Str& pad) {
        AppendPadded(s, len, pad, left, &o);
      });
}

}  // namespace

void RegisterStringFunctions(ScalarRegistry& r) {
  r.Add({.name = "LOWER",
         .synonyms = {"LCASE"},
         .signature = "LOWER(s VARCHAR) -> VARCHAR",
         .description = "Lower case (ASCII letters only).",
         .overloads = {Fixed({kV}, kV)},
         .kernel = KernelsByArgs(kString, {{"S", AsciiCase(false)}})});
  r.Add({.name = "UPPER",
         .synonyms = {"UCASE"},
         .signature = "UPPER(s VARCHAR) -> VARCHAR",
         .description = "Upper case (ASCII letters only).",
         .overloads = {Fixed({kV}, kV)},
         .kernel = KernelsByArgs(kString, {{"S", AsciiCase(true)}})});
  r.Add({.name = "SUBSTRING",
         .synonyms = {"SUBSTR"},
         .signature = "SUBSTRING(s VARCHAR, start BIGINT[, len BIGINT])",
         .description =
             "The characters from 1-based position start, len of them (SQL "
             "semantics: positions before 1 count toward len).",
         .overloads = {Fixed({kV, kI64}, kV), Fixed({kV, kI64, kI64}, kV)},
         .kernel = KernelsByArgs(
             kString,
             {{"SI", BinaryKernel<Str, int64_t, Str>(
                         [](Str& o, const Str& s, int64_t start) {
                           return StoreOr(o, Substring(s, start, std::nullopt));
                         })},
              {"SII", TernaryKernel<Str, int64_t, int64_t, Str>(
                          [](Str& o, const Str& s, int64_t start, int64_t len) {
                            return StoreOr(o, Substring(s, start, len));
                          })}})});
  r.Add({.name = "CONCAT",
         .signature = "CONCAT(s VARCHAR, ...) -> VARCHAR",
         .description = "Concatenation; NULL if any argument is NULL.",
         .overloads = {Variadic(kV, 1, kV, "(VARCHAR, ...)")},
         .kernel = [](const KernelBinding& b) -> absl::StatusOr<Kernel> {
           if (!b.result().IsString() || b.arity() == 0) return b.NoKernel();
           for (size_t i = 0; i < b.arity(); ++i) {
             if (!b.Is(i, kString)) return b.NoKernel();
           }
           return Kernel(Concat);
         }});
  r.Add({.name = "||",
         .is_operator = true,
         .signature = "a || b",
         .description = "String concatenation; NULL if either is NULL.",
         .overloads = {Fixed({kV, kV}, kV)},
         .kernel = KernelsByArgs(kString, {{"SS", Concat}})});
  r.Add({.name = "CONCAT_WS",
         .signature = "CONCAT_WS(sep VARCHAR, s VARCHAR, ...) -> VARCHAR",
         .description = "Concatenation with a separator, skipping NULL "
                        "arguments; NULL when sep is NULL.",
         .overloads = {Variadic(kV, 2, kV, "(VARCHAR, VARCHAR, ...)")},
         .nulls = NullHandling::kCustom,
         .kernel = [](const KernelBinding& b) -> absl::StatusOr<Kernel> {
           if (!b.result().IsString() || b.arity() < 2) return b.NoKernel();
           for (size_t i = 0; i < b.arity(); ++i) {
             if (!b.Is(i, kString) && !b.arg(i).IsNull()) return b.NoKernel();
           }
           return Kernel(ConcatWs);
         }});
  r.Add({.name = "LENGTH",
         .synonyms = {"CHAR_LENGTH", "CHARACTER_LENGTH"},
         .signature = "LENGTH(s VARCHAR) -> INT",
         .description = "Number of characters (UTF-8 code points).",
         .overloads = {Fixed({kV}, kI32)},
         .kernel = KernelsByArgs(
             kInt64,
             {{"S", UnaryKernel<Str, int64_t>([](int64_t& o, const Str& s) {
                 o = static_cast<int32_t>(Utf8Length(s));
               })}})});
  struct TrimDef {
    const char* name;
    bool left, right;
    const char* what;
  };
  for (const TrimDef& t : {TrimDef{"TRIM", true, true, "both ends"},
                           TrimDef{"LTRIM", true, false, "the start"},
                           TrimDef{"RTRIM", false, true, "the end"}}) {
    r.Add({.name = t.name,
           .signature = fmt::format("{}(s VARCHAR[, chars VARCHAR])", t.name),
           .description =
               fmt::format("Removes spaces (or any of chars) from {}.", t.what),
           .overloads = {Fixed({kV}, kV), Fixed({kV, kV}, kV)},
           .kernel =
               KernelsByArgs(kString, {{"S", Trim(t.left, t.right, false)},
                                       {"SS", Trim(t.left, t.right, true)}})});
  }
  r.Add({.name = "REPLACE",
         .signature = "REPLACE(s VARCHAR, from VARCHAR, to VARCHAR)",
         .description = "Replaces every occurrence of from by to.",
         .overloads = {Fixed({kV, kV, kV}, kV)},
         .kernel = KernelsByArgs(
             kString, {{"SSS", TernaryKernel<Str, Str, Str, Str>(
                                   [](Str& o, const Str& s, const Str& from,
                                      const Str& to) {
                                     AppendReplaced(s, from, to, &o);
                                   })}})});
  r.Add({.name = "POSITION",
         .signature = "POSITION(needle VARCHAR, haystack VARCHAR) -> INT",
         .description = "1-based character position of needle in haystack, "
                        "0 when absent.",
         .overloads = {Fixed({kV, kV}, kI32)},
         .kernel = KernelsByArgs(
             kInt64,
             {{"SS",
               BinaryKernel<Str, Str, int64_t>(
                   [](int64_t& o, const Str& needle, const Str& haystack) {
                     o = static_cast<int32_t>(Utf8Position(needle, haystack));
                   })}})});
  for (bool left : {true, false}) {
    const char* name = left ? "LPAD" : "RPAD";
    r.Add({.name = name,
           .signature =
               fmt::format("{}(s VARCHAR, len BIGINT[, pad VARCHAR])", name),
           .description =
               fmt::format("Pads s on the {} with pad (default ' ') to len "
                           "characters; longer s is cut to len.",
                           left ? "left" : "right"),
           .overloads = {Fixed({kV, kI64}, kV), Fixed({kV, kI64, kV}, kV)},
           .kernel = KernelsByArgs(
               kString, {{"SI", Pad(left, false)}, {"SIS", Pad(left, true)}})});
  }
  r.Add({.name = "REVERSE",
         .signature = "REVERSE(s VARCHAR) -> VARCHAR",
         .description = "The characters of s in reverse order.",
         .overloads = {Fixed({kV}, kV)},
         .kernel = KernelsByArgs(
             kString, {{"S", UnaryKernel<Str, Str>([](Str& o, const Str& s) {
                          AppendReversed(s, &o);
                        })}})});
  r.Add(
      {.name = "SPLIT_PART",
       .signature = "SPLIT_PART(s VARCHAR, delimiter VARCHAR, n BIGINT)",
       .description = "The n-th field (1-based; negative counts from the "
                      "end) of s split by delimiter; '' when there is none.",
       .overloads = {Fixed({kV, kV, kI64}, kV)},
       .kernel = KernelsByArgs(
           kString,
           {{"SSI", TernaryKernel<Str, Str, int64_t, Str>(
                        [](Str& o, const Str& s, const Str& delim, int64_t n) {
                          return StoreOr(o, SplitPartField(s, delim, n));
                        })}})});
}

}  // namespace weir::expr::internal
