// Names the calling thread (at most 15 characters are kept) so that `top -H`, `perf` and
// /proc/<pid>/task/*/comm show what each of the daemon's threads is.
#pragma once

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace dazong {

inline void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

// The nice value of threads off the order path (LowerThreadPriority).
inline constexpr int kOffOrderPathNice = 5;

// Sets the calling thread's nice value (clamped to -20..19); threads it creates afterwards
// inherit it. Going below the current value needs CAP_SYS_NICE (or RLIMIT_NICE): returns
// false, with errno set and the value unchanged, when the kernel refuses.
inline bool SetThreadNice(int nice) {
  return setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), std::clamp(nice, -20, 19)) == 0;
}

// Marks the calling thread as off the order path (public market data, drop copy, the trade
// stream): nice +5 relative to the process, a third of a normal thread's CPU weight, so that
// when the cores are busy the threads that acknowledge orders (connection readers, the
// sequencer, the members' senders) run first; private reports leave before public data. Such
// a thread is never starved: it still gets its share whenever it has work.
inline void LowerThreadPriority() {
  SetThreadNice(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) + kOffOrderPathNice);
}

}  // namespace dazong
