#include "engine/base/suggest.h"

#include <algorithm>
#include <limits>

#include "engine/base/strings.h"

namespace weir {

int EditDistance(std::string_view a_in, std::string_view b_in) {
  const std::string a = AsciiLower(a_in);
  const std::string b = AsciiLower(b_in);
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> ClosestMatch(
    std::string_view word, const std::vector<std::string>& candidates) {
  // Names longer than this are not typos of anything a user declared.
  if (word.size() > 256) return std::nullopt;
  const int limit = word.size() <= 3
                        ? 1
                        : std::max<int>(2, static_cast<int>(word.size()) / 3);
  std::optional<std::string> best;
  int best_distance = std::numeric_limits<int>::max();
  for (const std::string& candidate : candidates) {
    if (candidate.size() > 256) continue;
    const int distance = EditDistance(word, candidate);
    if (distance == 0) continue;  // the same word in another case: not a typo
    if (distance <= limit && distance < static_cast<int>(candidate.size()) &&
        distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best || word.size() < 3) return best;
  const std::string lower_word = AsciiLower(word);
  int prefix_matches = 0;
  for (const std::string& candidate : candidates) {
    const std::string lower = AsciiLower(candidate);
    if (lower.size() < 3 || lower == lower_word) continue;
    if (lower.rfind(lower_word, 0) == 0 || lower_word.rfind(lower, 0) == 0) {
      ++prefix_matches;
      best = candidate;
    }
  }
  if (prefix_matches != 1) best.reset();
  return best;
}

std::string DidYouMean(std::string_view word,
                       const std::vector<std::string>& candidates) {
  std::optional<std::string> close = ClosestMatch(word, candidates);
  return close ? "; did you mean '" + *close + "'?" : "";
}

}  // namespace weir
