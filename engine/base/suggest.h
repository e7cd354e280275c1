#pragma once

// "Did you mean ...?" suggestions for misspelt names, options and values.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

/// Optimal string alignment distance (Levenshtein plus adjacent
/// transpositions, so "tpoic" is one edit from "topic"), ignoring case.
int EditDistance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely
/// typo: at most 1 edit for words of up to 3 characters, otherwise at most
/// max(2, length / 3); ties go to the earliest candidate. Failing that, the
/// one candidate that `word` (3+ characters) is a prefix of or starts with
/// ("earliest" -> "earliest-offset", "hostname" -> "host").
std::optional<std::string> ClosestMatch(
    std::string_view word, const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" or "", ready to append to a message.
std::string DidYouMean(std::string_view word,
                       const std::vector<std::string>& candidates);

}  // namespace weir
