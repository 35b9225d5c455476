// Small std::string_view helpers (Debian's Abseil has its own absl::string_view, which does not
// interoperate with std::string_view).
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace dazong::index::text {

template <typename T>
bool ToInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

inline std::vector<std::string_view> Split(std::string_view s, char sep, size_t max_parts = 0) {
  std::vector<std::string_view> out;
  for (;;) {
    if (max_parts != 0 && out.size() + 1 == max_parts) {
      out.push_back(s);
      return out;
    }
    const size_t at = s.find(sep);
    if (at == std::string_view::npos) {
      out.push_back(s);
      return out;
    }
    out.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
}

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace dazong::index::text
