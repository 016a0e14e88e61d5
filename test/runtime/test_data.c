/* Transpose, concat, split, slice (incl. negative steps), pad (all modes,
 * negative pads), gather (negative indices): exact, against index formulas. */
#include "test_util.h"

static void iota(float *p, int64_t n) {
  for (int64_t i = 0; i < n; i++) p[i] = (float)i;
}

static void test_transpose(void) {
  const int64_t s[4] = {2, 3, 4, 5};
  const int64_t perms[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {0, 2, 3, 1}, {1, 0, 3, 2}, {2, 0, 1, 3}};
  float x[120], y[120], r[120];
  iota(x, 120);
  for (int p = 0; p < 5; p++) {
    const int64_t *pm = perms[p];
    int64_t os[4], st[4] = {60, 20, 5, 1};
    for (int d = 0; d < 4; d++) os[d] = s[pm[d]];
    int64_t f = 0;
    for (int64_t a = 0; a < os[0]; a++)
      for (int64_t b = 0; b < os[1]; b++)
        for (int64_t c = 0; c < os[2]; c++)
          for (int64_t d = 0; d < os[3]; d++)
            r[f++] = x[a * st[pm[0]] + b * st[pm[1]] + c * st[pm[2]] + d * st[pm[3]]];
    CHECK_OK(qrt_transpose(4, 4, s, pm, x, y));
    expect_equal("transpose", 4, os, y, r);
  }
  /* 8-byte elements */
  int64_t xi[6] = {0, 1, 2, 3, 4, 5}, yi[6];
  const int64_t s2[2] = {2, 3}, p2[2] = {1, 0};
  CHECK_OK(qrt_transpose(8, 2, s2, p2, xi, yi));
  CHECK(yi[0] == 0 && yi[1] == 3 && yi[2] == 1 && yi[5] == 5, "transpose i64");
  const int64_t bad[2] = {0, 0};
  CHECK(qrt_transpose(4, 2, s2, bad, x, y) == QRT_INVALID_ARGUMENT, "bad perm accepted");
}

static void test_concat_split(void) {
  /* [2, a, 3] pieces with a = 1, 2, 3 along axis 1 */
  float a[6], b[12], c[18], y[36], r[36];
  iota(a, 6), iota(b, 12), iota(c, 18);
  for (int i = 0; i < 12; i++) b[i] += 100;
  for (int i = 0; i < 18; i++) c[i] += 200;
  const void *ins[3] = {a, b, c};
  const int64_t sizes[3] = {1, 2, 3};
  CHECK_OK(qrt_concat(4, 2, 3, 3, ins, sizes, y));
  int f = 0;
  for (int o = 0; o < 2; o++) {
    for (int i = 0; i < 3; i++) r[f++] = a[o * 3 + i];
    for (int i = 0; i < 6; i++) r[f++] = b[o * 6 + i];
    for (int i = 0; i < 9; i++) r[f++] = c[o * 9 + i];
  }
  const int64_t shape[3] = {2, 6, 3};
  expect_equal("concat", 3, shape, y, r);
  float a2[6], b2[12], c2[18];
  void *outs[3] = {a2, b2, c2};
  CHECK_OK(qrt_split(4, 2, 3, y, 3, outs, sizes));
  const int64_t sa[1] = {6}, sb[1] = {12}, sc[1] = {18};
  expect_equal("split 0", 1, sa, a2, a);
  expect_equal("split 1", 1, sb, b2, b);
  expect_equal("split 2", 1, sc, c2, c);
}

static void test_slice(void) {
  int64_t st, cnt;
  CHECK_OK(qrt_slice_normalize(10, -1, -11, -1, &st, &cnt)); /* numpy [::-1] */
  CHECK(st == 9 && cnt == 10, "reverse: %lld %lld", (long long)st, (long long)cnt);
  CHECK_OK(qrt_slice_normalize(10, 1, 1000, 3, &st, &cnt));
  CHECK(st == 1 && cnt == 3, "step 3: %lld %lld", (long long)st, (long long)cnt);
  CHECK_OK(qrt_slice_normalize(10, 8, 2, -2, &st, &cnt));
  CHECK(st == 8 && cnt == 3, "step -2: %lld %lld", (long long)st, (long long)cnt);
  CHECK_OK(qrt_slice_normalize(10, 5, 2, 1, &st, &cnt));
  CHECK(cnt == 0, "empty: %lld", (long long)cnt);
  CHECK(qrt_slice_normalize(10, 0, 1, 0, &st, &cnt) == QRT_INVALID_ARGUMENT, "step 0 accepted");
  /* x [4,5,6]: [1:4:2, ::-1, 5:0:-2] -> [2,5,3] */
  float x[120], y[30], r[30];
  iota(x, 120);
  const int64_t in[3] = {4, 5, 6}, starts[3] = {1, 4, 5}, steps[3] = {2, -1, -2}, os[3] = {2, 5, 3};
  CHECK_OK(qrt_slice(4, 3, in, starts, steps, os, x, y));
  int f = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 5; b++)
      for (int c = 0; c < 3; c++) r[f++] = x[(1 + 2 * a) * 30 + (4 - b) * 6 + (5 - 2 * c)];
  expect_equal("slice", 3, os, y, r);
}

static void test_pad(void) {
  /* 1-D [1,2,3] pad 2 left 3 right in every mode (numpy np.pad results) */
  const float x[3] = {1, 2, 3};
  const int64_t in[1] = {3}, pads[2] = {2, 3}, os[1] = {8};
  const float v = -1;
  float y[8];
  const float want_c[8] = {-1, -1, 1, 2, 3, -1, -1, -1};
  const float want_r[8] = {3, 2, 1, 2, 3, 2, 1, 2};
  const float want_e[8] = {1, 1, 1, 2, 3, 3, 3, 3};
  const float want_w[8] = {2, 3, 1, 2, 3, 1, 2, 3};
  CHECK_OK(qrt_pad(4, QRT_PAD_CONSTANT, 1, in, pads, &v, x, y));
  expect_equal("pad constant", 1, os, y, want_c);
  CHECK_OK(qrt_pad(4, QRT_PAD_REFLECT, 1, in, pads, NULL, x, y));
  expect_equal("pad reflect", 1, os, y, want_r);
  CHECK_OK(qrt_pad(4, QRT_PAD_EDGE, 1, in, pads, NULL, x, y));
  expect_equal("pad edge", 1, os, y, want_e);
  CHECK_OK(qrt_pad(4, QRT_PAD_WRAP, 1, in, pads, NULL, x, y));
  expect_equal("pad wrap", 1, os, y, want_w);
  /* NCHW [1,1,2,3]: pad H by (1,0), W by (0,1) reflect; and a negative pad (crop) */
  const float x4[6] = {1, 2, 3, 4, 5, 6};
  const int64_t in4[4] = {1, 1, 2, 3}, p4[8] = {0, 0, 1, 0, 0, 0, 0, 1}, os4[4] = {1, 1, 3, 4};
  float y4[12];
  const float w4[12] = {4, 5, 6, 5, 1, 2, 3, 2, 4, 5, 6, 5};
  CHECK_OK(qrt_pad(4, QRT_PAD_REFLECT, 4, in4, p4, NULL, x4, y4));
  expect_equal("pad reflect 4d", 4, os4, y4, w4);
  const int64_t pc[8] = {0, 0, 1, -1, 0, 0, 0, -1}, osc[4] = {1, 1, 3, 1};
  float yc[3];
  const float wc[3] = {0, 2, 5};
  CHECK_OK(qrt_pad(4, QRT_PAD_CONSTANT, 4, in4, pc, NULL, x4, yc));
  expect_equal("pad negative", 4, osc, yc, wc);
}

static void test_gather(void) {
  /* x [2,4,3], axis 1, indices [3, -1, 0, -4] */
  float x[24], y[24], r[24];
  iota(x, 24);
  const int64_t idx[4] = {3, -1, 0, -4};
  CHECK_OK(qrt_gather(4, 2, 4, 3, x, 4, idx, y));
  int f = 0;
  for (int o = 0; o < 2; o++)
    for (int i = 0; i < 4; i++)
      for (int k = 0; k < 3; k++) r[f++] = x[(o * 4 + (idx[i] < 0 ? idx[i] + 4 : idx[i])) * 3 + k];
  const int64_t shape[3] = {2, 4, 3};
  expect_equal("gather", 3, shape, y, r);
  const int64_t bad[1] = {4};
  CHECK(qrt_gather(4, 2, 4, 3, x, 1, bad, y) == QRT_INVALID_ARGUMENT, "index 4 accepted");
}

int main(void) {
  test_transpose();
  test_concat_split();
  test_slice();
  test_pad();
  test_gather();
  return test_finish("runtime.data");
}
