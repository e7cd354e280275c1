#include "cli/progress_line.h"

namespace weir::cli {

void ProgressLine::Update(const std::string& text, Clock::time_point now) {
  if (text.empty()) {
    written_ = false;  // the next text (another phase, query) shows at once
    if (shown_) {
      std::fputs("\r\x1b[K", out_);  // back to the line's start, erase it
      std::fflush(out_);
      shown_ = false;
    }
    return;
  }
  if (written_ && now - last_ < std::chrono::seconds(1)) return;
  written_ = true;
  last_ = now;
  if (terminal_) {
    std::fprintf(out_, "\r%s\x1b[K", text.c_str());
    shown_ = true;
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

}  // namespace weir::cli
