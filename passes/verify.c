/* qcc-verify: run qcc's C verifier (the rules IRDL cannot express). The
 * pipeline runs it after every pass; it is also a flag of its own. */
#include "passes.h"
#include "verify.h"

static void run(MlirOperation op, MlirExternalPass pass, void *ud) {
  (void)ud;
  if (qcc_verify_ops(op) != 0) mlirExternalPassSignalFailure(pass);
}

static _Alignas(8) char type_id;

static qcc_status_t create(const qcc_pass_option *opts, int n, MlirPass *out) {
  if (n) return qcc_status_make(QCC_ERR_USAGE, "qcc-verify takes no options (got '%s')", opts[0].key);
  *out = qcc_make_external_pass(&qcc_pass_verify_info, &type_id, run, NULL);
  return NULL;
}

const qcc_pass_info qcc_pass_verify_info = {
    "qcc-verify", "",
    "Check qcc ops against the shape and attribute rules IRDL cannot express",
    "Fails with a located error for each qcc op whose result types do not follow from its operands and\n"
    "attributes, e.g. a conv2d whose result is 1x4x7x7 where strides and pads give 1x4x6x6.",
    "", create};
