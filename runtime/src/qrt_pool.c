/* The thread pool of qrt_pool.h: workers sleep on a condition variable, a job
 * is (fn, arg, n_tasks) plus one atomic counter per worker's share of the
 * tasks, and qrt_pool_run returns when every worker has finished the job. A
 * model's jobs (one per layer) follow each other within microseconds, while
 * waking a thread from the condition variable costs tens of them (more in a
 * VM): so a worker first spins a while on the job counter, and the caller on
 * the busy count, before sleeping (QRT_POOL_SPIN pauses: about 450 us on the
 * 2-vCPU Xeon of docs/PERFORMANCE.md, where 2000 pauses, 45 us, left a
 * compiled mobilenet_v2 at 2 threads 6 % slower at the median and 18 % at p90,
 * its workers falling asleep between layers). The spin only decides when a
 * thread looks; the state is still read under the mutex. */
#define _POSIX_C_SOURCE 200809L
#include "qrt/qrt_pool.h"

enum { QRT_POOL_SPIN = 20000 };

static inline void qrt_pool_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Worker `worker` runs the tasks of its share, then what is left of the
 * others' (qrt_pool.h). Each share's next is an atomic counter on its own
 * cache line, not the mutex: a depthwise layer's job has hundreds of small
 * tasks, and taking the mutex for each was 10 % of mobilenet_v2's time at 2
 * threads. The shares are set before the job is published (qrt_pool_run),
 * and no worker claims from a job after qrt_pool_run has returned. */
static void qrt_pool_work(qrt_pool_t *pool, qrt_pool_task_fn fn, void *arg, int worker) {
  const int n = pool->threads;
  for (int k = 0; k < n; k++) {
    struct qrt_pool_share *s = &pool->share[(worker + k) % n];
    for (int64_t t; (t = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED)) < s->end;) fn(arg, t, worker);
  }
}

static void *qrt_pool_main(void *p) {
  struct qrt_pool_worker *w = (struct qrt_pool_worker *)p;
  qrt_pool_t *pool = w->pool;
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < QRT_POOL_SPIN && __atomic_load_n(&pool->generation, __ATOMIC_ACQUIRE) == seen &&
                    !__atomic_load_n(&pool->stop, __ATOMIC_ACQUIRE);
         i++)
      qrt_pool_pause();
    pthread_mutex_lock(&pool->mu);
    while (!pool->stop && pool->generation == seen) pthread_cond_wait(&pool->wake, &pool->mu);
    if (pool->stop) {
      pthread_mutex_unlock(&pool->mu);
      return NULL;
    }
    seen = pool->generation;
    qrt_pool_task_fn fn = pool->fn;
    void *arg = pool->arg;
    pthread_mutex_unlock(&pool->mu);
    qrt_pool_work(pool, fn, arg, w->index);
    pthread_mutex_lock(&pool->mu);
    if (__atomic_sub_fetch(&pool->busy, 1, __ATOMIC_RELEASE) == 0) pthread_cond_signal(&pool->done);
    pthread_mutex_unlock(&pool->mu);
  }
}

/* Stops and joins workers [0, started). */
static void qrt_pool_stop(qrt_pool_t *pool, int started) {
  pthread_mutex_lock(&pool->mu);
  __atomic_store_n(&pool->stop, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mu);
  for (int i = 0; i < started; i++) pthread_join(pool->workers[i].thread, NULL);
  pthread_cond_destroy(&pool->wake);
  pthread_cond_destroy(&pool->done);
  pthread_mutex_destroy(&pool->mu);
  pool->threads = 0;
}

qrt_status_t qrt_pool_init(qrt_pool_t *pool, int threads) {
  if (!pool || threads < 1 || threads > QRT_POOL_MAX_THREADS) return QRT_INVALID_ARGUMENT;
  pool->threads = 0;
  pool->stop = 0;
  pool->generation = 0;
  pool->fn = NULL;
  pool->arg = NULL;
  pool->n_tasks = 0;
  pool->busy = 0;
  if (pthread_mutex_init(&pool->mu, NULL) != 0) return QRT_UNSUPPORTED;
  if (pthread_cond_init(&pool->wake, NULL) != 0) {
    pthread_mutex_destroy(&pool->mu);
    return QRT_UNSUPPORTED;
  }
  if (pthread_cond_init(&pool->done, NULL) != 0) {
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mu);
    return QRT_UNSUPPORTED;
  }
  for (int i = 0; i < threads - 1; i++) {
    pool->workers[i].pool = pool;
    pool->workers[i].index = i + 1;
    if (pthread_create(&pool->workers[i].thread, NULL, qrt_pool_main, &pool->workers[i]) != 0) {
      qrt_pool_stop(pool, i);
      return QRT_UNSUPPORTED;
    }
  }
  pool->threads = threads;
  return QRT_OK;
}

void qrt_pool_deinit(qrt_pool_t *pool) {
  if (pool && pool->threads > 0) qrt_pool_stop(pool, pool->threads - 1);
}

int qrt_pool_threads(const qrt_pool_t *pool) { return pool && pool->threads > 1 ? pool->threads : 1; }

void qrt_pool_run(qrt_pool_t *pool, int64_t n_tasks, qrt_pool_task_fn fn, void *arg) {
  if (n_tasks <= 0) return;
  if (qrt_pool_threads(pool) == 1 || n_tasks == 1) {
    for (int64_t t = 0; t < n_tasks; t++) fn(arg, t, 0);
    return;
  }
  pthread_mutex_lock(&pool->mu);
  pool->fn = fn;
  pool->arg = arg;
  pool->n_tasks = n_tasks;
  for (int w = 0; w < pool->threads; w++)
    pool->share[w].next = w * n_tasks / pool->threads, pool->share[w].end = (w + 1) * n_tasks / pool->threads;
  __atomic_store_n(&pool->busy, pool->threads - 1, __ATOMIC_RELAXED);
  __atomic_store_n(&pool->generation, pool->generation + 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mu);
  qrt_pool_work(pool, fn, arg, 0);
  for (int i = 0; i < QRT_POOL_SPIN && __atomic_load_n(&pool->busy, __ATOMIC_ACQUIRE) > 0; i++) qrt_pool_pause();
  pthread_mutex_lock(&pool->mu);
  while (pool->busy > 0) pthread_cond_wait(&pool->done, &pool->mu);
  pthread_mutex_unlock(&pool->mu);
}
