/* ONNX's own node tests for QLinearConv, QLinearMatMul, ConvInteger,
 * MatMulInteger and DynamicQuantizeLinear, run through the int8 reference
 * kernels (qrt_q8.h) and compared bit for bit. The data is generated into
 * q8_onnx_cases.h by make_q8_onnx_cases.py from libonnx-testdata. */
#include "qrt/qrt_q8.h"
#include "test_util.h"
#include "q8_onnx_cases.h"

static qrt_dtype_t dtype_of(const q8_onnx_tensor_t *t) {
  return t->dtype == Q8_ONNX_U8 ? QRT_DTYPE_U8 : QRT_DTYPE_I8;
}
static int present(const q8_onnx_case_t *c, int i) { return i < c->n_inputs && c->inputs[i].size > 0; }

/* Integer tensor -> bytes of its own type. */
static void *bytes_of(const q8_onnx_tensor_t *t) {
  void *p = malloc((size_t)t->size + 1);
  for (int64_t i = 0; i < t->size; i++) qrt_q8_store(dtype_of(t), p, i, t->i[i]);
  return p;
}

static int compare8(const char *name, const q8_onnx_tensor_t *want, qrt_dtype_t t, const void *got) {
  g_checks++;
  for (int64_t i = 0; i < want->size; i++) {
    const int32_t g = qrt_q8_load(t, got, i);
    if (g != want->i[i]) {
      g_failures++;
      fprintf(stderr, "FAIL %s: %s[%lld] = %d, want %d\n", name, want->name, (long long)i, g, want->i[i]);
      return 0;
    }
  }
  return 1;
}

static int compare32(const char *name, const q8_onnx_tensor_t *want, const int32_t *got) {
  g_checks++;
  for (int64_t i = 0; i < want->size; i++)
    if (got[i] != want->i[i]) {
      g_failures++;
      fprintf(stderr, "FAIL %s: %s[%lld] = %d, want %d\n", name, want->name, (long long)i, got[i], want->i[i]);
      return 0;
    }
  return 1;
}

static void conv_params(const q8_onnx_case_t *c, const q8_onnx_tensor_t *w, qrt_conv2d_params_t *p) {
  qrt_conv2d_params_init(p, w->shape[2], w->shape[3]);
  p->groups = c->group;
  p->pad_top = c->pads[0], p->pad_left = c->pads[1], p->pad_bottom = c->pads[2], p->pad_right = c->pads[3];
  p->stride_h = c->strides[0], p->stride_w = c->strides[1];
  p->dilation_h = c->dilations[0], p->dilation_w = c->dilations[1];
}

static int run_conv(const q8_onnx_case_t *c, int quantized) {
  const q8_onnx_tensor_t *x = &c->inputs[0];
  const q8_onnx_tensor_t *w = &c->inputs[quantized ? 3 : 1];
  const q8_onnx_tensor_t *want = &c->outputs[0];
  qrt_conv2d_params_t p;
  conv_params(c, w, &p);
  void *xb = bytes_of(x), *wb = bytes_of(w);
  const int64_t n = x->shape[0], ci = x->shape[1], h = x->shape[2], wd = x->shape[3], co = w->shape[0];
  int ok;
  if (!quantized) {
    const int32_t xzp = present(c, 2) ? c->inputs[2].i[0] : 0;
    const q8_onnx_tensor_t *wz = present(c, 3) ? &c->inputs[3] : NULL;
    const qrt_q8_weights_t wq = {dtype_of(w), 0, NULL, wz ? wz->size : 0, wz ? wz->i : NULL};
    int32_t *y = calloc((size_t)want->size, sizeof *y);
    CHECK_OK(qrt_q8_conv_integer(&p, n, ci, h, wd, dtype_of(x), xzp, xb, co, &wq, wb, y));
    ok = compare32(c->name, want, y);
    free(y);
  } else {
    const qrt_q8_act_t xq = {dtype_of(x), c->inputs[1].f[0], c->inputs[2].i[0]};
    const qrt_q8_weights_t wq = {dtype_of(w), c->inputs[4].size, c->inputs[4].f, c->inputs[5].size, c->inputs[5].i};
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, dtype_of(want), c->inputs[6].f[0], c->inputs[7].i[0]);
    const int32_t *bias = present(c, 8) ? c->inputs[8].i : NULL;
    const size_t ss = qrt_q8_conv2d_unpacked_scratch_size(&p, ci, h, wd, co);
    void *scratch = malloc(ss);
    void *y = malloc((size_t)want->size);
    CHECK_OK(qrt_q8_conv2d(&p, n, ci, h, wd, &xq, xb, co, &wq, wb, bias, &yq, y, scratch, ss));
    ok = compare8(c->name, want, yq.type, y);
    free(scratch);
    free(y);
  }
  free(xb);
  free(wb);
  return ok;
}

/* numpy matmul of a [..., m, k] and b [..., k, n] (rank >= 2 each). */
static int run_matmul(const q8_onnx_case_t *c, int quantized) {
  const q8_onnx_tensor_t *a = &c->inputs[0], *b = &c->inputs[quantized ? 3 : 1];
  const q8_onnx_tensor_t *want = &c->outputs[0];
  const int64_t m = a->shape[a->rank - 2], k = a->shape[a->rank - 1], n = b->shape[b->rank - 1];
  const int64_t rank = (a->rank > b->rank ? a->rank : b->rank) - 2;
  int64_t shape[4], as[4], bs[4], a_shape[4], b_shape[4];
  for (int64_t d = 0; d < a->rank - 2; d++) a_shape[d] = a->shape[d];
  for (int64_t d = 0; d < b->rank - 2; d++) b_shape[d] = b->shape[d];
  for (int64_t d = 0; d < rank; d++) {
    const int64_t da = d - (rank - (a->rank - 2)), db = d - (rank - (b->rank - 2));
    const int64_t ea = da >= 0 ? a_shape[da] : 1, eb = db >= 0 ? b_shape[db] : 1;
    shape[d] = ea > eb ? ea : eb;
  }
  CHECK_OK(qrt_broadcast_strides(rank, shape, a->rank - 2, a_shape, as));
  CHECK_OK(qrt_broadcast_strides(rank, shape, b->rank - 2, b_shape, bs));
  for (int64_t d = 0; d < rank; d++) as[d] *= m * k, bs[d] *= k * n;
  void *ab = bytes_of(a), *bb = bytes_of(b);
  int ok;
  if (!quantized) {
    const q8_onnx_tensor_t *az = present(c, 2) ? &c->inputs[2] : NULL, *bz = present(c, 3) ? &c->inputs[3] : NULL;
    /* per tensor, or one per row of a / column of b (2-D only in these cases) */
    const qrt_q8_matrix_t am = {dtype_of(a), ab, as, NULL, az ? az->i : NULL, NULL, az && az->size > 1};
    const qrt_q8_matrix_t bm = {dtype_of(b), bb, bs, NULL, bz ? bz->i : NULL, NULL, bz && bz->size > 1};
    int32_t *y = calloc((size_t)want->size, sizeof *y);
    CHECK_OK(qrt_q8_matmul_integer(rank, shape, m, n, k, &am, &bm, y));
    ok = compare32(c->name, want, y);
    free(y);
  } else {
    const qrt_q8_matrix_t am = {dtype_of(a), ab, as, c->inputs[1].f, c->inputs[2].i, NULL, c->inputs[1].size > 1};
    const qrt_q8_matrix_t bm = {dtype_of(b), bb, bs, c->inputs[4].f, c->inputs[5].i, NULL, c->inputs[4].size > 1};
    qrt_q8_output_t yq;
    qrt_q8_output_init(&yq, dtype_of(want), c->inputs[6].f[0], c->inputs[7].i[0]);
    void *y = malloc((size_t)want->size);
    CHECK_OK(qrt_q8_matmul(rank, shape, m, n, k, &am, &bm, &yq, y));
    ok = compare8(c->name, want, yq.type, y);
    free(y);
  }
  free(ab);
  free(bb);
  return ok;
}

static int run_dynamic(const q8_onnx_case_t *c) {
  const q8_onnx_tensor_t *x = &c->inputs[0];
  uint8_t *y = malloc((size_t)x->size + 1);
  float scale = 0;
  uint8_t zp = 0;
  CHECK_OK(qrt_q8_dynamic_quantize_linear(x->size, x->f, y, &scale, &zp));
  int ok = compare8(c->name, &c->outputs[0], QRT_DTYPE_U8, y);
  g_checks++;
  if (memcmp(&scale, c->outputs[1].f, 4) != 0) {
    g_failures++;
    ok = 0;
    fprintf(stderr, "FAIL %s: y_scale %.9g, want %.9g\n", c->name, scale, c->outputs[1].f[0]);
  }
  g_checks++;
  if (zp != c->outputs[2].i[0]) {
    g_failures++;
    ok = 0;
    fprintf(stderr, "FAIL %s: y_zero_point %d, want %d\n", c->name, zp, c->outputs[2].i[0]);
  }
  free(y);
  return ok;
}

int main(void) {
  int passed = 0;
  for (int i = 0; i < Q8_ONNX_N_CASES; i++) {
    const q8_onnx_case_t *c = &q8_onnx_cases[i];
    int ok;
    if (!strcmp(c->op, "QLinearConv")) ok = run_conv(c, 1);
    else if (!strcmp(c->op, "ConvInteger")) ok = run_conv(c, 0);
    else if (!strcmp(c->op, "QLinearMatMul")) ok = run_matmul(c, 1);
    else if (!strcmp(c->op, "MatMulInteger")) ok = run_matmul(c, 0);
    else if (!strcmp(c->op, "DynamicQuantizeLinear")) ok = run_dynamic(c);
    else {
      CHECK(0, "%s: unknown op %s", c->name, c->op);
      continue;
    }
    printf("%s %s\n", ok ? "pass" : "FAIL", c->name);
    passed += ok;
  }
  CHECK(Q8_ONNX_N_CASES >= 10, "only %d ONNX cases generated", Q8_ONNX_N_CASES);
  printf("%d of %d ONNX node cases bit-exact\n", passed, Q8_ONNX_N_CASES);
  return test_finish("q8_onnx");
}
