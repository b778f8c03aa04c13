// LD_PRELOAD shim that counts heap allocations of a whole process (every
// thread): malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign.
// On SIGUSR2 it writes the count so far, as decimal text, to the file named by
// SERENDIP_ALLOC_COUNT_FILE. The load benchmark reads it before and after the
// relay phase to report allocations per relayed message end to end.
#include <fcntl.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX, not in <csignal>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>

// glibc's own entry points, which the shim forwards to.
// NOLINTBEGIN(bugprone-reserved-identifier)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}
// NOLINTEND(bugprone-reserved-identifier)

namespace {

std::atomic<unsigned long long> g_count{0};
const char* g_file = nullptr;

void on_signal(int) {
  if (g_file == nullptr) return;
  char text[32];
  unsigned long long v = g_count.load(std::memory_order_relaxed);
  int n = 0;
  char rev[32];
  do {
    rev[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = 0; i < n; ++i) text[i] = rev[n - 1 - i];
  text[n++] = '\n';
  // open/write/close are async-signal-safe.
  const int fd = open(g_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ssize_t ignored = write(fd, text, static_cast<std::size_t>(n));
  (void)ignored;
  close(fd);
}

__attribute__((constructor)) void install() {
  g_file = getenv("SERENDIP_ALLOC_COUNT_FILE");  // NOLINT(concurrency-mt-unsafe): runs at load, before main
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, nullptr);
}

inline void count() { g_count.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}

void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}

void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}

void* memalign(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}

void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count();
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}

}  // extern "C"
