#pragma once

// Durations as users write them in settings and WITH options.

#include <chrono>
#include <optional>
#include <string_view>

namespace weir {

/// A duration as SET 'watermark.idle-timeout' and the WITH option of that
/// name take it: digits (up to 9) then ms, s, min or h, e.g. '5s',
/// '500ms'; nullopt when it is not one.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view v);

}  // namespace weir
