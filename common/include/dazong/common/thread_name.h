// Names the calling thread (at most 15 characters are kept) so that `top -H`, `perf` and
// /proc/<pid>/task/*/comm show what each of the daemon's threads is.
#pragma once

#include <pthread.h>

#include <string>

namespace dazong {

inline void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace dazong
