// Linked into the executables that run librdkafka, in ThreadSanitizer builds only
// (-DANALYTICS_SANITIZE=thread).
//
// librdkafka uses C11 threads: thrd_create, mtx_*, cnd_*, thrd_join, call_once. glibc 2.34+
// implements them with its internal pthread functions, not the exported ones that clang 14's
// ThreadSanitizer intercepts. Its threads then run with no TSan state and crash in its allocator
// on their first malloc (a SEGV in rdk:mock under HttpJsonRoutesTest), and, once that is
// mended, its locks are invisible, so every object librdkafka hands between its threads looks
// like a race. Defined in the executable, these take precedence over glibc's for librdkafka and
// call the same pthread functions glibc does, through TSan's interceptors. glibc's C11 types
// are its pthread types in the same storage (mtx_t is a pthread_mutex_t, cnd_t a
// pthread_cond_t, once_flag a pthread_once_t).
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>

namespace {

int result(int pthread_error) {
  switch (pthread_error) {
    case 0:
      return thrd_success;
    case EBUSY:
      return thrd_busy;
    case ETIMEDOUT:
      return thrd_timedout;
    case ENOMEM:
    case EAGAIN:
      return thrd_nomem;
    default:
      return thrd_error;
  }
}

pthread_mutex_t* mutex(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* cond(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t start, void* arg) {
  // thrd_start_t returns int where pthread's start routine returns void*: on x86-64 both come
  // back in rax, and thrd_join below keeps the low 32 bits, as glibc's does.
  auto routine = reinterpret_cast<void* (*)(void*)>(reinterpret_cast<void*>(start));
  return result(pthread_create(thread, nullptr, routine, arg));
}

int thrd_join(thrd_t thread, int* res) {
  void* value = nullptr;
  int error = pthread_join(thread, &value);
  if (error == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(value));
  return result(error);
}

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int error = pthread_mutex_init(mutex(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return result(error);
}
int mtx_lock(mtx_t* m) { return result(pthread_mutex_lock(mutex(m))); }
int mtx_trylock(mtx_t* m) { return result(pthread_mutex_trylock(mutex(m))); }
int mtx_unlock(mtx_t* m) { return result(pthread_mutex_unlock(mutex(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(mutex(m)); }

int cnd_init(cnd_t* c) { return result(pthread_cond_init(cond(c), nullptr)); }
int cnd_signal(cnd_t* c) { return result(pthread_cond_signal(cond(c))); }
int cnd_broadcast(cnd_t* c) { return result(pthread_cond_broadcast(cond(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return result(pthread_cond_wait(cond(c), mutex(m))); }
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* until) {
  return result(pthread_cond_timedwait(cond(c), mutex(m), until));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(cond(c)); }

void call_once(once_flag* flag, void (*function)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), function);
}

}  // extern "C"
