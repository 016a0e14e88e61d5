/* libqrt's optional thread pool (POSIX threads; link with -lpthread).
 *
 * The caller owns the pool object: it lives wherever the caller puts it (a
 * context struct, the stack; no allocation, no global state). qrt_pool_init
 * starts threads - 1 worker threads; the thread that calls qrt_pool_run works
 * too, as worker 0. Kernels that take a pool (the `_mt` functions of qrt_f32.h
 * and qrt_q8.h) split their work into tasks that each write their own part of
 * the output with the same code and the same order of operations as the
 * single-threaded kernel, so results are identical for every thread count.
 * A NULL pool, or one of 1 thread, runs the single-threaded code path.
 *
 * One qrt_pool_run at a time per pool (like a context: one run at a time). */
#ifndef QRT_POOL_H
#define QRT_POOL_H
#include <pthread.h>
#include <stdint.h>

#include "qrt/qrt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QRT_POOL_MAX_THREADS 64

/* Runs task number `task` (0 <= task < n_tasks) on worker `worker` (0 <=
 * worker < qrt_pool_threads(pool)); a worker runs one task at a time, so a
 * task may use scratch memory indexed by `worker`. */
typedef void (*qrt_pool_task_fn)(void *arg, int64_t task, int worker);

/* Its fields are private (qrt_pool.c); the struct is public so the caller can
 * hold it without allocation. */
struct qrt_pool {
  int threads; /* workers including the caller; 0 before init */
  int stop;
  uint64_t generation; /* counts jobs: a worker waits until it changes */
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  qrt_pool_task_fn fn; /* the current job */
  void *arg;
  int64_t n_tasks;
  int busy; /* workers not yet finished with the current job */
  /* worker w's share of the job, tasks [w * n_tasks / threads, (w + 1) *
   * n_tasks / threads): next, the next of them to hand out (one cache line each) */
  struct qrt_pool_share {
    int64_t next, end;
    char pad[48];
  } share[QRT_POOL_MAX_THREADS];
  struct qrt_pool_worker {
    struct qrt_pool *pool;
    int index;
    pthread_t thread;
  } workers[QRT_POOL_MAX_THREADS - 1];
};

/* Starts threads - 1 workers (1 <= threads <= QRT_POOL_MAX_THREADS; 1 starts
 * none). QRT_INVALID_ARGUMENT for a bad count, QRT_UNSUPPORTED when the
 * system refuses a thread (the ones started are stopped again). */
qrt_status_t qrt_pool_init(qrt_pool_t *pool, int threads);
/* Stops and joins the workers. The pool may be initialized again. */
void qrt_pool_deinit(qrt_pool_t *pool);
/* Worker count including the caller: 1 for NULL. */
int qrt_pool_threads(const qrt_pool_t *pool);
/* Runs fn(arg, t, worker) once for every t in [0, n_tasks) and returns when
 * all are done. Worker w starts with its share, tasks [w * n_tasks / threads,
 * (w + 1) * n_tasks / threads) in increasing order, then takes what is left
 * of the other shares: so consecutive jobs split alike mostly run the same
 * part on the same thread (its bytes stay in that core's caches), and a late
 * worker's share is still done. Which worker runs a task can vary; what the
 * task computes must not depend on it (only its scratch may). NULL pool or 1
 * thread: the caller runs them in order, worker 0. */
void qrt_pool_run(qrt_pool_t *pool, int64_t n_tasks, qrt_pool_task_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* QRT_POOL_H */
