// Clang's thread-safety annotations: what each mutex guards and which
// functions need it held. Checked by Clang with -Wthread-safety (the CI's
// Clang build makes it an error); other compilers ignore them.
//
//   std::mutex mutex_;
//   int count_ FACETAG_GUARDED_BY(mutex_);
//   void AddLocked() FACETAG_REQUIRES(mutex_);
//
// std::mutex carries the capability attribute only in libc++, so guarded
// code locks a facetag::Mutex through facetag::MutexLock (a condition
// variable waits on it as std::condition_variable_any).
#pragma once

#include <mutex>

#if defined(__clang__)
#define FACETAG_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define FACETAG_THREAD_ANNOTATION_(x)
#endif

#define FACETAG_CAPABILITY(x) FACETAG_THREAD_ANNOTATION_(capability(x))
#define FACETAG_SCOPED_CAPABILITY FACETAG_THREAD_ANNOTATION_(scoped_lockable)
#define FACETAG_GUARDED_BY(x) FACETAG_THREAD_ANNOTATION_(guarded_by(x))
#define FACETAG_PT_GUARDED_BY(x) FACETAG_THREAD_ANNOTATION_(pt_guarded_by(x))
#define FACETAG_REQUIRES(...) FACETAG_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define FACETAG_EXCLUDES(...) FACETAG_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define FACETAG_ACQUIRE(...) FACETAG_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define FACETAG_RELEASE(...) FACETAG_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define FACETAG_RETURN_CAPABILITY(x) FACETAG_THREAD_ANNOTATION_(lock_returned(x))
#define FACETAG_NO_THREAD_SAFETY_ANALYSIS FACETAG_THREAD_ANNOTATION_(no_thread_safety_analysis)

namespace facetag {

// A std::mutex that Clang's analysis knows as a capability.
class FACETAG_CAPABILITY("mutex") Mutex {
 public:
  void lock() FACETAG_ACQUIRE() { mutex_.lock(); }
  void unlock() FACETAG_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope (std::lock_guard with the annotations).
class FACETAG_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) FACETAG_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() FACETAG_RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace facetag
